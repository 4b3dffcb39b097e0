#!/usr/bin/env node
// Checks a platform package's binary for what "runs on a machine with only Node" means, and reports the
// figures the README quotes (size, glibc floor). tools/prebuild.js runs it on every build; run it by hand with
//
//   node tools/check-prebuild.js npm/linux-x64-gnu/blasnet.node npm/linux-arm64-gnu/blasnet.node
//
// A binary for another arch (the cross-built linux-arm64 one) is read with that arch's binutils
// (aarch64-linux-gnu-objdump) and its `ldd` is the target's dynamic loader run under qemu-user
// (`ld-linux-aarch64.so.1 --list`), so the same checks hold for it.
// The checks read the ELF file with binutils (objdump, readelf) and ldd, so they run on Linux only:
// - it needs nothing but the C and C++ runtimes (no libopenblas, no libgfortran);
// - no symbol is left unresolved except Node's own napi_* functions: Node loads addons lazily
//   (RTLD_LAZY), so a missing function would only fail at its first call, not at load;
// - it exports the N-API entry points and nothing else (OpenBLAS's symbols are hidden);
// - it is stripped;
// - it asks libstdc++ for no newer version than Node 20's own linux-x64 and linux-arm64 binaries do (GLIBCXX_3.4.21,
//   CXXABI_1.3.9), so the libstdc++ that Node itself loads always serves it: that is why libstdc++ and
//   libgcc_s are linked dynamically rather than statically (a static libgcc would also raise the glibc
//   floor: GCC 12's unwinder calls _dl_find_object, GLIBC_2.35).
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { platformOfElf } = require('./platforms');

/** Shared libraries any machine that runs Node has, since Node itself links them. */
const RUNTIME_LIBRARIES = new Set([
  'libc.so.6',
  'libm.so.6',
  'libstdc++.so.6',
  'libgcc_s.so.1',
  'libpthread.so.0',
  'libdl.so.2',
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
]);
const ENTRY_POINTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];
/** The newest versions Node 20's official linux-x64 and linux-arm64 binaries require of libstdc++ (objdump -T node; the same on both). */
const NODE_LIBSTDCXX = { GLIBCXX: '3.4.21', CXXABI: '1.3.9' };

function run(command, args, env = process.env) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
}

/** How to read a binary: this machine's tools for its own arch, the cross binutils and qemu otherwise. */
function toolsFor(file) {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  const target = platformOfElf(header);
  const native = !target || target.cpu === process.arch;
  if (native) return { objdump: 'objdump', readelf: 'readelf', ldd: (f) => run('ldd', [f]), arch: process.arch };
  const loader = `${target.sysroot}/lib/ld-linux-${target.cpu === 'arm64' ? 'aarch64' : 'x86-64'}.so.${target.cpu === 'arm64' ? 1 : 2}`;
  return {
    objdump: `${target.toolPrefix}objdump`,
    readelf: `${target.toolPrefix}readelf`,
    // The target's libraries first: Debian's multiarch libc6:<arch> may be another build than the cross
    // sysroot's, and mixing the two makes every threaded program hang at start under qemu.
    ldd: (f) =>
      run(target.qemu, ['-L', target.sysroot, loader, '--list', f], {
        ...process.env,
        LD_LIBRARY_PATH: `${target.sysroot}/lib`,
      }),
    arch: target.cpu,
  };
}

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

/** The highest version of each symbol-version family (GLIBC, GLIBCXX, CXXABI, GCC) in `objdump -T`. */
function highestVersions(dynamicSymbols) {
  const highest = {};
  for (const [, family, version] of dynamicSymbols.matchAll(/\b(GLIBC|GLIBCXX|CXXABI|GCC)_([\d.]+)\b/g)) {
    if (!highest[family] || compareVersions(version, highest[family]) > 0) highest[family] = version;
  }
  return highest;
}

/** Parses `objdump -T` rows: { name, undefined, weak, version }. */
function dynamicSymbolTable(text) {
  const symbols = [];
  for (const line of text.split('\n')) {
    const match = /^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(?:(\(?[\w.]+\)?)\s+)?(\S+)$/.exec(line.trim());
    if (!match) continue;
    const [, flags, section, version, name] = match;
    // Local section symbols (`l d .init`, which GNU ld for aarch64 puts in .dynsym) are not exports.
    symbols.push({
      name,
      undefined: section === '*UND*',
      weak: flags.includes('w'),
      local: flags.startsWith('l'),
      version: version ?? '',
    });
  }
  return symbols;
}

