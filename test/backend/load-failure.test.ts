/**
 * When no addon loads, one NativeLoadError says what was tried, on what machine, and the fixes for the
 * cause; and the loader really falls back, or fails, that way.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { NativeLoadError } from '../../lib';
import type { AddonCandidate } from '../../lib/backend/addon-locations';
import { libcDescription, loadFailure } from '../../lib/backend/load-failure';

const root = '/pkg/blasnet';
const tuple = `${process.platform}-${process.arch}`;
const prebuildFile = `${root}/prebuilds/${tuple}/blasnet.napi.glibc.node`;
const prebuild: AddonCandidate = { source: 'prebuild', file: prebuildFile, place: `${root}/prebuilds/${tuple}/` };
const noPrebuild: AddonCandidate = { ...prebuild, file: undefined };
const noBuild: AddonCandidate = { source: 'build', file: undefined, place: `${root}/build/Release/blasnet.node` };

describe('the load failure message', () => {
  it('names the machine: platform, arch, libc with the glibc version, Node and N-API', () => {
    const error = loadFailure(root, [{ candidate: noBuild }], {});
    expect(error).toBeInstanceOf(NativeLoadError);
    expect(error.code).toBe('ERR_NATIVE_UNAVAILABLE');
    expect(error.message).toContain(`(${tuple}, `);
    expect(error.message).toContain(`Node ${process.version}, N-API ${process.versions.napi}`);
    if (process.platform === 'linux') expect(libcDescription()).toMatch(/^glibc \d+\.\d+$|^musl$/);
    expect(error.message).toContain(libcDescription());
  });

  it('for a glibc too old for the prebuild: lists both attempts and says which glibc is needed', () => {
    const tooOld = new Error(
      `/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.99' not found (required by ${prebuildFile})`,
    );
    const { message } = loadFailure(root, [{ candidate: prebuild, error: tooOld }, { candidate: noBuild }], {});
    expect(message).toMatch(/^blasnet: the native addon could not be loaded \(/);
    expect(message).toContain(`Tried, in order:\n- prebuilt binary ${prebuildFile}\n      /lib/x86_64-linux-gnu/libc.so.6: version`);
    expect(message).toContain(`- local build: none at ${root}/build/Release/blasnet.node`);
    expect(message).toMatch(/Possible solutions:\n- The prebuilt binary needs glibc 2\.99 or newer; this machine has /);
    expect(message).toContain('\n    npm rebuild blasnet\n');
    expect(message).toContain('npm install-scripts approve blasnet');
    expect(message).toContain('apt-get install g++ make python3 libopenblas-dev');
    expect(message).toContain("{ backend: 'js' }");
  });

  it('for a platform without a prebuild: lists the prebuilds the package does have', () => {
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-failure-'));
    try {
      fs.mkdirSync(path.join(pkg, 'prebuilds', 'sunos-sparc'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'prebuilds', 'sunos-sparc', 'blasnet.napi.node'), '');
      const { message } = loadFailure(pkg, [{ candidate: noPrebuild }, { candidate: noBuild }], {});
      expect(message).toContain(`- prebuilt binary: none at ${root}/prebuilds/${tuple}/`);
      expect(message).toMatch(new RegExp(`- No prebuilt binary fits ${tuple} \\(.*\\); this package has: sunos-sparc/blasnet\\.napi\\.node\\.`));
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('for a git checkout: says it has no prebuilt binaries at all', () => {
    const { message } = loadFailure('/no/such/package', [{ candidate: noPrebuild }, { candidate: noBuild }], {});
    expect(message).toContain('- This copy of blasnet has no prebuilt binaries');
  });

  it('for a local build whose OpenBLAS is gone: says to install it again', () => {
    const build: AddonCandidate = { ...noBuild, file: noBuild.place };
    const error = new Error('libopenblas.so.0: cannot open shared object file: No such file or directory');
    const { message } = loadFailure(root, [{ candidate: build, error }], { BLASNET_ADDON: 'build' });
    expect(message).toContain('Tried:\n- local build /pkg/blasnet/build/Release/blasnet.node\n      libopenblas.so.0: cannot open');
    expect(message).toContain('- BLASNET_ADDON=build allows only the file above; unset it to try the prebuilt binary');
    expect(message).toContain('- A library the local build links against is missing: install OpenBLAS again');
  });

  it('keeps the first error as the cause', () => {
    const cause = new Error('boom');
    expect(loadFailure(root, [{ candidate: noBuild }, { candidate: prebuild, error: cause }], {}).cause).toBe(cause);
  });
});

describe('the loader', () => {
  const saved = process.env.BLASNET_ADDON;
  afterEach(() => {
    process.env.BLASNET_ADDON = saved;
  });

  // A fresh copy of the loader module, so its once-per-thread cache starts empty.
  type Loader = typeof import('../../lib/backend/native');
  function freshLoader(): Loader {
    let loader: Loader | undefined;
    jest.isolateModules(() => {
      loader = jest.requireActual<Loader>('../../lib/backend/native');
    });
    return loader!;
  }

  it('throws one NativeLoadError when the file BLASNET_ADDON names is not an addon', () => {
    const bogus = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-bogus-')), 'bogus.node');
    fs.writeFileSync(bogus, 'not a shared object');
    process.env.BLASNET_ADDON = bogus;
    try {
      // The isolated module has its own copy of the error classes, so check the name, not the class.
      expect(() => freshLoader().loadAddon()).toThrow(
        expect.objectContaining({ name: 'NativeLoadError', code: 'ERR_NATIVE_UNAVAILABLE' }),
      );
      expect(() => freshLoader().loadAddon()).toThrow(new RegExp(`Tried:\\n- BLASNET_ADDON file ${bogus}\\n      .*(ELF|too short)`));
    } finally {
      fs.rmSync(path.dirname(bogus), { recursive: true, force: true });
    }
  });

  it('loads the file BLASNET_ADDON names and reports it as the source', () => {
    const built = path.resolve(__dirname, '..', '..', 'build', 'Release', 'blasnet.node');
    process.env.BLASNET_ADDON = built;
    const loaded = freshLoader().loadAddon();
    expect(loaded.file).toBe(built);
    expect(loaded.source).toBe('BLASNET_ADDON');
  });
});
