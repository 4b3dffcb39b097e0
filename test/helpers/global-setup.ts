// OpenBLAS reads its thread count once, when the addon is loaded. One thread makes every sum happen in
// the same order, so repeated runs are bit-identical. This runs in jest's parent process before any
// worker starts (the workers inherit it); test files cannot do it themselves, since jest gives them a
// copy of process.env that never reaches the real environment.
export default function globalSetup(): void {
  process.env.OPENBLAS_NUM_THREADS ??= '1';
}