/** Checks one prebuilt binary; returns the figures and a list of problems (empty when it passes). */
function checkPrebuild(file) {
  const report = { file, bytes: fs.statSync(file).size, problems: [], needed: [], ldd: '', versions: {} };
  if (process.platform !== 'linux') {
    report.skipped = 'the checks use ldd and binutils, which are Linux tools';
    return report;
  }
  const tools = toolsFor(file);
  report.arch = tools.arch;
  const headers = run(tools.objdump, ['-p', file]);
  report.needed = [...headers.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((match) => match[1]);
  for (const library of report.needed) {
    if (!RUNTIME_LIBRARIES.has(library)) report.problems.push(`it needs ${library}, which a bare machine lacks`);
  }
  report.ldd = tools.ldd(file).trim();
  if (/openblas|gfortran|quadmath|not found/i.test(report.ldd)) {
    report.problems.push('ldd lists OpenBLAS, a Fortran runtime or a missing library (see above)');
  }

  const dynamic = run(tools.objdump, ['-T', file]);
  const symbols = dynamicSymbolTable(dynamic);
  const unresolved = symbols.filter(
    (symbol) =>
      symbol.undefined && !symbol.weak && !symbol.version.includes('_') && !/^(napi|node_api)_/.test(symbol.name),
  );
  if (unresolved.length > 0) {
    report.problems.push(`unresolved symbols nothing will provide: ${unresolved.map((s) => s.name).join(', ')}`);
  }
  report.exports = symbols
    .filter((symbol) => !symbol.undefined && !symbol.local)
    .map((symbol) => symbol.name)
    .sort();
  const extra = report.exports.filter((name) => !ENTRY_POINTS.includes(name));
  if (extra.length > 0)
    report.problems.push(`it exports more than the N-API entry points: ${extra.slice(0, 10).join(', ')}`);

  report.versions = highestVersions(dynamic);
  for (const [family, ceiling] of Object.entries(NODE_LIBSTDCXX)) {
    const needed = report.versions[family];
    if (needed && compareVersions(needed, ceiling) > 0) {
      report.problems.push(`it needs ${family}_${needed}, newer than Node 20's own ${family}_${ceiling}`);
    }
  }
  if (/\s\.symtab\s/.test(run(tools.readelf, ['-S', '--wide', file]))) report.problems.push('it is not stripped');
  return report;
}

function printReport(report, root = process.cwd()) {
  const mib = (report.bytes / 2 ** 20).toFixed(1);
  console.log(`\n${path.relative(root, report.file)}`);
  console.log(`  size     ${mib} MiB (${report.bytes} bytes)${report.arch ? `, ${report.arch}` : ''}`);
  if (report.skipped) {
    console.log(`  checks   skipped: ${report.skipped}`);
    return;
  }
  const { GLIBC, GLIBCXX, CXXABI } = report.versions;
  console.log(`  glibc    >= ${GLIBC} (highest GLIBC_ symbol version); libstdc++ GLIBCXX_${GLIBCXX}, CXXABI_${CXXABI}`);
  console.log(`  needs    ${report.needed.join(' ')}`);
  const shown = report.exports.slice(0, 4).join(' ') + (report.exports.length > 4 ? ' ...' : '');
  console.log(`  exports  ${report.exports.length}: ${shown}`);
  console.log(
    `  ldd\n    ${report.ldd
      .split('\n')
      .map((line) => line.trim())
      .join('\n    ')}`,
  );
  if (report.problems.length === 0)
    console.log('  checks   passed: no OpenBLAS or Fortran runtime needed, stripped, only N-API exports');
  for (const problem of report.problems) console.log(`  PROBLEM  ${problem}`);
}

module.exports = { checkPrebuild, printReport };

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: check-prebuild.js <file.node>...\n');
    process.exit(2);
  }
  let ok = true;
  for (const file of files) {
    const report = checkPrebuild(file);
    printReport(report);
    ok &&= report.problems.length === 0;
  }
  process.exit(ok ? 0 : 1);
}
