/**
 * Which addon files the loader tries: a fitting prebuilt binary first, then the local build, unless
 * BLASNET_ADDON (or node-gyp-build's PREBUILDS_ONLY) picks one. Each case builds a fake package folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { addonCandidates, findPrebuild } from '../../lib/backend/addon-locations';

const tuple = `${process.platform}-${process.arch}`;
const otherArch = process.arch === 'x64' ? 'arm64' : 'x64';
// node-gyp-build's rule for the libc tag that fits this process.
const libc = fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
const otherLibc = libc === 'glibc' ? 'musl' : 'glibc';

let root: string;

function touch(relative: string): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  return file;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-locations-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('findPrebuild', () => {
  it('picks the file for this platform, arch and libc', () => {
    const fits = touch(`prebuilds/${tuple}/blasnet.napi.${libc}.node`);
    touch(`prebuilds/${tuple}/blasnet.napi.${otherLibc}.node`);
    touch(`prebuilds/${process.platform}-${otherArch}/blasnet.napi.${libc}.node`);
    expect(findPrebuild(root)).toEqual({ source: 'prebuild', file: fits, place: expect.stringContaining(tuple) });
  });

  it('prefers the most specific tags (a libc-tagged file over an untagged one)', () => {
    touch(`prebuilds/${tuple}/blasnet.napi.node`);
    const tagged = touch(`prebuilds/${tuple}/blasnet.napi.${libc}.node`);
    expect(findPrebuild(root).file).toBe(tagged);
  });

  it('finds none for another arch or libc only, and says where it looked', () => {
    touch(`prebuilds/${process.platform}-${otherArch}/blasnet.napi.${libc}.node`);
    touch(`prebuilds/${tuple}/blasnet.napi.${otherLibc}.node`);
    expect(findPrebuild(root)).toEqual({
      source: 'prebuild',
      file: undefined,
      place: path.join(root, 'prebuilds', tuple) + path.sep,
    });
  });

  it('finds none when the package has no prebuilds folder', () => {
    expect(findPrebuild(root).file).toBeUndefined();
  });
});

describe('addonCandidates', () => {
  let prebuild: string;
  let build: string;
  beforeEach(() => {
    prebuild = touch(`prebuilds/${tuple}/blasnet.napi.${libc}.node`);
    build = touch('build/Release/blasnet.node');
  });
  const files = (env: NodeJS.ProcessEnv) => addonCandidates(root, env).map((c) => [c.source, c.file]);

  it('tries the prebuilt binary first, then the local build, by default', () => {
    expect(files({})).toEqual([
      ['prebuild', prebuild],
      ['build', build],
    ]);
  });

  it('keeps both in the list when one is missing, so the error can say what was looked for', () => {
    fs.rmSync(path.join(root, 'build'), { recursive: true });
    expect(files({})).toEqual([
      ['prebuild', prebuild],
      ['build', undefined],
    ]);
  });

  it('BLASNET_ADDON=build and =prebuild allow only that one', () => {
    expect(files({ BLASNET_ADDON: 'build' })).toEqual([['build', build]]);
    expect(files({ BLASNET_ADDON: 'prebuild' })).toEqual([['prebuild', prebuild]]);
  });

  it('PREBUILDS_ONLY (node-gyp-build) means prebuild, unless BLASNET_ADDON says otherwise', () => {
    expect(files({ PREBUILDS_ONLY: '1' })).toEqual([['prebuild', prebuild]]);
    expect(files({ PREBUILDS_ONLY: '1', BLASNET_ADDON: 'build' })).toEqual([['build', build]]);
  });

  it('any other BLASNET_ADDON value is a file path, resolved against the working directory', () => {
    const custom = touch('elsewhere/custom.node');
    expect(files({ BLASNET_ADDON: path.relative(process.cwd(), custom) })).toEqual([['BLASNET_ADDON', custom]]);
    expect(addonCandidates(root, { BLASNET_ADDON: '/no/such/file.node' })).toEqual([
      { source: 'BLASNET_ADDON', file: undefined, place: path.resolve('/no/such/file.node') },
    ]);
  });
});
