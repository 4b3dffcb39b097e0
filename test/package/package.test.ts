/**
 * What `npm install blasnet` gives a machine with no compiler and no OpenBLAS: the package test.
 *
 * Before the checks: build the prebuilt binary (npm run prebuild), pack the package, and install the
 * tarball into a new project in a temporary folder outside the repository, with no compiler reachable
 * (PATH holds only node, npm and sh; CXX=false; npm_config_build_from_source=false), so a source build
 * would fail loudly. blasnet's install script is approved in that project (npm 11 blocks dependencies'
 * install scripts by default), so it runs and must find that the prebuilt binary loads.
 * Then each check runs the installed package in a child process, the way a user's program would.
 * The prebuilt binary is removed from the checkout once packed: it would otherwise be loaded, ahead of
 * build/Release, by anything that loads blasnet from the checkout (npm run demo, bench).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const tuple = `${process.platform}-${process.arch}`;
const PREBUILD = `prebuilds/${tuple}/blasnet.napi.glibc.node`;
/** What package.json's `files` allows, besides package.json itself. */
const SHIPPED = /^(dist\/.+|prebuilds\/.+|native\/.+|examples\/.+|binding\.gyp|CMakeLists\.txt|tools\/find-openblas\.js|lib\/onnx\/onnx\.proto|README\.md|LICENSE|NOTICE|package\.json)$/;
const COMPILER_TOOLS = ['g++', 'c++', 'gcc', 'cc', 'make', 'python3'];

interface TrainResult {
  loss: number[];
  addon: string;
  addonSource: string;
  openblas: string;
  exports?: string[];
}

