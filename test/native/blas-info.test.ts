import { blasInfo, getNumThreads, setNumThreads, ValueError } from '../../lib';

describe('blasInfo and the thread count', () => {
  it('reports the OpenBLAS version, configuration and chosen core', () => {
    const info = blasInfo();
    expect(info.config).toMatch(/^OpenBLAS \d+\.\d+\.\d+/);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.config).toContain(info.version);
    expect(info.core.length).toBeGreaterThan(0);
    expect(info.processors).toBeGreaterThanOrEqual(1);
    expect(info.addon).toMatch(/\.node$/);
  });

  it('says which addon file was loaded and where it came from: the local build, under test', () => {
    // test/helpers/global-setup.ts sets BLASNET_ADDON=build, so an installed platform package never stands in.
    const info = blasInfo();
    expect(info.addonSource).toBe('build');
    expect(info.addon).toMatch(/[/\\]build[/\\]Release[/\\]blasnet\.node$/);
  });

  it('runs with one thread under test (OPENBLAS_NUM_THREADS=1), and the count can be changed', () => {
    expect(getNumThreads()).toBe(1);
    setNumThreads(2);
    expect(getNumThreads()).toBe(2);
    setNumThreads(1);
    expect(blasInfo().threads).toBe(1);
  });

  it.each([0, -1, 1.5, NaN, 2000])('rejects %p threads', (threads) => {
    expect(() => setNumThreads(threads)).toThrow(ValueError);
    expect(getNumThreads()).toBe(1);
  });
});
