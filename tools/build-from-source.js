#!/usr/bin/env node
// Compiles the addon from native/ into build/Release/blasnet.node, against this machine's OpenBLAS, and
// checks that it loads. Nothing runs it at install time; it is what these call:
//
//   npx blasnet build-from-source   in a project that installed blasnet (a platform without a platform
//                                   package: macOS, Alpine/musl, Windows, an older glibc; or your own OpenBLAS)
//   npm install / npm ci            in a clone of the repository (package.json's `prepare`, with
//                                   --if-missing: an existing build is kept; npm run build:native rebuilds)
//
// It runs node-gyp (the copy npm ships when none is installed), offline when Node's headers are
// installed beside node. On failure it says what a source build needs.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { nodeGypCommand, useLocalHeaders } = require('./node-gyp');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'build', 'Release', 'blasnet.node');

const NEEDS = [
  'A source build needs a C++17 compiler, make, python3 and OpenBLAS with its headers:',
  '  Debian/Ubuntu: apt-get install g++ make python3 libopenblas-dev',
  '  Fedora/RHEL:   dnf install gcc-c++ make python3 openblas-devel',
  '  Alpine:        apk add g++ make python3 openblas-dev',
  '  macOS:         xcode-select --install; brew install openblas',
  'OPENBLAS_DIR=<prefix> points the build at an OpenBLAS elsewhere (include/cblas.h, lib/libopenblas.*).',
];

function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log('usage: build-from-source [--if-missing]\n\n' + NEEDS.join('\n'));
    return 0;
  }
  if (args.includes('--if-missing') && fs.existsSync(built)) {
    console.log(`blasnet: keeping the existing build ${built} (npm run build:native rebuilds it)`);
    return 0;
  }
  const env = { ...process.env };
  const headers = useLocalHeaders(env);
  const nodeGyp = nodeGypCommand(env);
  const [command, ...prefix] = nodeGyp.endsWith('.js') ? [process.execPath, nodeGyp] : [nodeGyp];
  console.log(`blasnet: building the addon from source in ${root}\n  node-gyp ${nodeGyp}\n  Node headers ${headers}`);
  const result = spawnSync(command, [...prefix, 'rebuild', '--release'], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(
      `\nblasnet: the source build failed (node-gyp exit ${result.status ?? result.signal}${result.error ? `: ${result.error.message}` : ''}).`,
    );
    console.error(NEEDS.join('\n'));
    return 1;
  }
  try {
    const addon = require(built);
    console.log(`blasnet: built ${built}\n  ${addon.blasConfig()}, core ${addon.blasCoreName()}`);
  } catch (error) {
    console.error(`blasnet: built ${built}, but it does not load: ${error.message}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
