#!/usr/bin/env node
// `npm run pack:all`: every tarball of a release, in build/npm/:
//
//   blasnet-<version>.tgz                  JavaScript, types, the sources for a source build; no binary
//   blasnet-linux-x64-gnu-<version>.tgz    @blasnet/linux-x64-gnu: blasnet.node, OpenBLAS linked in
//   blasnet-linux-arm64-gnu-<version>.tgz  @blasnet/linux-arm64-gnu: the same, cross-built for arm64
//
// and build/npm/pack.json describing them (sizes, files, glibc floors), which the package test reads.
// Publish with `npm publish build/npm/<file>.tgz`, platform packages first.
//
// The main package's package.json is written here, from the repository's: the platform packages become
// its optionalDependencies at exactly its own version (tools/versions.js keeps npm/*/package.json in
// step), and `scripts`, `devDependencies`, `allowScripts` are left out. So nothing runs at install time
// (no `install`, and no `prepare` for npm to list in its install-scripts warning); the repository's own
// scripts stay for contributors.
//
//   node tools/pack-all.js              builds the TypeScript and every platform's binary, then packs
//   node tools/pack-all.js --no-build   packs the binaries already in npm/*/blasnet.node and dist/ as they are
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { checkPrebuild } = require('./check-prebuild');
const { PLATFORMS, root } = require('./platforms');
const { cannotBuild } = require('./prebuild');
const { syncVersions } = require('./versions');

const out = path.join(root, 'build', 'npm');
const stageRoot = path.join(out, 'stage');
/** Fields of the repository's package.json that are for working on blasnet, not for using it. */
const DEVELOPMENT_FIELDS = ['scripts', 'devDependencies', 'allowScripts', 'binary', 'private'];
const PLATFORM_FILES = ['package.json', 'README.md', 'blasnet.node'];
const SHARED_FILES = ['LICENSE', 'NOTICE'];

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** `npm pack` of a staged folder into build/npm/; npm's own description of the tarball. */
function pack(dir) {
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', out], dir));
  return {
    name: packed.name,
    version: packed.version,
    file: path.join(out, packed.filename),
    size: packed.size,
    unpackedSize: packed.unpackedSize,
    files: packed.files.map((file) => file.path).sort(),
  };
}

/** The highest glibc a binary asks for must not be newer than the floor its package states. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function packPlatform(platform) {
  const manifest = JSON.parse(fs.readFileSync(path.join(platform.dir, 'package.json'), 'utf8'));
  const binary = path.join(platform.dir, 'blasnet.node');
  if (!fs.existsSync(binary)) {
    throw new Error(
      `${binary} is missing: run npm run prebuild -- --arch ${platform.cpu} (${cannotBuild(platform) ?? 'this machine can build it'})`,
    );
  }
  const report = checkPrebuild(binary);
  if (report.problems.length > 0) throw new Error(`${binary}: ${report.problems.join('; ')}`);
  const stated = /^>=\s*([\d.]+)$/.exec(manifest.config?.glibc ?? '')?.[1];
  if (!stated) throw new Error(`${platform.name}: package.json states no glibc floor (config.glibc, ">=2.xx")`);
  if (report.versions.GLIBC && compareVersions(report.versions.GLIBC, stated) > 0) {
    throw new Error(
      `${platform.name}: the binary needs glibc ${report.versions.GLIBC}, newer than the stated ${stated}`,
    );
  }
  const stage = path.join(stageRoot, path.basename(platform.dir));
  fs.mkdirSync(stage, { recursive: true });
  for (const file of PLATFORM_FILES) fs.copyFileSync(path.join(platform.dir, file), path.join(stage, file));
  for (const file of SHARED_FILES) fs.copyFileSync(path.join(root, file), path.join(stage, file));
  return {
    ...pack(stage),
    os: platform.os,
    cpu: platform.cpu,
    libc: platform.libc,
    glibc: report.versions.GLIBC,
    statedGlibc: stated,
    binaryBytes: report.bytes,
  };
}

function packMain(version) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // What `files` lets into the tarball, as npm itself reads it.
  const [listing] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
  const stage = path.join(stageRoot, 'blasnet');
  for (const { path: file } of listing.files) {
    if (file === 'package.json') continue;
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(stage, file));
  }
  for (const field of DEVELOPMENT_FIELDS) delete manifest[field];
  manifest.optionalDependencies = Object.fromEntries(PLATFORMS.map((platform) => [platform.name, version]));
  // A package with a binding.gyp at its root and no install script gets an implicit `node-gyp rebuild`
  // install script from npm and pnpm; gypfile: false turns that off (the sources are for
  // `npx blasnet build-from-source`, run when asked). The repository's package.json says so too, so a
  // clone's `npm install` builds once, through `prepare`; this keeps it true of the tarball whatever
  // the repository's says.
  manifest.gypfile = false;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return pack(stage);
}

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

function main() {
  const started = Date.now();
  const build = !process.argv.includes('--no-build');
  const { version, stale } = syncVersions();
  for (const line of stale) console.log(`blasnet pack:all: version of ${line}`);
  if (build) {
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
    for (const platform of PLATFORMS) {
      const reason = cannotBuild(platform);
      if (reason) throw new Error(`cannot build ${platform.name} here: ${reason}`);
      run(process.execPath, [path.join(__dirname, 'prebuild.js'), '--arch', platform.cpu]);
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const tarballs = [...PLATFORMS.map(packPlatform), packMain(version)];
  fs.rmSync(stageRoot, { recursive: true, force: true });
  fs.writeFileSync(path.join(out, 'pack.json'), `${JSON.stringify({ version, tarballs }, null, 2)}\n`);
  console.log(`\nblasnet pack:all ${version} (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const t of tarballs) {
    const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
    const floor = t.glibc ? `, glibc >= ${t.glibc} (states ${t.statedGlibc})` : '';
    console.log(
      `  ${path.relative(root, t.file)}  ${mib(t.size)} MiB packed, ${mib(t.unpackedSize)} MiB unpacked, ${t.files.length} files${floor}`,
    );
  }
}

try {
  main();
} catch (error) {
  console.error(`blasnet pack:all failed: ${error.message}`);
  process.exit(1);
}
