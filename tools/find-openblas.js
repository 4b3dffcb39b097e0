#!/usr/bin/env node
// Finds OpenBLAS for both builds (binding.gyp and CMakeLists.txt call this script), so node-gyp and
// cmake-js always agree on what they compile against.
//
//   node tools/find-openblas.js --include-dirs       directories holding cblas.h, space separated
//   node tools/find-openblas.js --libraries          linker arguments (shared library: the source build)
//   node tools/find-openblas.js --static-libraries   linker arguments that put libopenblas.a itself in the
//                                                    addon (the prebuilt binaries, see tools/prebuild.js)
//
// Order: $OPENBLAS_DIR (a prefix with include/ and lib/), then pkg-config (`openblas`, with Homebrew's
// keg-only pkgconfig directories added to the search path), then the usual Debian, Fedora and Homebrew
// locations. When nothing is found it prints how to install OpenBLAS and exits 1, which stops the build.
//
// Cross builds (tools/prebuild.js --arch arm64 on an x86-64 machine) set BLASNET_TARGET_ARCH: the
// target's Debian multiarch folders are searched (e.g. /usr/lib/aarch64-linux-gnu/openblas-pthread, from
// `apt-get install libopenblas-dev:arm64`) and pkg-config is skipped, since it describes the host's OpenBLAS.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const targetArch = process.env.BLASNET_TARGET_ARCH || process.arch;
const crossBuild = targetArch !== process.arch;
const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu' }[targetArch];
const homebrewPrefixes = ['/opt/homebrew/opt/openblas', '/usr/local/opt/openblas'];
const libraryNames = ['libopenblas.so', 'libopenblas.dylib', 'libopenblas.a'];

