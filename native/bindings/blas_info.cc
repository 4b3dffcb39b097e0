// Facts about the linked BLAS for users and bug reports, and its thread count. These are not on any hot
// path, so they use node-addon-api's CallbackInfo freely.
#include <cblas.h>

#include <cmath>

#include "../kernels/small_gemm.h"
#include "bindings.h"
#include "napi.h"

namespace blasnet::binding {

napi_value BlasConfig(napi_env env, napi_callback_info) { return Napi::String::New(env, openblas_get_config()); }

napi_value BlasCoreName(napi_env env, napi_callback_info) { return Napi::String::New(env, openblas_get_corename()); }

// Whether small float64 products skip OpenBLAS (kernels/small_gemm.h): "avx512" or "off: <reason>".
napi_value SmallGemmPath(napi_env env, napi_callback_info) {
  return Napi::String::New(env, kernels::small::describe());
}

napi_value GetNumThreads(napi_env env, napi_callback_info) {
  return Napi::Number::New(env, openblas_get_num_threads());
}

napi_value GetNumProcessors(napi_env env, napi_callback_info) {
  return Napi::Number::New(env, openblas_get_num_procs());
}

// OpenBLAS's thread count is process-wide: it applies to every worker thread that uses the addon.
napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  Napi::CallbackInfo args(env, info);
  if (args.Length() != 1 || !args[0].IsNumber()) {
    Napi::TypeError::New(env, "setNumThreads: expected threads to be a positive integer").ThrowAsJavaScriptException();
    return nullptr;
  }
  const double threads = args[0].As<Napi::Number>().DoubleValue();
  if (!(threads >= 1 && threads <= 1024) || std::trunc(threads) != threads) {
    Napi::RangeError::New(env, "setNumThreads: expected threads to be an integer from 1 to 1024")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  openblas_set_num_threads(static_cast<int>(threads));
  return nullptr;
}

}  // namespace blasnet::binding
