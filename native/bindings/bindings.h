// Every N-API entry point of the addon. addon.cc lists them in its registration table.
#pragma once

#include <node_api.h>

namespace blasnet::binding {

// Kernels (linear_algebra.cc, layers.cc, activations.cc, losses.cc).
napi_value Gemm(napi_env env, napi_callback_info info);
napi_value Axpy(napi_env env, napi_callback_info info);
napi_value AddBias(napi_env env, napi_callback_info info);
napi_value ColumnSums(napi_env env, napi_callback_info info);
napi_value GatherRows(napi_env env, napi_callback_info info);
napi_value ActivationForward(napi_env env, napi_callback_info info);
napi_value ActivationBackward(napi_env env, napi_callback_info info);
napi_value LossValue(napi_env env, napi_callback_info info);
napi_value OutputDelta(napi_env env, napi_callback_info info);

// Whole-network passes (network.cc).
napi_value NetworkForward(napi_env env, napi_callback_info info);
napi_value NetworkLoss(napi_env env, napi_callback_info info);
napi_value NetworkGradients(napi_env env, napi_callback_info info);
napi_value NetworkSteps(napi_env env, napi_callback_info info);
napi_value NetworkPrepare(napi_env env, napi_callback_info info);
napi_value NetworkRun(napi_env env, napi_callback_info info);

// Optimizer updates (optimizers.cc).
napi_value SgdStep(napi_env env, napi_callback_info info);
napi_value AdamStep(napi_env env, napi_callback_info info);

// The training loop's shuffle (random.cc).
napi_value Permutation(napi_env env, napi_callback_info info);

// Facts about the BLAS library, and its thread count (blas_info.cc).
napi_value BlasConfig(napi_env env, napi_callback_info info);
napi_value BlasCoreName(napi_env env, napi_callback_info info);
napi_value SmallGemmPath(napi_env env, napi_callback_info info);
napi_value GetNumThreads(napi_env env, napi_callback_info info);
napi_value SetNumThreads(napi_env env, napi_callback_info info);
napi_value GetNumProcessors(napi_env env, napi_callback_info info);

// Freed native memory back to the operating system (memory.cc).
napi_value ReleaseFreeMemory(napi_env env, napi_callback_info info);

}  // namespace blasnet::binding
