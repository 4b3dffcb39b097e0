// The platform packages blasnet publishes, in one place: tools/prebuild.js builds their binaries,
// tools/pack-all.js packs them and lists them as the main package's optionalDependencies,
// tools/versions.js keeps their versions in step, and lib/backend/addon-locations.ts names the same
// packages (PLATFORM_PACKAGES; test/package checks the two lists agree).
//
// `toolPrefix` is the cross toolchain used when the build machine has another arch (Debian's
// g++-aarch64-linux-gnu, binutils-aarch64-linux-gnu); `qemu` runs the target's programs there.
'use strict';

const path = require('node:path');

const root = path.resolve(__dirname, '..');

const PLATFORMS = [
  {
    name: '@blasnet/linux-x64-gnu',
    dir: path.join(root, 'npm', 'linux-x64-gnu'),
    os: 'linux',
    cpu: 'x64',
    libc: 'glibc',
    toolPrefix: 'x86_64-linux-gnu-',
    qemu: 'qemu-x86_64-static',
    sysroot: '/usr/x86_64-linux-gnu',
    elfMachine: 0x3e,
  },
  {
    name: '@blasnet/linux-arm64-gnu',
    dir: path.join(root, 'npm', 'linux-arm64-gnu'),
    os: 'linux',
    cpu: 'arm64',
    libc: 'glibc',
    toolPrefix: 'aarch64-linux-gnu-',
    qemu: 'qemu-aarch64-static',
    sysroot: '/usr/aarch64-linux-gnu',
    elfMachine: 0xb7,
  },
];

/** The platform whose binaries run on this machine natively. */
function hostPlatform() {
  return PLATFORMS.find((platform) => platform.os === process.platform && platform.cpu === process.arch);
}

/** The platform an ELF file is for, from its e_machine field. */
function platformOfElf(buffer) {
  const machine = buffer.readUInt16LE(18);
  return PLATFORMS.find((platform) => platform.elfMachine === machine);
}

module.exports = { PLATFORMS, hostPlatform, platformOfElf, root };
