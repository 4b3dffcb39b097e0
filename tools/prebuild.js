#!/usr/bin/env node
// `npm run prebuild`: builds the prebuilt binary that `npm install blasnet` uses on machines with no
// compiler and no OpenBLAS, prebuilds/<platform>-<arch>/blasnet.napi.<libc>.node, then checks it
// (tools/check-prebuild.js) and prints what it found.
//
// - prebuildify drives node-gyp: one N-API build (loads in every Node >= 20), tagged with the libc,
//   stripped. binding.gyp's static_openblas=1 links libopenblas.a into it with its symbols hidden.
// - The build runs in a copy of the sources under build/prebuild/, so the developer's own
//   build/Release (dynamic, what the tests load) is left as it was.
// - Offline: node-gyp is pointed at the installed Node headers (npm_config_nodedir) when they exist,
//   instead of downloading them. With no headers installed it downloads them, and says so.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const prebuildify = require('prebuildify');

const { checkPrebuild, printReport } = require('./check-prebuild');

const root = path.resolve(__dirname, '..');
const stage = path.join(root, 'build', 'prebuild');
// What the source build needs; the same list as the sources part of package.json's `files`.
const SOURCES = ['package.json', 'binding.gyp', 'native', 'tools/find-openblas.js'];

/** The node-gyp to run: prebuildify's own override, a local install, npm's bundled copy, or PATH. */
function nodeGypCommand(env) {
  if (env.PREBUILD_NODE_GYP) return env.PREBUILD_NODE_GYP;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // node-gyp is not a dependency: npm ships one and names it in scripts it runs.
  }
  if (env.npm_config_node_gyp && fs.existsSync(env.npm_config_node_gyp)) return env.npm_config_node_gyp;
  const bundled = path.resolve(process.execPath, '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  return fs.existsSync(bundled) ? bundled : 'node-gyp';
}

/** Local Node headers for node-gyp (npm_config_nodedir), so nothing is downloaded. */
function useLocalHeaders(env) {
  if (env.npm_config_nodedir) return `${env.npm_config_nodedir} (npm_config_nodedir)`;
  const prefix = path.resolve(process.execPath, '../..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    env.npm_config_nodedir = prefix;
    return `${prefix} (the headers installed with ${process.execPath})`;
  }
  return `none found beside ${process.execPath}: node-gyp will download the headers for ${process.version}`;
}

function stageSources() {
  fs.rmSync(stage, { recursive: true, force: true });
  for (const item of SOURCES) fs.cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
}

function main() {
  const env = process.env;
  const headers = useLocalHeaders(env);
  // gyp reads GYP_DEFINES from the environment; keep any the caller set.
  env.GYP_DEFINES = [env.GYP_DEFINES, 'static_openblas=1'].filter(Boolean).join(' ');
  const platformDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  // Only what this run builds ends up there: a stale file with other tags could otherwise be shipped.
  fs.rmSync(platformDir, { recursive: true, force: true });
  stageSources();
  console.log(`blasnet prebuild: ${process.platform}-${process.arch}, Node headers: ${headers}`);

  const options = {
    cwd: stage,
    out: root,
    napi: true,
    // prebuildify 6 leaves the napi tag out of N-API builds' names; node-gyp-build reads it (an ABI-stable
    // build) and it tells a reader what the file is: blasnet.napi.glibc.node.
    name: `${require(path.join(root, 'package.json')).name}.napi`,
    // The running Node: with N-API the version does not matter, and it is the one the local headers are for.
    targets: [process.versions.node],
    tagLibc: true,
    strip: true,
    nodeGyp: nodeGypCommand(env),
  };
  prebuildify(options, (error) => {
    if (error) {
      console.error(`blasnet prebuild failed: ${error.message}`);
      process.exit(1);
    }
    fs.rmSync(stage, { recursive: true, force: true });
    const files = fs.readdirSync(platformDir).filter((name) => name.endsWith('.node'));
    let ok = files.length === 1;
    if (!ok) console.error(`expected one .node file in ${platformDir}, found: ${files.join(', ') || 'none'}`);
    for (const file of files) {
      const report = checkPrebuild(path.join(platformDir, file));
      printReport(report, root);
      ok &&= report.problems.length === 0;
    }
    if (ok) {
      console.log(
        '\nNote: code that loads blasnet from this checkout (npm run demo, bench) now gets this file ahead of\n' +
          'build/Release; delete prebuilds/ or set BLASNET_ADDON=build while working on the native code.',
      );
    }
    process.exit(ok ? 0 : 1);
  });
}

main();
