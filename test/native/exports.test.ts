/**
 * The addon's registration table and the TypeScript contract list the same kernels, and the addon
 * exports nothing else but its BLAS facts.
 */
import { KERNEL_NAMES } from '../../lib';
import { ADDON_INFO_NAMES, loadAddon } from '../../lib/backend/native';

describe('the native export table', () => {
  it('lists exactly the kernels of the Backend interface plus the BLAS facts', () => {
    const exported = Object.keys(loadAddon().addon).sort();
    expect(exported).toEqual([...KERNEL_NAMES, ...ADDON_INFO_NAMES].sort());
  });

  it('exports functions only', () => {
    const { addon } = loadAddon();
    for (const name of Object.keys(addon))
      expect(typeof (addon as unknown as Record<string, unknown>)[name]).toBe('function');
  });
});