let work: string;
let project: string;
let tarball: string;
let packedFiles: string[];
let installOutput: string;
/** Environment of the user's machine: no compiler on PATH, no npm or blasnet settings inherited. */
let userEnv: NodeJS.ProcessEnv;
const summary: string[] = [];

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): SpawnSyncReturns<string> {
  return spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

function runOrThrow(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs a fixture script in the installed project and parses the JSON it prints. */
function runFixture<T>(script: string, extraEnv: NodeJS.ProcessEnv = {}): T {
  const stdout = runOrThrow(process.execPath, [script], { cwd: project, env: { ...userEnv, ...extraEnv } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && fs.existsSync(file)) return fs.realpathSync(file);
  }
  return undefined;
}

/** A PATH folder holding node, npm and sh only, so no compiler, make or python can be found. */
function bareBin(): string {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  const npm = process.env.npm_execpath?.endsWith('npm-cli.js') ? process.env.npm_execpath : which('npm');
  if (!npm) throw new Error('npm not found on PATH');
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npm, path.join(bin, 'npm'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  return bin;
}

function bareEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // npm run passes its whole configuration down as npm_* variables (npm_config_local_prefix would even
  // make the inner npm work on this repository); the inner npm reads the user's .npmrc itself.
  const kept = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('npm_') && !kept.has(name)) continue;
    if (['BLASNET_ADDON', 'PREBUILDS_ONLY', 'LIBC', 'BLASNET_PREBUILD'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, PATH: bin, CXX: 'false', CC: 'false', npm_config_build_from_source: 'false' };
}

/** Removes the prebuilt binary `npm run prebuild` left in the checkout (and prebuilds/ when empty). */
function removeCheckoutPrebuild(): void {
  fs.rmSync(path.join(root, 'prebuilds', tuple), { recursive: true, force: true });
  try {
    fs.rmdirSync(path.join(root, 'prebuilds'));
  } catch {
    // other platforms' prebuilds are still there: leave them
  }
}

const describeOnLinux = process.platform === 'linux' ? describe : describe.skip;

describeOnLinux('the packed package, installed with no compiler and no OpenBLAS', () => {
  beforeAll(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-package-')));
    if (work.startsWith(root + path.sep)) throw new Error(`the temporary folder ${work} is inside the repository`);
    const buildEnv = { ...process.env };
    delete buildEnv.BLASNET_ADDON;

    const started = Date.now();
    const prebuildLog = runOrThrow('npm', ['run', 'prebuild'], { cwd: root, env: buildEnv });
    // Its report on the binary (size, glibc floor, ldd), without the note about the checkout's prebuilds/.
    const report = prebuildLog.slice(prebuildLog.indexOf(`\n${PREBUILD}`) + 1).split('\nNote:')[0]!;
    summary.push(...report.trimEnd().split('\n'));
    try {
      // dist/ fresh from the sources, then pack without lifecycle scripts, so stdout is npm's JSON alone.
      runOrThrow('npm', ['run', 'build:ts'], { cwd: root, env: buildEnv });
      const packed = JSON.parse(runOrThrow('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, env: buildEnv }));
      tarball = path.join(work, packed[0].filename);
      packedFiles = packed[0].files.map((file: { path: string }) => file.path).sort();
      summary.push(`${path.basename(tarball)}: ${(packed[0].size / 2 ** 20).toFixed(1)} MiB packed, ${(packed[0].unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked, ${packedFiles.length} files`);
    } finally {
      removeCheckoutPrebuild();
    }

    userEnv = bareEnv(bareBin());
    project = path.join(work, 'project');
    fs.mkdirSync(project);
    runOrThrow('npm', ['init', '-y'], { cwd: project, env: userEnv });
    // What `npm install-scripts approve blasnet` writes (npm 11 names a tarball by its resolved spec).
    const manifestFile = path.join(project, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    manifest.allowScripts = { [`file:${tarball}`]: true };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const install = run('npm', ['install', tarball, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: project,
      env: userEnv,
    });
    installOutput = `${install.stdout}\n${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install ${tarball} failed:\n${installOutput}`);
    for (const fixture of fs.readdirSync(path.join(__dirname, 'fixtures'))) {
      fs.copyFileSync(path.join(__dirname, 'fixtures', fixture), path.join(project, fixture));
    }
    summary.push(`prebuild, pack and install took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    removeCheckoutPrebuild();
    if (summary.length > 0) process.stdout.write(`\npackage test:\n  ${summary.join('\n  ')}\n  removed ${work}\n`);
  });

  const installed = () => path.join(project, 'node_modules', 'blasnet');

  it('the tarball holds dist/, the prebuilt binary, native/, the build files, the examples and the notices, nothing else', () => {
    expect(packedFiles.filter((file) => !SHIPPED.test(file))).toEqual([]);
    for (const file of [PREBUILD, 'dist/index.js', 'dist/index.d.ts', 'binding.gyp', 'native/addon.cc', 'tools/find-openblas.js', 'NOTICE', 'LICENSE', 'examples/data/iris-species.csv', 'examples/data/NOTICE']) {
      expect(packedFiles).toContain(file);
    }
    expect(fs.readFileSync(path.join(installed(), 'NOTICE'), 'utf8')).toMatch(/OpenBLAS[\s\S]*BSD-3-clause/);
  });

  it('no compiler, make or python is reachable where it was installed', () => {
    const found = COMPILER_TOOLS.filter((tool) => run('sh', ['-c', `command -v ${tool}`], { cwd: project, env: userEnv }).status === 0);
    expect(found).toEqual([]);
    expect(userEnv.CXX).toBe('false');
  });

  it('the install script ran and compiled nothing, since the prebuilt binary loads', () => {
    expect(installOutput).toContain('> blasnet@0.1.0 install\n> node-gyp-build');
    expect(fs.existsSync(path.join(installed(), 'build'))).toBe(false);
    expect(fs.existsSync(path.join(installed(), PREBUILD))).toBe(true);
  });

  let required: TrainResult;
  it('require("blasnet") with PREBUILDS_ONLY=1 loads the binary under prebuilds/', () => {
    required = runFixture<TrainResult>('require.cjs', { PREBUILDS_ONLY: '1' });
    expect(required.addon).toBe(path.join(installed(), PREBUILD));
    expect(required.addonSource).toBe('prebuild');
    expect(required.openblas).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('that binary needs no OpenBLAS and no Fortran runtime (ldd)', () => {
    const ldd = runOrThrow('ldd', [required.addon], { cwd: project });
    summary.push(`ldd ${path.relative(project, required.addon)}:`, ...ldd.trim().split('\n').map((line) => `  ${line.trim()}`));
    expect(ldd).not.toMatch(/openblas|gfortran|not found/i);
    expect(ldd).toMatch(/libc\.so\.6/);
  });

  it('a network with one hidden layer trains on it: the loss goes down', () => {
    const { loss } = required;
    summary.push(`require: loss ${loss[0]!.toFixed(4)} after 5 epochs -> ${loss.at(-1)!.toFixed(4)} after 40`);
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss.at(-1)!).toBeLessThan(0.5 * loss[0]!);
  });

  it('without PREBUILDS_ONLY (what users run) the same prebuilt binary loads', () => {
    const plain = runFixture<TrainResult>('require.cjs');
    expect(plain.addon).toBe(required.addon);
    expect(plain.loss).toEqual(required.loss);
  });

  it("an ES module can `import { Network } from 'blasnet'` and sees every export require does", () => {
    const imported = runFixture<TrainResult>('import.mjs', { PREBUILDS_ONLY: '1' });
    expect(imported.addon).toBe(required.addon);
    expect(imported.exports).toEqual(required.exports);
    expect(imported.exports).toContain('Network');
    expect(imported.loss).toEqual(required.loss);
    summary.push(`import: ${imported.exports!.length} named exports, same losses as require`);
  });

  it('a worker thread loads its own instance and trains to the same losses', () => {
    const { main, worker } = runFixture<{ main: TrainResult; worker: TrainResult }>('worker.cjs', { PREBUILDS_ONLY: '1' });
    expect(worker.addon).toBe(required.addon);
    expect(main.loss).toEqual(required.loss);
    expect(worker.loss).toEqual(required.loss);
    summary.push('worker_threads: main thread and worker load it and agree');
  });

  it('npx blasnet: the command is installed, and info reports the prebuilt binary', () => {
    // `npm exec` is what npx runs; the bin link is node_modules/.bin/blasnet, a #!/usr/bin/env node script.
    const info = JSON.parse(runOrThrow('npm', ['exec', '--offline', '--', 'blasnet', 'info', '--json'], { cwd: project, env: userEnv }));
    const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
    expect(info).toMatchObject({ backend: 'native', addon: required.addon, addonSource: 'prebuild', blasnet: version });
    summary.push(`npx blasnet info: OpenBLAS ${info.openblas}, core ${info.core}, ${info.addonSource}`);
  });

  it('blasnet train and predict work from the installed package (its CSV parser and progress bar came along)', () => {
    const rows = ['x,y,label', ...Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 7 > 3 ? 'high' : 'low'}`)];
    fs.writeFileSync(path.join(project, 'small.csv'), `${rows.join('\n')}\n`);
    const bin = path.join(project, 'node_modules', '.bin', 'blasnet');
    const trained = JSON.parse(runOrThrow(bin, ['train', 'small.csv', '--epochs', '20', '--json', '--out', 'small.blasnet'], { cwd: project, env: userEnv }));
    expect(trained).toMatchObject({ task: 'classification', classes: ['high', 'low'], rows: 40 });
    const predicted = runOrThrow(bin, ['predict', 'small.blasnet', 'small.csv'], { cwd: project, env: userEnv }).trim().split('\n');
    expect(predicted).toHaveLength(41);
    expect(predicted[0]).toBe('label');
    expect(new Set(predicted.slice(1)).size).toBeLessThanOrEqual(2);
    // ONNX export needs protobufjs and the shipped onnx.proto (lib/onnx/, beside dist/).
    const exported = runOrThrow(bin, ['export', 'small.blasnet', '--onnx', 'small.onnx', '--network-only'], { cwd: project, env: userEnv });
    expect(exported).toMatch(/^wrote small\.onnx: 2-[\d-]+ network/);
    expect(fs.statSync(path.join(project, 'small.onnx')).size).toBeGreaterThan(100);
  });

  it("the README's CLI session works from the installed package's own copy of the data (issue 13)", () => {
    const bin = path.join(project, 'node_modules', '.bin', 'blasnet');
    const data = path.join('node_modules', 'blasnet', 'examples', 'data', 'iris-species.csv');
    const trained = JSON.parse(runOrThrow(bin, ['train', data, '--target', 'species', '--epochs', '20', '--json'], { cwd: project, env: userEnv }));
    expect(trained).toMatchObject({ task: 'classification', classes: ['setosa', 'versicolor', 'virginica'], rows: 150 });
  });

  it("a strict TypeScript project compiles against the tarball's types: no @types/node, no DOM, no skipLibCheck", () => {
    // The consumer of test/types/ (its @ts-expect-error lines included), now against what npm installed.
    const consumer = path.join(project, 'typescript-consumer');
    fs.mkdirSync(consumer);
    for (const file of ['consumer.ts', 'tsconfig.json']) fs.copyFileSync(path.join(root, 'test', 'types', 'consumer', file), path.join(consumer, file));
    expect(fs.existsSync(path.join(project, 'node_modules', '@types'))).toBe(false);
    const tsc = run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { cwd: consumer, env: userEnv });
    expect({ status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('a source build fails loudly here, so the install above really used the prebuilt binary', () => {
    const rebuild = run('npm', ['rebuild', 'blasnet', '--build-from-source', '--foreground-scripts'], { cwd: project, env: userEnv });
    fs.rmSync(path.join(installed(), 'build'), { recursive: true, force: true });
    expect(rebuild.status).not.toBe(0);
    // node-gyp started and stopped at the first missing tool (python3, then make, then CXX=false).
    expect(`${rebuild.stdout}${rebuild.stderr}`).toMatch(/gyp ERR! /);
    summary.push(`npm rebuild blasnet --build-from-source: exit ${rebuild.status}, as it must without a compiler`);
  });
});
