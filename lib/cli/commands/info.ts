/**
 * `blasnet info`: what a bug report needs. blasnet's and Node's versions, the platform, which native
 * addon loaded and where it came from (the package's prebuilt binary or a local build), and OpenBLAS's
 * version, build configuration, core and threads. When the addon does not load, its explanation is shown
 * instead (the js backend still works).
 */
import { blasInfo, type BlasInfo } from '../../backend';
import type { CommandSpec, ParsedArgs } from '../args';
import { packageVersion } from '../version';
import { write, type Io } from './shared';

/** info's flags. */
export const INFO: CommandSpec = {
  name: 'info',
  summary: "Print blasnet's version, the backend, and the OpenBLAS build and core in use (for bug reports).",
  positionals: [],
  options: {
    json: { type: 'boolean', description: 'print one JSON object' },
  },
};

/** Runs `blasnet info`; resolves with the exit code. */
export async function info(args: ParsedArgs, io: Io): Promise<number> {
  let blas: BlasInfo | undefined;
  let failure: string | undefined;
  try {
    blas = blasInfo();
  } catch (error) {
    failure = (error as Error).message;
  }
  const facts = {
    blasnet: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: blas ? 'native' : 'js',
    ...(blas
      ? {
          addon: blas.addon,
          addonSource: blas.addonSource,
          openblas: blas.version,
          core: blas.core,
          coreSource: blas.coreSource,
          config: blas.config,
          smallGemm: blas.smallGemm,
          threads: blas.threads,
          processors: blas.processors,
        }
      : { nativeError: failure }),
  };
  if (args.values.json === true) {
    await write(io.stdout, `${JSON.stringify(facts)}\n`);
    return 0;
  }
  const lines = [`blasnet   ${facts.blasnet}`, `node      ${facts.node} (${facts.platform})`];
  if (blas) {
    lines.push(
      `backend   native (OpenBLAS through the addon; --backend js is the pure-TypeScript fallback)`,
      `addon     ${blas.addon}`,
      `          ${blas.addonSource === 'package' ? "package: the platform package's binary, OpenBLAS linked in" : blas.addonSource === 'build' ? 'build: compiled on this machine against its OpenBLAS' : 'BLASNET_ADDON: the file that variable names'}`,
      `OpenBLAS  ${blas.version}`,
      `core      ${blas.core} (chosen by ${blas.coreSource})`,
      `config    ${blas.config}`,
      `small     ${blas.smallGemm === 'avx512' ? "avx512: blasnet's own kernel for small float64 products, its AVX2 clone for float32 (BLASNET_SMALL_GEMM=0 to turn off)" : blas.smallGemm.startsWith('avx2') ? `${blas.smallGemm}: blasnet's own kernel for small float64 and float32 products (BLASNET_SMALL_GEMM=0 to turn off)` : blas.smallGemm}`,
      `threads   ${blas.threads} (of ${blas.processors} processors; --threads or OPENBLAS_NUM_THREADS to change)`,
    );
  } else {
    lines.push('backend   js (the native addon did not load):', ...failure!.split('\n').map((l) => `          ${l}`));
  }
  await write(io.stdout, `${lines.join('\n')}\n`);
  return 0;
}
