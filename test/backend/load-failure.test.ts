/**
 * When no addon loads, one NativeLoadError says what was tried, on what machine, and the fixes for the
 * cause; and the loader really falls back, or fails, that way.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { NativeLoadError } from '../../lib';
import { platformPackageName, PLATFORM_PACKAGES, type AddonCandidate } from '../../lib/backend/addon-locations';
import { libcDescription, loadFailure } from '../../lib/backend/load-failure';

const root = '/pkg/node_modules/blasnet';
const tuple = `${process.platform}-${process.arch}`;
const name = platformPackageName();
const packageFile = `/pkg/node_modules/${name}/blasnet.node`;
const platformPackage: AddonCandidate = { source: 'package', file: packageFile, place: packageFile };
const noPackage: AddonCandidate = { source: 'package', file: undefined, place: `${name} (not installed)` };
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

  it('for a glibc too old for the platform package: lists both attempts and says which glibc is needed', () => {
    const tooOld = new Error(
      `/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.99' not found (required by ${packageFile})`,
    );
    const { message } = loadFailure(root, [{ candidate: platformPackage, error: tooOld }, { candidate: noBuild }], {});
    expect(message).toMatch(/^blasnet: the native addon could not be loaded \(/);
    expect(message).toContain(
      `Tried, in order:\n- platform package ${packageFile}\n      /lib/x86_64-linux-gnu/libc.so.6: version`,
    );
    expect(message).toContain(`- local build: none at ${root}/build/Release/blasnet.node`);
    expect(message).toMatch(
      /Possible solutions:\n- The platform package needs glibc 2\.99 or newer; this machine has /,
    );
    expect(message).toContain('\n    npx blasnet build-from-source');
    expect(message).not.toMatch(/install-scripts|npm rebuild/);
    expect(message).toContain('apt-get install g++ make python3 libopenblas-dev');
    expect(message).toContain("{ backend: 'js' }");
  });

  describe('when the platform package is not installed', () => {
    let modules: string;
    beforeEach(() => {
      modules = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-failure-')), 'node_modules');
      fs.mkdirSync(path.join(modules, 'blasnet'), { recursive: true });
    });
    afterEach(() => fs.rmSync(path.dirname(modules), { recursive: true, force: true }));
    const failure = () =>
      loadFailure(path.join(modules, 'blasnet'), [{ candidate: noPackage }, { candidate: noBuild }], {}).message;

    it('names the package and how an optional dependency gets left out', () => {
      const message = failure();
      expect(message).toContain(`- platform package: none at ${name} (not installed)`);
      if (PLATFORM_PACKAGES.includes(name)) {
        expect(message).toContain(
          `- ${name} is not installed: it is an optional dependency of blasnet, so \`--omit=optional\``,
        );
        expect(message).toContain('npm install --include=optional blasnet');
      } else {
        expect(message).toContain('No platform package is published for');
      }
    });

    it("says node_modules came from another machine when another platform's package is there", () => {
      const other = name === '@blasnet/linux-arm64-gnu' ? '@blasnet/linux-x64-gnu' : '@blasnet/linux-arm64-gnu';
      fs.mkdirSync(path.join(modules, other), { recursive: true });
      fs.writeFileSync(path.join(modules, other, 'blasnet.node'), '');
      if (!PLATFORM_PACKAGES.includes(name)) return;
      expect(failure()).toContain(
        `- ${name} is not installed, but ${other} is: node_modules was installed on another machine`,
      );
    });
  });

  it('for a git checkout: says it is not an installed package', () => {
    const { message } = loadFailure('/src/blasnet', [{ candidate: noPackage }, { candidate: noBuild }], {});
    if (PLATFORM_PACKAGES.includes(name))
      expect(message).toContain('- This copy of blasnet is not an installed package (a git checkout?)');
  });

  it('for a local build whose OpenBLAS is gone: says to install it again', () => {
    const build: AddonCandidate = { ...noBuild, file: noBuild.place };
    const error = new Error('libopenblas.so.0: cannot open shared object file: No such file or directory');
    const { message } = loadFailure(root, [{ candidate: build, error }], { BLASNET_ADDON: 'build' });
    expect(message).toContain(
      `Tried:\n- local build ${root}/build/Release/blasnet.node\n      libopenblas.so.0: cannot open`,
    );
    expect(message).toContain('- BLASNET_ADDON=build allows only the file above; unset it to try the platform package');
    expect(message).toContain('- A library the local build links against is missing: install OpenBLAS again');
  });

  it('keeps the first error as the cause', () => {
    const cause = new Error('boom');
    expect(loadFailure(root, [{ candidate: noBuild }, { candidate: platformPackage, error: cause }], {}).cause).toBe(
      cause,
    );
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
      expect(() => freshLoader().loadAddon()).toThrow(
        new RegExp(`Tried:\\n- BLASNET_ADDON file ${bogus}\\n      .*(ELF|too short)`),
      );
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
