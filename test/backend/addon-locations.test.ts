/**
 * Which addon files the loader tries: the platform package that fits this machine first, then the local
 * build, unless BLASNET_ADDON picks one. Each case builds a fake package folder (blasnet in node_modules,
 * with or without its platform package beside it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  addonCandidates,
  findPlatformPackage,
  linuxLibc,
  PLATFORM_PACKAGES,
  platformPackageName,
} from '../../lib/backend/addon-locations';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- tools/ is plain JavaScript, without types
const tools = require('../../tools/platforms') as { PLATFORMS: { name: string }[] };

let modules: string;
let root: string;
const name = platformPackageName();

function touch(relative: string, content = ''): string {
  const file = path.join(modules, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A platform package as npm lays it out: node_modules/@blasnet/<suffix>/{package.json,blasnet.node}. */
function installPackage(packageName: string): string {
  touch(`${packageName}/package.json`, JSON.stringify({ name: packageName, main: 'blasnet.node' }));
  return touch(`${packageName}/blasnet.node`);
}

beforeEach(() => {
  modules = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-locations-'))), 'node_modules');
  root = path.join(modules, 'blasnet');
  fs.mkdirSync(root, { recursive: true });
});
afterEach(() => fs.rmSync(path.dirname(modules), { recursive: true, force: true }));

describe('the platform package name', () => {
  it('is @blasnet/<platform>-<arch>[-<libc>], as napi-rs names them', () => {
    expect(platformPackageName('linux', 'x64', 'gnu')).toBe('@blasnet/linux-x64-gnu');
    expect(platformPackageName('linux', 'arm64', 'musl')).toBe('@blasnet/linux-arm64-musl');
    expect(platformPackageName('darwin', 'arm64')).toBe('@blasnet/darwin-arm64');
  });

  it("names this machine's libc from Node's report", () => {
    if (process.platform !== 'linux') return expect(linuxLibc()).toBeUndefined();
    const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
      .glibcVersionRuntime;
    expect(linuxLibc()).toBe(glibc ? 'gnu' : 'musl');
  });

  it('the loader and the packing scripts list the same platform packages', () => {
    expect(tools.PLATFORMS.map((platform) => platform.name)).toEqual(PLATFORM_PACKAGES);
  });
});

describe('findPlatformPackage', () => {
  it("finds the package's blasnet.node beside blasnet in node_modules", () => {
    const file = installPackage(name);
    expect(findPlatformPackage(root)).toEqual({ source: 'package', file, place: file });
  });

  it("finds none when only another platform's package is installed, and names the one it wanted", () => {
    installPackage(name.endsWith('x64-gnu') ? '@blasnet/linux-arm64-gnu' : '@blasnet/linux-x64-gnu');
    expect(findPlatformPackage(root)).toEqual({ source: 'package', file: undefined, place: `${name} (not installed)` });
  });

  it('finds none when the package folder lacks its binary, and says where it looked', () => {
    const file = installPackage(name);
    fs.rmSync(file);
    expect(findPlatformPackage(root)).toEqual({ source: 'package', file: undefined, place: file });
  });
});

describe('addonCandidates', () => {
  let platformFile: string;
  let build: string;
  beforeEach(() => {
    platformFile = installPackage(name);
    build = touch('blasnet/build/Release/blasnet.node');
  });
  const files = (env: Record<string, string | undefined>) => addonCandidates(root, env).map((c) => [c.source, c.file]);

  it('tries the platform package first, then the local build, by default', () => {
    expect(files({})).toEqual([
      ['package', platformFile],
      ['build', build],
    ]);
  });

  it('keeps both in the list when one is missing, so the error can say what was looked for', () => {
    fs.rmSync(path.join(root, 'build'), { recursive: true });
    expect(files({})).toEqual([
      ['package', platformFile],
      ['build', undefined],
    ]);
  });

  it('BLASNET_ADDON=build and =package (or its old name, prebuild) allow only that one', () => {
    expect(files({ BLASNET_ADDON: 'build' })).toEqual([['build', build]]);
    expect(files({ BLASNET_ADDON: 'package' })).toEqual([['package', platformFile]]);
    expect(files({ BLASNET_ADDON: 'prebuild' })).toEqual([['package', platformFile]]);
  });

  it('any other BLASNET_ADDON value is a file path, resolved against the working directory', () => {
    const custom = touch('elsewhere/custom.node');
    expect(files({ BLASNET_ADDON: path.relative(process.cwd(), custom) })).toEqual([['BLASNET_ADDON', custom]]);
    expect(addonCandidates(root, { BLASNET_ADDON: '/no/such/file.node' })).toEqual([
      { source: 'BLASNET_ADDON', file: undefined, place: path.resolve('/no/such/file.node') },
    ]);
  });
});
