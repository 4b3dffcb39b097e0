/**
 * What `npm install blasnet` gives a machine with no compiler and no OpenBLAS: the package test.
 *
 * Before the checks: `npm run pack:all` builds both platform packages' binaries (linux-x64 here, linux-arm64
 * cross-built) and writes the three tarballs into build/npm/; they are published to a local registry
 * (verdaccio on a loopback port, from test/package/tools, a test-only install) and installed from it into
 * new projects in a temporary folder, as a user installs them: `npm install blasnet`, the same with
 * `--ignore-scripts`, with pnpm, and with `--cpu=arm64` (the project the emulated test runs). On PATH the
 * compilers, make and python3 are shims that fail (so a source build, or any install script that tried
 * one, would fail loudly); CXX=false, CC=false.
 * Then each check runs the installed package in a child process, the way a user's program would: under
 * Node, Bun and Deno (npm packages `bun` and `deno`), and the arm64 install under qemu-user
 * (test/package/emulated.ts).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { arm64Node, emulated, qemuMissing } from './emulated';
import { publish, startRegistry, TOOLS, type Registry } from './registry';

const root = path.resolve(__dirname, '..', '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const platformPackage = `@blasnet/${process.platform}-${process.arch}-gnu`;
const PLATFORM_FILE = `node_modules/${platformPackage}/blasnet.node`;
/** What package.json's `files` allows into the main package, besides package.json itself. */
const SHIPPED =
  /^(dist\/.+|native\/.+|examples\/.+|binding\.gyp|CMakeLists\.txt|tools\/(find-openblas|build-from-source|node-gyp)\.js|lib\/onnx\/onnx\.proto|README\.md|LICENSE|NOTICE|package\.json)$/;
const COMPILER_TOOLS = ['g++', 'c++', 'gcc', 'cc', 'make', 'python3', 'cmake'];

type Env = Record<string, string | undefined>;

interface Tarball {
  name: string;
  file: string;
  size: number;
  unpackedSize: number;
  files: string[];
  cpu?: string;
  glibc?: string;
  statedGlibc?: string;
}

interface TrainResult {
  loss: number[];
  addon: string;
  addonSource: string;
  openblas: string;
  exports?: string[];
}

export interface PlatformResult {
  arch: string;
  runtime: string;
  addon: string;
  addonSource: string;
  openblas: string;
  core: string;
  smallGemm: string;
  parity: { cases: number; worst: number; failures: string[] };
  loss: number[];
  fitAsyncSameLosses: boolean;
  fitAsyncSameWeights: boolean;
  fitMatchesTrainFixture: boolean;
  predicted: number[];
  loadedSameWeights: boolean;
  loadedSamePrediction: boolean;
  timings: Record<string, number>;
}

let work: string;
let registry: Registry;
let tarballs: Tarball[];
/** Environment of the user's machine: failing compilers on PATH, no npm or blasnet settings inherited. */
let userEnv: Env;
const projects: Record<string, string> = {};
const installOutput: Record<string, string> = {};
const summary: string[] = [];

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Env; timeout?: number },
): SpawnSyncReturns<string> {
  return spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

function runOrThrow(command: string, args: string[], options: { cwd: string; env?: Env; timeout?: number }): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop()!) as T;

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && fs.existsSync(file)) return fs.realpathSync(file);
  }
  return undefined;
}

/**
 * A PATH folder holding node, npm, sh and the usual tools, and shims for every compiler, make, python3
 * and cmake that print why and exit 1.
 */
