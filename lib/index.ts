/**
 * blasnet: multi-layer perceptrons for Node.js over OpenBLAS. Every public export is listed here.
 * @packageDocumentation
 */
export { backends, blasInfo, getNumThreads, setNumThreads, resolveBackend } from './backend';
export type { Backend, BackendName, BlasInfo } from './backend';
export { ActivationCode, KERNEL_NAMES, LossCode } from './backend/kernels';
export type { IndexArray, KernelName, Kernels } from './backend/kernels';
export { BlasnetError, NativeLoadError, ShapeError, ValueError } from './errors';
