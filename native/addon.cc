// The addon's registration table: every export, and nothing else. The kernels are raw N-API callbacks
// (see bindings/args.h for why); the TypeScript Backend interface lists the same kernel names, and
// test/native/exports.test.ts checks that the two lists agree.
//
// There is no per-instance state: the addon can be loaded in any number of worker threads.
#include "bindings/bindings.h"
#include "napi.h"

namespace {

struct Export {
  const char* name;
  napi_callback callback;
};

constexpr Export kExports[] = {
    // Kernels: the Backend contract (lib/backend/kernels.ts).
    {"gemm", blasnet::binding::Gemm},
    {"axpy", blasnet::binding::Axpy},
    {"addBias", blasnet::binding::AddBias},
    {"columnSums", blasnet::binding::ColumnSums},
    {"gatherRows", blasnet::binding::GatherRows},
    {"activationForward", blasnet::binding::ActivationForward},
    {"activationBackward", blasnet::binding::ActivationBackward},
    {"lossValue", blasnet::binding::LossValue},
    {"outputDelta", blasnet::binding::OutputDelta},
    {"networkForward", blasnet::binding::NetworkForward},
    {"networkLoss", blasnet::binding::NetworkLoss},
    {"networkGradients", blasnet::binding::NetworkGradients},
    {"networkSteps", blasnet::binding::NetworkSteps},
    {"networkPrepare", blasnet::binding::NetworkPrepare},
    {"networkRun", blasnet::binding::NetworkRun},
    {"sgdStep", blasnet::binding::SgdStep},
    {"adamStep", blasnet::binding::AdamStep},
    {"permutation", blasnet::binding::Permutation},
    // BLAS facts and threads.
    {"blasConfig", blasnet::binding::BlasConfig},
    {"blasCoreName", blasnet::binding::BlasCoreName},
    {"smallGemmPath", blasnet::binding::SmallGemmPath},
    {"getNumThreads", blasnet::binding::GetNumThreads},
    {"setNumThreads", blasnet::binding::SetNumThreads},
    {"getNumProcessors", blasnet::binding::GetNumProcessors},
    // Memory.
    {"releaseFreeMemory", blasnet::binding::ReleaseFreeMemory},
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (const Export& entry : kExports) {
    napi_value fn = nullptr;
    if (napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.callback, nullptr, &fn) != napi_ok) {
      Napi::Error::New(env, "blasnet: could not create the native function").ThrowAsJavaScriptException();
      return exports;
    }
    exports.Set(entry.name, Napi::Value(env, fn));
  }
  return exports;
}

}  // namespace

NODE_API_MODULE(blasnet, Init)