function userBin(): string {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  const npm = process.env.npm_execpath?.endsWith('npm-cli.js') ? process.env.npm_execpath : which('npm');
  if (!npm) throw new Error('npm not found on PATH');
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npm, path.join(bin, 'npm'));
  fs.symlinkSync(path.join(path.dirname(npm), 'npx-cli.js'), path.join(bin, 'npx'));
  for (const tool of ['sh', 'env', 'ldd', 'cat', 'uname', 'rm', 'mkdir']) {
    const found = which(tool);
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const tool of COMPILER_TOOLS) {
    fs.writeFileSync(
      path.join(bin, tool),
      `#!/bin/sh\necho "${tool}: no compilers on this machine (blasnet package test)" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
  }
  return bin;
}

function cleanEnv(bin: string): Env {
  const env: Env = {};
  // npm run passes its whole configuration down as npm_* variables (npm_config_local_prefix would even
  // make the inner npm work on this repository); the inner npm reads the project's .npmrc itself.
  const kept = new Set(['npm_config_cache']);
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('npm_') && !kept.has(name)) continue;
    if (['BLASNET_ADDON', 'LIBC', 'NODE_OPTIONS'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, PATH: bin, CXX: 'false', CC: 'false', OPENBLAS_NUM_THREADS: '1' };
}

/** A new project that installs from the local registry, with the fixtures copied in. */
function newProject(name: string): string {
  const project = path.join(work, name);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, '.npmrc'), `registry=${registry.url}\n`);
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: `user-${name}`, version: '1.0.0', private: true }, null, 2),
  );
  for (const fixture of fs.readdirSync(path.join(__dirname, 'fixtures'))) {
    fs.copyFileSync(path.join(__dirname, 'fixtures', fixture), path.join(project, fixture));
  }
  projects[name] = project;
  return project;
}

function install(name: string, command: string, args: string[]): void {
  const project = newProject(name);
  const started = Date.now();
  const result = run(command, args, { cwd: project, env: userEnv, timeout: 300_000 });
  installOutput[name] = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${project}:\n${installOutput[name]}`);
  summary.push(
    `${name}: ${[path.basename(command), ...args].join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function runFixture<T>(project: string, script: string, extraEnv: Env = {}): T {
  return lastJson<T>(
    runOrThrow(process.execPath, [script], { cwd: project, env: { ...userEnv, ...extraEnv }, timeout: 120_000 }),
  );
}

const installed = (project: string, ...parts: string[]) => path.join(projects[project]!, 'node_modules', ...parts);
const describeOnLinux = process.platform === 'linux' ? describe : describe.skip;
const tool = (name: string) => path.join(TOOLS, '.bin', name);

describeOnLinux('the packed packages, installed from a registry with no compiler and no OpenBLAS', () => {
  beforeAll(async () => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-package-')));
    if (work.startsWith(root + path.sep)) throw new Error(`the temporary folder ${work} is inside the repository`);
    const buildEnv = { ...process.env };
    delete buildEnv.BLASNET_ADDON;

    let started = Date.now();
    const packLog = runOrThrow(
      'npm',
      ['run', 'pack:all', ...(process.env.BLASNET_PACK_REUSE ? ['--', '--no-build'] : [])],
      { cwd: root, env: buildEnv },
    );
    summary.push(`npm run pack:all in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    summary.push(
      ...packLog
        .slice(packLog.indexOf('blasnet pack:all '))
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    );
    tarballs = (
      JSON.parse(fs.readFileSync(path.join(root, 'build', 'npm', 'pack.json'), 'utf8')) as { tarballs: Tarball[] }
    ).tarballs;

    started = Date.now();
    const upstream = runOrThrow('npm', ['config', 'get', 'registry'], { cwd: os.tmpdir(), env: buildEnv }).trim();
    registry = await startRegistry(path.join(work, 'registry'), upstream);
    // Platform packages first, as a release publishes them: the main package names them.
    for (const tarball of [...tarballs].sort((a, b) => Number(a.name === 'blasnet') - Number(b.name === 'blasnet'))) {
      publish(registry, tarball.file, buildEnv);
    }
    summary.push(
      `verdaccio at ${registry.url}, three tarballs published in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    userEnv = cleanEnv(userBin());
    const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline'];
    install('npm', 'npm', ['install', 'blasnet', ...npmFlags]);
    install('ignore-scripts', 'npm', ['install', 'blasnet', '--ignore-scripts', ...npmFlags]);
    install('pnpm', tool('pnpm'), ['add', 'blasnet', '--config.confirmModulesPurge=false']);
    install('arm64', 'npm', ['install', 'blasnet', '--os=linux', '--cpu=arm64', '--libc=glibc', ...npmFlags]);
  }, 900_000);

  afterAll(async () => {
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (summary.length > 0) process.stdout.write(`\npackage test:\n  ${summary.join('\n  ')}\n  removed ${work}\n`);
  });

  describe('the tarballs (npm run pack:all)', () => {
    const byName = (name: string) => tarballs.find((t) => t.name === name)!;

    it('are the main package and one per platform, all at the same version, in build/npm/', () => {
      expect(tarballs.map((t) => path.relative(root, t.file)).sort()).toEqual(
        [
          `blasnet-${version}.tgz`,
          `blasnet-linux-arm64-gnu-${version}.tgz`,
          `blasnet-linux-x64-gnu-${version}.tgz`,
        ].map((f) => `build/npm/${f}`),
      );
    });

    it('the main package holds JS, types and the sources, no binary, and nothing that runs at install time', () => {
      const main = byName('blasnet');
      expect(main.files.filter((file) => !SHIPPED.test(file))).toEqual([]);
      expect(main.files.filter((file) => file.endsWith('.node'))).toEqual([]);
      for (const file of [
        'dist/index.js',
        'dist/index.d.ts',
        'binding.gyp',
        'native/addon.cc',
        'tools/build-from-source.js',
        'NOTICE',
        'LICENSE',
        'examples/data/iris-species.csv',
        'examples/data/NOTICE',
        'lib/onnx/onnx.proto',
      ]) {
        expect(main.files).toContain(file);
      }
      const manifest = JSON.parse(fs.readFileSync(installed('npm', 'blasnet', 'package.json'), 'utf8'));
      expect(manifest.scripts).toBeUndefined();
      expect(manifest.gypfile).toBe(false);
      expect(manifest.devDependencies).toBeUndefined();
      expect(manifest.optionalDependencies).toEqual({
        '@blasnet/linux-x64-gnu': version,
        '@blasnet/linux-arm64-gnu': version,
      });
    });

    it.each(['x64', 'arm64'])(
      '@blasnet/linux-%s-gnu: os, cpu, libc, a stated glibc floor the binary keeps, and OpenBLAS licence',
      (cpu) => {
        const tarball = byName(`@blasnet/linux-${cpu}-gnu`);
        expect(tarball.files).toEqual(['LICENSE', 'NOTICE', 'README.md', 'blasnet.node', 'package.json']);
        const dir =
          cpu === process.arch
            ? installed('npm', '@blasnet', `linux-${cpu}-gnu`)
            : installed('arm64', '@blasnet', `linux-${cpu}-gnu`);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
        expect(manifest).toMatchObject({
          version,
          os: ['linux'],
          cpu: [cpu],
          libc: ['glibc'],
          engines: { node: '>=20' },
          config: { glibc: '>=2.34' },
        });
        expect(tarball.glibc).toBe('2.34');
        expect(fs.readFileSync(path.join(dir, 'NOTICE'), 'utf8')).toMatch(/OpenBLAS[\s\S]*BSD-3-clause/);
      },
    );
  });

  describe("what the README says about npm's handling of install scripts", () => {
    // Not about blasnet, which has none: the README says what this npm does with a dependency's install
    // script, and this holds it to that. A one-file package with an `install` script, from the registry.
    let project: string;
    let marker: string;
    beforeAll(() => {
      const pkg = path.join(work, 'scripted-package');
      marker = path.join(work, 'install-script-ran');
      fs.mkdirSync(pkg);
      const script = `node -e "require('fs').writeFileSync(process.env.MARKER, 'ran')"`;
      fs.writeFileSync(
        path.join(pkg, 'package.json'),
        JSON.stringify({ name: '@blasnet/scripted-fixture', version: '1.0.0', scripts: { install: script } }),
      );
      const [packed] = JSON.parse(
        runOrThrow('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkg, env: userEnv }),
      );
      publish(registry, path.join(work, packed.filename), { ...process.env });
      project = newProject('scripted');
    });
    const installScripted = (flags: string[]) => {
      fs.rmSync(marker, { force: true });
      fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
      const result = run('npm', ['install', '@blasnet/scripted-fixture', '--no-audit', '--no-fund', ...flags], {
        cwd: project,
        env: { ...userEnv, MARKER: marker },
      });
      return { status: result.status, output: `${result.stdout}${result.stderr}`, ran: fs.existsSync(marker) };
    };

    it(`npm ${runOrThrow('npm', ['--version'], { cwd: os.tmpdir() }).trim()} runs a dependency's install script during npm install, with a warning`, () => {
      const { status, output, ran } = installScripted([]);
      expect(status).toBe(0);
      expect(ran).toBe(true);
      expect(output).toMatch(/install scripts not yet covered by allowScripts/);
    });

    it('and refuses it only with --strict-allow-scripts', () => {
      const { status, ran } = installScripted(['--strict-allow-scripts']);
      expect(status).not.toBe(0);
      expect(ran).toBe(false);
    });
  });

  describe('npm install blasnet', () => {
    it('no compiler, make or python works where it was installed: each is a shim that fails', () => {
      for (const name of COMPILER_TOOLS) {
        const result = run(name, ['--version'], { cwd: projects.npm!, env: userEnv });
        expect([name, result.status]).toEqual([name, 1]);
      }
      expect(userEnv.CXX).toBe('false');
    });

    it('installed only the platform package that fits, and ran no install script', () => {
      expect(fs.existsSync(installed('npm', platformPackage, 'blasnet.node'))).toBe(true);
      expect(fs.readdirSync(installed('npm', '@blasnet'))).toEqual([platformPackage.slice('@blasnet/'.length)]);
      expect(fs.existsSync(installed('npm', 'blasnet', 'build'))).toBe(false);
      expect(installOutput.npm).not.toMatch(/node-gyp|gyp ERR|install script|allow-scripts/i);
    });

    let required: TrainResult;
    it('require("blasnet") loads the platform package (BLASNET_ADDON=package allows only it)', () => {
      required = runFixture<TrainResult>(projects.npm!, 'require.cjs', { BLASNET_ADDON: 'package' });
      expect(required.addon).toBe(path.join(projects.npm!, PLATFORM_FILE));
      expect(required.addonSource).toBe('package');
      expect(required.openblas).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it('that binary needs no OpenBLAS and no Fortran runtime (ldd)', () => {
      const ldd = runOrThrow('ldd', [required.addon], { cwd: projects.npm! });
      summary.push(
        `ldd ${PLATFORM_FILE}: ${ldd
          .trim()
          .split('\n')
          .map((line) => line.trim().split(' ')[0])
          .join(' ')}`,
      );
      expect(ldd).not.toMatch(/openblas|gfortran|not found/i);
      expect(ldd).toMatch(/libc\.so\.6/);
    });

    it('a network with one hidden layer trains on it: the loss goes down', () => {
      const { loss } = required;
      summary.push(`require: loss ${loss[0]!.toFixed(4)} after 5 epochs -> ${loss.at(-1)!.toFixed(4)} after 40`);
      expect(loss.every(Number.isFinite)).toBe(true);
      expect(loss.at(-1)!).toBeLessThan(0.5 * loss[0]!);
    });

    it('without BLASNET_ADDON (what users run) the same binary loads', () => {
      const plain = runFixture<TrainResult>(projects.npm!, 'require.cjs');
      expect(plain.addon).toBe(required.addon);
      expect(plain.loss).toEqual(required.loss);
    });

    it("an ES module can `import { Network } from 'blasnet'` and sees every export require does", () => {
      const imported = runFixture<TrainResult>(projects.npm!, 'import.mjs');
      expect(imported.addon).toBe(required.addon);
      expect(imported.exports).toEqual(required.exports);
      expect(imported.loss).toEqual(required.loss);
    });

    it('a worker thread loads its own instance and trains to the same losses', () => {
      const { main, worker } = runFixture<{ main: TrainResult; worker: TrainResult }>(projects.npm!, 'worker.cjs');
      expect(worker.addon).toBe(required.addon);
      expect(main.loss).toEqual(required.loss);
      expect(worker.loss).toEqual(required.loss);
    });

    it('npx blasnet info reports the platform package', () => {
      const info = JSON.parse(
        runOrThrow('npx', ['--offline', 'blasnet', 'info', '--json'], { cwd: projects.npm!, env: userEnv }),
      );
      expect(info).toMatchObject({
        backend: 'native',
        addon: required.addon,
        addonSource: 'package',
        blasnet: version,
      });
      summary.push(`npx blasnet info: OpenBLAS ${info.openblas}, core ${info.core}, ${info.addonSource}`);
    });

    it("require('blasnet/queue') resolves through the exports map; without the optional bullmq it says what to install", () => {
      const script = `const q = require('blasnet/queue');
        try { new q.TrainingQueue({ connection: 'redis://127.0.0.1:1' }); console.log('{}'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, exports: Object.keys(q) })); }`;
      const out = JSON.parse(runOrThrow(process.execPath, ['-e', script], { cwd: projects.npm!, env: userEnv })) as {
        code: string;
        message: string;
        exports: string[];
      };
      expect(out.code).toBe('ERR_QUEUE_PEER_MISSING');
      expect(out.message).toMatch(/npm install bullmq ioredis/);
      expect(out.exports).toEqual(expect.arrayContaining(['TrainingQueue', 'startTrainingWorker', 'submitTraining']));
      summary.push('blasnet/queue: resolves; bullmq absent -> ERR_QUEUE_PEER_MISSING');
    });

    it('blasnet train, predict and export work from the installed package', () => {
      const bin = path.join(projects.npm!, 'node_modules', '.bin', 'blasnet');
      cliTrainPredict(projects.npm!, [bin]);
      // ONNX export needs protobufjs and the shipped onnx.proto (lib/onnx/, beside dist/).
      const exported = runOrThrow(bin, ['export', `small-blasnet.blasnet`, '--onnx', 'small.onnx', '--network-only'], {
        cwd: projects.npm!,
        env: userEnv,
      });
      expect(exported).toMatch(/^wrote small\.onnx: 2-[\d-]+ network/);
      expect(fs.statSync(path.join(projects.npm!, 'small.onnx')).size).toBeGreaterThan(100);
    });

    it("the README's CLI session works from the installed package's own copy of the data (issue 13)", () => {
      const bin = path.join(projects.npm!, 'node_modules', '.bin', 'blasnet');
      const data = path.join('node_modules', 'blasnet', 'examples', 'data', 'iris-species.csv');
      const trained = lastJson<Record<string, unknown>>(
        runOrThrow(bin, ['train', data, '--target', 'species', '--epochs', '20', '--json'], {
          cwd: projects.npm!,
          env: userEnv,
        }),
      );
      expect(trained).toMatchObject({
        task: 'classification',
        classes: ['setosa', 'versicolor', 'virginica'],
        rows: 150,
      });
    });

    it("a strict TypeScript project compiles against the tarball's types: no @types/node, no DOM, no skipLibCheck", () => {
      // The consumer of test/types/ (its @ts-expect-error lines included), now against what npm installed.
      const consumer = path.join(projects.npm!, 'typescript-consumer');
      fs.mkdirSync(consumer);
      for (const file of ['consumer.ts', 'tsconfig.json'])
        fs.copyFileSync(path.join(root, 'test', 'types', 'consumer', file), path.join(consumer, file));
      expect(fs.existsSync(path.join(projects.npm!, 'node_modules', '@types'))).toBe(false);
      const tsc = run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], {
        cwd: consumer,
        env: userEnv,
      });
      expect({ status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: '' });
    });

    it('npx blasnet build-from-source is the explicit source build: here it fails loudly, naming what it needs', () => {
      const build = run('npx', ['--offline', 'blasnet', 'build-from-source'], {
        cwd: projects.npm!,
        env: userEnv,
        timeout: 300_000,
      });
      fs.rmSync(installed('npm', 'blasnet', 'build'), { recursive: true, force: true });
      expect(build.status).not.toBe(0);
      expect(`${build.stdout}${build.stderr}`).toMatch(/gyp ERR! /);
      expect(build.stderr).toContain('A source build needs a C++17 compiler, make, python3 and OpenBLAS');
      summary.push(`npx blasnet build-from-source: exit ${build.status}, as it must without a compiler`);
    });

    it('with a compiler and OpenBLAS, npx blasnet build-from-source builds an addon that loads and trains', () => {
      const started = Date.now();
      // This machine's own PATH: the compilers, make, python3 and the OpenBLAS headers are really there.
      const withTools = {
        ...userEnv,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
        CXX: undefined,
        CC: undefined,
      };
      try {
        runOrThrow('npx', ['--offline', 'blasnet', 'build-from-source'], {
          cwd: projects.npm!,
          env: withTools,
          timeout: 600_000,
        });
        const built = runFixture<TrainResult>(projects.npm!, 'require.cjs', { BLASNET_ADDON: 'build' });
        expect(built.addon).toBe(installed('npm', 'blasnet', 'build', 'Release', 'blasnet.node'));
        expect(built.addonSource).toBe('build');
        // The machine's dynamic OpenBLAS against the static one: the same losses to rounding.
        built.loss.forEach((loss, i) => expect(Math.abs(loss - required.loss[i]!)).toBeLessThanOrEqual(1e-9));
        summary.push(
          `npx blasnet build-from-source with a compiler: built and trained in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        fs.rmSync(installed('npm', 'blasnet', 'build'), { recursive: true, force: true });
      }
    }, 600_000);
  });

  let x64: PlatformResult;
  describe('every check of platform.cjs (parity subset, fit, fitAsync, predict, save/load)', () => {
    it('under Node, on linux-x64', () => {
      x64 = runFixture<PlatformResult>(projects.npm!, 'platform.cjs');
      expectPlatformResult(x64, path.join(projects.npm!, PLATFORM_FILE));
      summary.push(
        `node x64: core ${x64.core}, parity ${x64.parity.cases} cases (worst ${x64.parity.worst.toExponential(1)}), timings ${JSON.stringify(x64.timings)}`,
      );
    });

    it('with --ignore-scripts the install is the same, and the package works', () => {
      expect(fs.readdirSync(installed('ignore-scripts', '@blasnet'))).toEqual([
        platformPackage.slice('@blasnet/'.length),
      ]);
      const result = runFixture<PlatformResult>(projects['ignore-scripts']!, 'platform.cjs');
      expectPlatformResult(result, path.join(projects['ignore-scripts']!, PLATFORM_FILE));
      expect(result.loss).toEqual(x64.loss);
    });

    it('installed by pnpm (its nested store), the platform package is found from blasnet', () => {
      const result = runFixture<PlatformResult>(projects.pnpm!, 'platform.cjs');
      expect(result.addon).toMatch(
        new RegExp(`node_modules/\\.pnpm/.*/node_modules/${platformPackage}/blasnet\\.node$`),
      );
      expectPlatformResult(result, result.addon);
      expect(result.loss).toEqual(x64.loss);
      expect(installOutput.pnpm).not.toMatch(/node-gyp|gyp ERR/);
    });

    describe.each([
      ['bun', (script: string) => [tool('bun'), script]],
      ['deno', (script: string) => [tool('deno'), 'run', '--allow-all', script]],
    ])('under %s', (runtime, command) => {
      const runWith = (script: string, args: string[] = []) => {
        const [binary, ...rest] = command(script);
        return runOrThrow(binary!, [...rest, ...args], {
          cwd: projects.npm!,
          env: { ...userEnv, DENO_NO_UPDATE_CHECK: '1' },
          timeout: 180_000,
        });
      };

      it('fit, fitAsync (worker threads, bit for bit), predict and save/load (bit for bit) work, and agree with Node', () => {
        const result = lastJson<PlatformResult>(runWith('platform.cjs'));
        expect(result.runtime).toMatch(new RegExp(`^${runtime} `));
        expectPlatformResult(result, path.join(projects.npm!, PLATFORM_FILE));
        // Within the runtime, fitAsync = fit and save/load are bit for bit (expectPlatformResult). Against
        // Node 20 the seeded initial weights differ in the last bit (Math.log/sin/cos in Box-Muller differ
        // between Node 20's V8, Bun's JavaScriptCore and Deno 2.9's V8), so the comparison is to rounding.
        const ulps = result.loss.map(
          (loss, i) =>
            Math.abs(loss - x64.loss[i]!) / Math.max(Number.EPSILON * Math.abs(x64.loss[i]!), Number.MIN_VALUE),
        );
        result.loss.forEach((loss, i) =>
          expect(Math.abs(loss - x64.loss[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(x64.loss[i]!)),
        );
        result.predicted.forEach((p, i) => expect(Math.abs(p - x64.predicted[i]!)).toBeLessThanOrEqual(1e-12));
        const bitwise = result.loss.filter((loss, i) => loss === x64.loss[i]).length;
        summary.push(
          `${result.runtime}: ${bitwise} of ${result.loss.length} losses bit-identical to Node's (max ${Math.max(...ulps).toFixed(1)} ulp), ` +
            `predictions ${result.predicted.every((p, i) => p === x64.predicted[i]) ? 'bit-identical' : 'within 1e-12'}, timings ${JSON.stringify(result.timings)}`,
        );
      });

      it('the CLI: info, train and predict', () => {
        const cli = path.join(projects.npm!, 'node_modules', 'blasnet', 'dist', 'cli', 'main.js');
        const info = JSON.parse(runWith(cli, ['info', '--json']));
        expect(info).toMatchObject({ backend: 'native', addonSource: 'package' });
        cliTrainPredict(projects.npm!, command(cli), { DENO_NO_UPDATE_CHECK: '1' });
      });
    });
  });

  describe('linux-arm64: the package npm installs with --cpu=arm64, run under qemu-user', () => {
    it('npm chose the arm64 platform package and no other', () => {
      expect(fs.readdirSync(installed('arm64', '@blasnet'))).toEqual(['linux-arm64-gnu']);
    });

    const skip = qemuMissing();
    (skip ? it.skip : it)(
      `loads, passes the parity subset, trains like x64 (losses within 1e-6), fitAsync = fit bit for bit${skip ? ` (skipped: ${skip})` : ''}`,
      () => {
        const node = arm64Node(path.join(work, 'arm64-node'), userEnv);
        summary.push(`arm64 node: ${node.version}, installed in ${(node.installMs / 1000).toFixed(1)} s`);
        const started = Date.now();
        const result = lastJson<PlatformResult>(
          emulated(node.binary, ['platform.cjs'], projects.arm64!, userEnv, 600_000),
        );
        summary.push(
          `arm64 under qemu: core ${result.core}, smallGemm ${result.smallGemm}, parity ${result.parity.cases} cases (worst ${result.parity.worst.toExponential(1)}), ` +
            `max |loss - x64| ${Math.max(...result.loss.map((l, i) => Math.abs(l - x64.loss[i]!))).toExponential(1)}, ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s (timings ${JSON.stringify(result.timings)})`,
        );
        expect(result.arch).toBe('arm64');
        expectPlatformResult(result, path.join(projects.arm64!, 'node_modules/@blasnet/linux-arm64-gnu/blasnet.node'));
        expect(result.core).toMatch(/\S/);
        expect(result.smallGemm).not.toBe('avx512');
        expect(result.loss).toHaveLength(x64.loss.length);
        result.loss.forEach((loss, i) => expect(Math.abs(loss - x64.loss[i]!)).toBeLessThanOrEqual(1e-6));
        result.predicted.forEach((p, i) => expect(Math.abs(p - x64.predicted[i]!)).toBeLessThanOrEqual(1e-6));

        const infoStarted = Date.now();
        const cli = path.join(projects.arm64!, 'node_modules', 'blasnet', 'dist', 'cli', 'main.js');
        const info = lastJson<Record<string, string>>(
          emulated(node.binary, [cli, 'info', '--json'], projects.arm64!, userEnv, 120_000),
        );
        expect(info).toMatchObject({
          backend: 'native',
          addonSource: 'package',
          platform: 'linux-arm64',
          core: result.core,
        });
        summary.push(`arm64 blasnet info under qemu: ${((Date.now() - infoStarted) / 1000).toFixed(1)} s`);

        // OpenBLAS's DYNAMIC_ARCH picks its kernels from the CPU it finds: qemu can pretend to be a
        // Cortex-A72 or a Neoverse N1 (Graviton 2), and blasInfo() names the core chosen.
        const script = "const i = require('blasnet').blasInfo(); console.log(JSON.stringify([i.core, i.coreSource]))";
        const cores = ['cortex-a72', 'neoverse-n1'].map((cpu) =>
          lastJson<[string, string]>(
            emulated(node.binary, ['-e', script], projects.arm64!, { ...userEnv, QEMU_CPU: cpu }, 120_000),
          ),
        );
        expect(cores).toEqual([
          ['cortexa72', 'openblas'],
          ['neoversen1', 'openblas'],
        ]);
        summary.push(
          `arm64 cores chosen under QEMU_CPU=cortex-a72, neoverse-n1: ${cores.map(([core]) => core).join(', ')}`,
        );
      },
      900_000,
    );
  });
});

