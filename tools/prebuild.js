#!/usr/bin/env node
// `npm run prebuild`: builds the binary of a platform package (npm/<platform>/blasnet.node, what
// `npm install blasnet` gets on machines with no compiler and no OpenBLAS), then checks it
// (tools/check-prebuild.js) and prints what it found.
//
//   node tools/prebuild.js               this machine's platform (linux-x64-gnu here)
//   node tools/prebuild.js --arch arm64  cross-built: linux-arm64-gnu, with Debian's g++-aarch64-linux-gnu
//                                        and libopenblas-dev:arm64 (static libopenblasp-r0.3.21.a)
//   node tools/prebuild.js --all         every platform in tools/platforms.js this machine can build
//
// - node-gyp builds it, N-API (one file loads in every Node >= 20); binding.gyp's static_openblas=1 links
//   libopenblas.a into it with its symbols hidden; then it is stripped.
// - The build runs in a copy of the sources under build/prebuild-<arch>/, so the developer's own
//   build/Release (dynamic, what the tests load) is left as it was.
// - Offline: node-gyp is pointed at the installed Node headers (npm_config_nodedir) when they exist,
//   instead of downloading them. The headers are the same for every arch: N-API has no arch-specific part.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { checkPrebuild, printReport } = require('./check-prebuild');
const { nodeGypCommand, useLocalHeaders } = require('./node-gyp');
const { PLATFORMS, hostPlatform, root } = require('./platforms');

// What the source build needs; the same list as the sources part of package.json's `files`.
const SOURCES = ['package.json', 'binding.gyp', 'native', 'tools/find-openblas.js'];

function commandExists(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The environment of one build: the static switch, and for another arch its cross toolchain. */
function buildEnv(platform) {
  const env = { ...process.env };
  // gyp reads GYP_DEFINES from the environment; keep any the caller set.
  env.GYP_DEFINES = [env.GYP_DEFINES, 'static_openblas=1'].filter(Boolean).join(' ');
  env.BLASNET_TARGET_ARCH = platform.cpu;
  if (platform.cpu !== process.arch) {
    const prefix = platform.toolPrefix;
    Object.assign(env, { CC: `${prefix}gcc`, CXX: `${prefix}g++`, LINK: `${prefix}g++`, AR: `${prefix}ar` });
  }
  return env;
}

/** Why this machine cannot build `platform`, or undefined when it can. */
function cannotBuild(platform) {
  if (platform.os !== process.platform) return `it is a ${platform.os} package and this is ${process.platform}`;
  if (platform.cpu === process.arch) return undefined;
  const compiler = `${platform.toolPrefix}g++`;
  if (!commandExists(compiler)) {
    return `the cross compiler ${compiler} is missing (apt-get install g++-${platform.toolPrefix.slice(0, -1)})`;
  }
  return undefined;
}

function build(platform) {
  const started = Date.now();
  const stage = path.join(root, 'build', `prebuild-${platform.cpu}`);
  fs.rmSync(stage, { recursive: true, force: true });
  for (const item of SOURCES) fs.cpSync(path.join(root, item), path.join(stage, item), { recursive: true });
  const env = buildEnv(platform);
  const headers = useLocalHeaders(env);
  console.log(`blasnet prebuild: ${platform.name} (${platform.os}-${platform.cpu}), Node headers: ${headers}`);
  const nodeGyp = nodeGypCommand(env);
  const [command, ...prefixArgs] = nodeGyp.endsWith('.js') ? [process.execPath, nodeGyp] : [nodeGyp];
  execFileSync(command, [...prefixArgs, 'rebuild', `--arch=${platform.cpu}`, '--release'], {
    cwd: stage,
    env,
    stdio: 'inherit',
  });

  const built = path.join(stage, 'build', 'Release', 'blasnet.node');
  const target = path.join(platform.dir, 'blasnet.node');
  fs.copyFileSync(built, target);
  const strip = platform.cpu === process.arch ? 'strip' : `${platform.toolPrefix}strip`;
  execFileSync(strip, [target], { stdio: 'inherit' });
  fs.rmSync(stage, { recursive: true, force: true });
  const report = checkPrebuild(target);
  printReport(report, root);
  console.log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return report.problems.length === 0;
}

function main() {
  const args = process.argv.slice(2);
  let platforms;
  if (args.includes('--all')) {
    platforms = PLATFORMS.filter((platform) => {
      const reason = cannotBuild(platform);
      if (reason) console.log(`blasnet prebuild: skipping ${platform.name}: ${reason}`);
      return !reason;
    });
  } else {
    const archIndex = args.indexOf('--arch');
    const arch = archIndex >= 0 ? args[archIndex + 1] : process.arch;
    const platform =
      arch === process.arch ? hostPlatform() : PLATFORMS.find((p) => p.os === process.platform && p.cpu === arch);
    if (!platform) {
      console.error(`blasnet prebuild: no platform package for ${process.platform}-${arch} (tools/platforms.js)`);
      process.exit(1);
    }
    const reason = cannotBuild(platform);
    if (reason) {
      console.error(`blasnet prebuild: cannot build ${platform.name}: ${reason}`);
      process.exit(1);
    }
    platforms = [platform];
  }
  let ok = true;
  for (const platform of platforms) {
    try {
      ok = build(platform) && ok;
    } catch (error) {
      console.error(`blasnet prebuild failed for ${platform.name}: ${error.message}`);
      ok = false;
    }
  }
  process.exit(ok ? 0 : 1);
}

if (require.main === module) main();

module.exports = { cannotBuild };
