/**
 * binding.gyp (node-gyp) and CMakeLists.txt (cmake-js) build the same sources with the same defines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function nativeSources(dir = 'native'): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? nativeSources(`${dir}/${entry.name}`)
        : entry.name.endsWith('.cc')
          ? [`${dir}/${entry.name}`]
          : [],
    )
    .sort();
}

const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');

describe('the two build files', () => {
  it('both list every native source and nothing else', () => {
    const sources = nativeSources();
    expect(sources.length).toBeGreaterThan(3);
    expect((gyp.match(/native\/[\w/]+\.cc/g) ?? []).sort()).toEqual(sources);
    expect((cmake.match(/native\/[\w/]+\.cc/g) ?? []).sort()).toEqual(sources);
  });

  it('both set the same N-API version and exception mode', () => {
    for (const define of ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED']) {
      expect(gyp).toContain(define);
      expect(cmake).toContain(define);
    }
    expect(gyp).toContain('-fno-exceptions');
    expect(cmake).toContain('-fno-exceptions');
    expect(gyp).toContain('-fvisibility=hidden');
    expect(cmake).toContain('-fvisibility=hidden');
    const napiVersions = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).binary.napi_versions;
    expect(napiVersions).toEqual([8]);
  });

  it('both have the static-OpenBLAS switch of the prebuilt binaries, hiding the same symbols', () => {
    for (const text of [gyp, cmake]) {
      expect(text).toContain('--static-libraries');
      expect(text).toContain('-Wl,--exclude-libs,ALL');
      expect(text).toMatch(/--version-script=.*native\/exports\.map/);
    }
    expect(gyp).toMatch(/"static_openblas%": 0/);
    expect(cmake).toMatch(/option\(BLASNET_STATIC_OPENBLAS .* OFF\)/);
  });
});
