// This runs in jest's parent process before any worker starts (the workers inherit what it sets); test
// files cannot do it themselves, since jest gives them a copy of process.env that never reaches the real
// environment.
export default function globalSetup(): void {
  // OpenBLAS reads its thread count once, when the addon is loaded. One thread makes every sum happen in
  // the same order, so repeated runs are bit-identical.
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  // The suites test the addon built from these sources (build/Release, by node-gyp or cmake-js), never a
  // platform package's binary (the loader would try that one first).
  process.env.BLASNET_ADDON ??= 'build';
}