function pkgConfig(args) {
  const extra = homebrewPrefixes.map((prefix) => path.join(prefix, 'lib', 'pkgconfig'));
  const env = { ...process.env };
  env.PKG_CONFIG_PATH = [process.env.PKG_CONFIG_PATH, ...extra].filter(Boolean).join(path.delimiter);
  try {
    return execFileSync('pkg-config', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function splitFlags(text, prefix) {
  return text
    .split(/\s+/)
    .filter((flag) => flag.startsWith(prefix))
    .map((flag) => flag.slice(prefix.length).replace(/\/$/, ''));
}

function candidate(includeDir, libDir) {
  const hasHeader = fs.existsSync(path.join(includeDir, 'cblas.h'));
  const hasLibrary = libraryNames.some((name) => fs.existsSync(path.join(libDir, name)));
  return hasHeader && hasLibrary ? { includeDirs: [includeDir], libDirs: [libDir] } : null;
}

function fromPkgConfig() {
  const cflags = pkgConfig(['--cflags', 'openblas']);
  const libs = pkgConfig(['--libs', 'openblas']);
  if (cflags === null || libs === null) return null;
  const includeDirs = splitFlags(cflags, '-I');
  const libDirs = splitFlags(libs, '-L');
  // pkg-config may print no -I when the header sits in a default directory.
  if (includeDirs.length === 0) includeDirs.push('/usr/include');
  return { includeDirs, libDirs, source: 'pkg-config' };
}

function fromKnownLocations() {
  const pairs = [];
  if (process.env.OPENBLAS_DIR) {
    const prefix = process.env.OPENBLAS_DIR;
    pairs.push([path.join(prefix, 'include'), path.join(prefix, 'lib')]);
    pairs.push([path.join(prefix, 'include', 'openblas'), path.join(prefix, 'lib')]);
  }
  if (multiarch) {
    pairs.push([`/usr/include/${multiarch}/openblas-pthread`, `/usr/lib/${multiarch}/openblas-pthread`]);
    pairs.push([`/usr/include/${multiarch}`, `/usr/lib/${multiarch}`]);
  }
  pairs.push(['/usr/include/openblas', '/usr/lib64'], ['/usr/include/openblas', '/usr/lib']);
  for (const prefix of homebrewPrefixes) pairs.push([path.join(prefix, 'include'), path.join(prefix, 'lib')]);
  pairs.push(['/usr/local/include', '/usr/local/lib']);
  for (const [includeDir, libDir] of pairs) {
    const found = candidate(includeDir, libDir);
    if (found) return { ...found, source: includeDir };
  }
  return null;
}

/** What `prefix` lacks of an OpenBLAS prefix: its header and its library, each where they were looked for. */
function missingFrom(prefix) {
  const includeDirs = [path.join(prefix, 'include'), path.join(prefix, 'include', 'openblas')];
  const libDir = path.join(prefix, 'lib');
  const missing = [];
  if (!includeDirs.some((dir) => fs.existsSync(path.join(dir, 'cblas.h')))) {
    missing.push(`cblas.h (looked in ${includeDirs.join(' and ')})`);
  }
  if (!libraryNames.some((name) => fs.existsSync(path.join(libDir, name)))) {
    missing.push(`${libraryNames.join(', ')} (looked in ${libDir})`);
  }
  return missing;
}

function find() {
  // An explicit prefix wins over everything else.
  const prefix = process.env.OPENBLAS_DIR;
  if (prefix) {
    const found = fromKnownLocations();
    if (found && found.includeDirs[0].startsWith(path.join(prefix, 'include'))) return found;
    // A wrong prefix would otherwise be ignored without a word, and another OpenBLAS used.
    const problem = fs.existsSync(prefix) ? `it lacks ${missingFrom(prefix).join(', and ')}` : 'it does not exist';
    process.stderr.write(
      `blasnet: warning: OPENBLAS_DIR=${prefix} is not an OpenBLAS prefix: ${problem}; ` +
        'looking for OpenBLAS elsewhere (pkg-config, then the usual locations)\n',
    );
    if (found) return found;
  }
  if (crossBuild) return fromKnownLocations();
  return fromPkgConfig() || fromKnownLocations();
}

function fail() {
  process.stderr.write(
    [
      '',
      'blasnet: OpenBLAS was not found, so the native addon cannot be built.',
      '  Tried: $OPENBLAS_DIR, `pkg-config openblas`, and the usual Debian, Fedora and Homebrew locations.',
      '  Install the development package and build again:',
      '    Debian/Ubuntu:  sudo apt-get install libopenblas-dev',
      '    Fedora/RHEL:    sudo dnf install openblas-devel',
      '    macOS:          brew install openblas',
      '  or set OPENBLAS_DIR to a prefix that holds include/cblas.h and lib/libopenblas.*',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

// Static linking, for the prebuilt binaries: the archive by its full path, so the linker cannot pick the
// shared library instead, then what the archive's objects need. pkg-config's `--static` list would add
// -lgfortran, which only OpenBLAS's Fortran LAPACK objects need; the addon calls BLAS and the openblas_*
// info functions only, so the linker never pulls those objects in, and tools/check-prebuild.js fails the
// build if a Fortran (or any other unresolved) symbol slips in after all.
function staticLibraries(found) {
  for (const dir of found.libDirs) {
    const archive = path.join(dir, 'libopenblas.a');
    if (fs.existsSync(archive)) return [archive, '-lpthread', '-lm'];
  }
  process.stderr.write(
    [
      '',
      `blasnet: a static OpenBLAS (libopenblas.a) is needed for a prebuilt binary, and ${found.libDirs.join(', ')}`,
      '  has none. Debian/Ubuntu ship it in libopenblas-dev; elsewhere build OpenBLAS with static libraries and',
      '  set OPENBLAS_DIR to its prefix.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

function main() {
  const mode = process.argv[2];
  const found = find();
  if (!found) fail();
  if (mode === '--include-dirs') {
    process.stdout.write(found.includeDirs.join(' '));
  } else if (mode === '--libraries') {
    const flags = [];
    for (const dir of found.libDirs) {
      flags.push(`-L${dir}`);
      // Homebrew's OpenBLAS is keg-only: the loader will not find it at run time without an rpath.
      if (process.platform === 'darwin') flags.push(`-Wl,-rpath,${dir}`);
    }
    flags.push('-lopenblas');
    process.stdout.write(flags.join(' '));
  } else if (mode === '--static-libraries') {
    process.stdout.write(staticLibraries(found).join(' '));
  } else if (mode === '--describe') {
    process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
  } else {
    process.stderr.write('usage: find-openblas.js --include-dirs | --libraries | --static-libraries | --describe\n');
    process.exit(2);
  }
}

main();