function expectPlatformResult(result: PlatformResult, addon: string): void {
  expect(result.addon).toBe(addon);
  expect(result.addonSource).toBe('package');
  expect(result.parity.failures).toEqual([]);
  expect(result.parity.cases).toBeGreaterThanOrEqual(252); // 7 shapes x (4 gemm + 4 elementwise + 2 per activation + 16 loss cases)
  expect(result.fitAsyncSameLosses).toBe(true);
  expect(result.fitAsyncSameWeights).toBe(true);
  expect(result.fitMatchesTrainFixture).toBe(true);
  expect(result.loadedSameWeights).toBe(true);
  expect(result.loadedSamePrediction).toBe(true);
  expect(result.loss.at(-1)!).toBeLessThan(0.5 * result.loss[0]!);
}

/** `blasnet train` then `blasnet predict` on a small CSV, with the given command prefix. */
function cliTrainPredict(project: string, prefix: string[], extraEnv: Env = {}): void {
  const rows = [
    'x,y,label',
    ...Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 7 > 3 ? 'high' : 'low'}`),
  ];
  fs.writeFileSync(path.join(project, 'small.csv'), `${rows.join('\n')}\n`);
  const [binary, ...args] = prefix;
  const env = { ...userEnv, ...extraEnv };
  const model = `small-${path.basename(binary!)}.blasnet`;
  const trained = lastJson<Record<string, unknown>>(
    runOrThrow(binary!, [...args, 'train', 'small.csv', '--epochs', '20', '--json', '--out', model], {
      cwd: project,
      env,
      timeout: 180_000,
    }),
  );
  expect(trained).toMatchObject({ task: 'classification', classes: ['high', 'low'], rows: 40 });
  const predicted = runOrThrow(binary!, [...args, 'predict', model, 'small.csv'], {
    cwd: project,
    env,
    timeout: 180_000,
  })
    .trim()
    .split('\n');
  expect(predicted).toHaveLength(41);
  expect(predicted[0]).toBe('label');
  expect(new Set(predicted.slice(1)).size).toBeLessThanOrEqual(2);
}
