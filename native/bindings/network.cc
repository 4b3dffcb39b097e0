// Whole-network passes: networkForward, networkLoss, networkGradients, networkSteps. The layout is parsed
// and every size derived from it is overflow-checked before any buffer is touched.
#include "../kernels/network.h"

#include "../kernels/layer_steps.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>

#include "args.h"
#include "bindings.h"
#include "pointer_set.h"

namespace blasnet::binding {

namespace {

using kernels::ActivationCode;
using kernels::LossCode;
using kernels::NetworkLayout;

bool multiply(size_t a, size_t b, size_t* out) { return !__builtin_mul_overflow(a, b, out); }
bool add(size_t a, size_t b, size_t* out) { return !__builtin_add_overflow(a, b, out); }

// layout = [L, d_0, ..., d_L, f_1, ..., f_L]
bool readLayout(Call& call, size_t index, NetworkLayout* layout) {
  const int32_t* data = nullptr;
  size_t length = 0;
  if (!call.int32Array(index, "layout", &data, &length)) return false;
  if (length < 4 || data[0] < 1 || static_cast<size_t>(data[0]) > kernels::kMaxLayers ||
      length < 2 * static_cast<size_t>(data[0]) + 2) {
    return call.rangeError("%s: expected layout to be [L, d_0, ..., d_L, f_1, ..., f_L] with 1 <= L <= %zu",
                           call.kernel(), kernels::kMaxLayers);
  }
  layout->layers = static_cast<size_t>(data[0]);
  for (size_t i = 0; i <= layout->layers; ++i) {
    if (data[1 + i] < 1) {
      return call.rangeError("%s: expected layout unit count d_%zu to be at least 1 but it is %d", call.kernel(), i,
                             data[1 + i]);
    }
    layout->units[i] = static_cast<size_t>(data[1 + i]);
  }
  for (size_t i = 0; i < layout->layers; ++i) {
    const int32_t code = data[2 + layout->layers + i];
    if (code < 0 || code >= kernels::kActivationCount) {
      return call.rangeError("%s: expected layout activation code f_%zu to be from 0 to %d but it is %d", call.kernel(),
                             i + 1, kernels::kActivationCount - 1, code);
    }
    layout->activations[i] = static_cast<ActivationCode>(code);
  }
  // Units are at most 2^31 - 1, so a product fits; only the running sums can overflow.
  size_t total = 0, unitSum = 0, widestHidden = 0;
  for (size_t i = 0; i < layout->layers; ++i) {
    if (i + 1 < layout->layers && layout->units[i + 1] > widestHidden) widestHidden = layout->units[i + 1];
    layout->weightOffset[i] = total;
    layout->biasOffset[i] = total + layout->units[i] * layout->units[i + 1];
    if (!add(layout->biasOffset[i], layout->units[i + 1], &total) || !add(unitSum, layout->units[i + 1], &unitSum)) {
      return call.rangeError("%s: the layout's sizes overflow", call.kernel());
    }
  }
  layout->parameterCount = total;
  layout->unitSum = unitSum;
  layout->widestHidden = widestHidden;
  return true;
}

// As lib/backend/layout.ts words it.
constexpr const char* kWorkspaceRule = "capacity*(d_0+(d_1+...+d_L)+2*d_L+max(d_1,...,d_{L-1}))";

// The workspace elements `capacity` rows need (kernels/network.h's layout), overflow-checked.
bool workspaceNeed(Call& call, const NetworkLayout& layout, size_t capacity, size_t* need) {
  size_t perRow = 0;
  if (!add(layout.unitSum, layout.widestHidden, &perRow) || !add(perRow, layout.inputs(), &perRow) ||
      !add(perRow, 2 * layout.outputs(), &perRow) || !multiply(perRow, capacity, need)) {
    return call.rangeError("%s: a workspace for capacity %zu would overflow", call.kernel(), capacity);
  }
  return true;
}

// The head shared by all three kernels: layout, parameters, workspace, capacity.
template <typename T>
struct NetworkArgs {
  NetworkLayout layout;
  Span<T> params;
  Span<T> workspace;
  size_t capacity = 0;
};

template <typename T>
bool readHead(Call& call, size_t paramsIndex, size_t workspaceIndex, size_t capacityIndex, NetworkArgs<T>* args) {
  size_t need = 0;
  return readLayout(call, 0, &args->layout) &&
         call.array(paramsIndex, "params", args->layout.parameterCount, "the layout's parameter count",
                    &args->params) &&
         call.dimension(capacityIndex, "capacity", &args->capacity) &&
         workspaceNeed(call, args->layout, args->capacity, &need) &&
         call.array(workspaceIndex, "workspace", need, kWorkspaceRule, &args->workspace) &&
         call.disjoint("workspace", args->workspace, "params", args->params, false);
}

bool rowsWithin(Call& call, size_t rows, size_t capacity, const char* name = "rows") {
  if (rows <= capacity) return true;
  return call.rangeError("%s: expected %s to be at most capacity (%zu) but received %zu", call.kernel(), name, capacity,
                         rows);
}

bool lossFits(Call& call, int loss, const NetworkLayout& layout) {
  const int required = kernels::requiredActivation(static_cast<LossCode>(loss));
  const int output = static_cast<int>(layout.activations[layout.layers - 1]);
  if (required < 0 || required == output) return true;
  return call.rangeError("%s: loss code %d needs the output activation code %d but the layout's is %d", call.kernel(),
                         loss, required, output);
}

// networkForward(layout, params, workspace, capacity, X, rowOffset, rows, out)
template <typename T>
napi_value networkForward(Call& call) {
  NetworkArgs<T> net;
  size_t rowOffset = 0, rows = 0, xNeed = 0;
  Span<T> X, out;
  if (!readHead(call, 1, 2, 3, &net) || !call.dimension(5, "rowOffset", &rowOffset) ||
      !call.dimension(6, "rows", &rows) || !rowsWithin(call, rows, net.capacity) ||
      !multiply(rowOffset + rows, net.layout.inputs(), &xNeed) ||
      !call.array(4, "X", xNeed, "(rowOffset+rows)*d_0", &X) ||
      !call.array(7, "out", rows * net.layout.outputs(), "rows*d_L", &out) ||
      !call.disjoint("workspace", net.workspace, "X", X, false) || !call.disjoint("out", out, "X", X, false) ||
      !call.disjoint("out", out, "params", net.params, false) ||
      !call.disjoint("out", out, "workspace", net.workspace, false)) {
    return nullptr;
  }
  if (rows == 0) return nullptr;
  kernels::networkForward<T>(net.layout, net.params.data, net.workspace.data, net.capacity,
                             X.data + rowOffset * net.layout.inputs(), rows, out.data);
  return nullptr;
}

// networkLoss(layout, params, workspace, capacity, loss, X, Y, rowOffset, rows) -> number
template <typename T>
napi_value networkLoss(Call& call) {
  NetworkArgs<T> net;
  int loss = 0;
  size_t rowOffset = 0, rows = 0, xNeed = 0, yNeed = 0;
  Span<T> X, Y;
  if (!readHead(call, 1, 2, 3, &net) || !call.code(4, "loss", kernels::kLossCount, &loss) ||
      !lossFits(call, loss, net.layout) || !call.dimension(7, "rowOffset", &rowOffset) ||
      !call.dimension(8, "rows", &rows) || !rowsWithin(call, rows, net.capacity)) {
    return nullptr;
  }
  if (rows == 0) {
    call.rangeError("networkLoss: expected rows to be at least 1 (a mean over no rows is undefined)");
    return nullptr;
  }
  if (!multiply(rowOffset + rows, net.layout.inputs(), &xNeed) ||
      !multiply(rowOffset + rows, net.layout.outputs(), &yNeed) ||
      !call.array(5, "X", xNeed, "(rowOffset+rows)*d_0", &X) ||
      !call.array(6, "Y", yNeed, "(rowOffset+rows)*d_L", &Y) ||
      !call.disjoint("workspace", net.workspace, "X", X, false) ||
      !call.disjoint("workspace", net.workspace, "Y", Y, false)) {
    return nullptr;
  }
  kernels::networkForward<T>(net.layout, net.params.data, net.workspace.data, net.capacity,
                             X.data + rowOffset * net.layout.inputs(), rows, nullptr);
  const double value = kernels::networkLossOfForward<T>(net.layout, static_cast<LossCode>(loss), net.workspace.data,
                                                        net.capacity, Y.data + rowOffset * net.layout.outputs(), rows);
  return call.number(value);
}

template <typename Index>
bool checkRows(Call& call, const Index* indices, size_t count, size_t offset, size_t xRows, size_t yRows) {
  for (size_t i = 0; i < count; ++i) {
    const int64_t row = static_cast<int64_t>(indices[i]);
    if (row < 0 || static_cast<uint64_t>(row) >= xRows || static_cast<uint64_t>(row) >= yRows) {
      return call.rangeError("%s: indices[%zu] = %lld is not a row of X and Y (X has %zu rows, Y %zu)", call.kernel(),
                             offset + i, static_cast<long long>(row), xRows, yRows);
    }
  }
  return true;
}

// What networkGradients and networkSteps share: the network, the gradients, the loss, the data and the
// rows of it to use, all checked (indices included) before anything is touched.
template <typename T>
struct TrainingArgs {
  NetworkArgs<T> net;
  int loss = 0;
  Span<T> gradients, X, Y;
  IndexSpan indices;
  size_t indexOffset = 0;
  const void* rowIndices = nullptr;  // indices.data advanced to indexOffset
};

// networkSteps' gradients: a vector of the layout's parameter count, or (the lean path, layer_steps.h) a
// scratch of at least the largest layer's parameter count; or of leanScratchSize's shorter length when it
// ends where the workspace begins (one buffer, the scratch first; with inputs ahead, the minibatch's inputs).
template <typename T>
bool readStepGradients(Call& call, const NetworkLayout& layout, const NetworkArgs<T>& net, Span<T>* gradients) {
  if (!call.array(2, "gradients", 0, "0", gradients)) return false;
  if (gradients->length >= layout.parameterCount) {
    gradients->needed = layout.parameterCount;
    return true;
  }
  const size_t largest = kernels::largestLayer(layout);
  const bool adjacent = gradients->data + gradients->length == net.workspace.data;
  const size_t least = kernels::leanScratchSize(layout, net.capacity, adjacent);
  if (gradients->length < least) {
    if (adjacent) {
      return call.rangeError(
          "%s: expected gradients to hold the layout's parameter count (%zu) or, right before the workspace, at "
          "least %zu (the largest layer above the first, or the first's beyond the workspace dead by then; below a "
          "Relu first layer where they fit, the minibatch's inputs) but it holds %zu",
          call.kernel(), layout.parameterCount, least, gradients->length);
    }
    return call.rangeError(
        "%s: expected gradients to hold the layout's parameter count (%zu) or at least its largest layer's "
        "(%zu, max of d_{i-1}*d_i+d_i) but it holds %zu",
        call.kernel(), layout.parameterCount, largest, gradients->length);
  }
  gradients->needed = gradients->length < largest ? gradients->length : largest;
  return true;
}

// layout, params, gradients, workspace, capacity, loss, X, Y, indices, indexOffset at 0..9; `rows` (read by
// the caller, at least 1) rows from indexOffset are used. `layerScratch`: gradients may be networkSteps'
// layer scratch.
template <typename T>
bool readTrainingHead(Call& call, TrainingArgs<T>* args, bool layerScratch = false) {
  return readHead(call, 1, 3, 4, &args->net) &&
         (layerScratch ? readStepGradients(call, args->net.layout, args->net, &args->gradients)
                       : call.array(2, "gradients", args->net.layout.parameterCount, "the layout's parameter count",
                                    &args->gradients)) &&
         call.code(5, "loss", kernels::kLossCount, &args->loss) && lossFits(call, args->loss, args->net.layout) &&
         call.array(6, "X", 0, "0", &args->X) && call.array(7, "Y", 0, "0", &args->Y) &&
         call.indices(8, "indices", &args->indices) && call.dimension(9, "indexOffset", &args->indexOffset);
}

template <typename T>
bool checkTrainingRows(Call& call, TrainingArgs<T>* args, size_t rows) {
  if (rows == 0) {
    return call.rangeError("%s: expected rows to be at least 1 (a mean over no rows is undefined)", call.kernel());
  }
  if (args->indexOffset + rows > args->indices.length) {
    return call.rangeError("%s: expected indices to hold at least indexOffset+rows = %zu entries but it has %zu",
                           call.kernel(), args->indexOffset + rows, args->indices.length);
  }
  const NetworkLayout& layout = args->net.layout;
  const size_t xRows = args->X.length / layout.inputs();
  const size_t yRows = args->Y.length / layout.outputs();
  args->X.needed = xRows * layout.inputs();
  args->Y.needed = yRows * layout.outputs();
  if (!call.disjoint("gradients", args->gradients, "params", args->net.params, false) ||
      !call.disjoint("gradients", args->gradients, "workspace", args->net.workspace, false) ||
      !call.disjoint("gradients", args->gradients, "X", args->X, false) ||
      !call.disjoint("gradients", args->gradients, "Y", args->Y, false) ||
      !call.disjoint("workspace", args->net.workspace, "X", args->X, false) ||
      !call.disjoint("workspace", args->net.workspace, "Y", args->Y, false)) {
    return false;
  }
  return withIndices(args->indices.data, args->indices.isSigned, args->indexOffset, [&](auto index) {
    args->rowIndices = index;
    return checkRows(call, index, rows, args->indexOffset, xRows, yRows);
  });
}

template <typename T>
bool learningRateOf(Call& call, size_t index, double* out) {
  if (!call.scalarFor<T>(index, "learningRate", out)) return false;
  if (*out >= 0) return true;
  return call.rangeError("%s: expected learningRate to be 0 (no update) or more but received %g", call.kernel(), *out);
}

// networkGradients(layout, params, gradients, workspace, capacity, loss, X, Y, indices, indexOffset, rows,
//                  learningRate) -> number
template <typename T>
napi_value networkGradients(Call& call) {
  TrainingArgs<T> args;
  size_t rows = 0;
  double learningRate = 0;
  if (!readTrainingHead(call, &args) || !call.dimension(10, "rows", &rows) ||
      !rowsWithin(call, rows, args.net.capacity) || !learningRateOf<T>(call, 11, &learningRate) ||
      !checkTrainingRows(call, &args, rows)) {
    return nullptr;
  }
  const NetworkArgs<T>& net = args.net;
  const double value = withIndices(args.rowIndices, args.indices.isSigned, 0, [&](auto index) {
    return kernels::networkGradients<T>(net.layout, static_cast<LossCode>(args.loss), net.params.data,
                                        args.gradients.data, net.workspace.data, net.capacity, args.X.data, args.Y.data,
                                        index, rows, static_cast<T>(learningRate));
  });
  return call.number(value);
}

// networkSteps' second parameter buffer (network.h, `spare`): the layout's parameter count right after the
// workspace's regions, where the workspace holds that much more and the call is not the lean path's. It is
// workspace: it counts in every overlap check of the workspace from here on (checkTrainingRows, losses).
template <typename T>
bool lendSpare(Call& call, TrainingArgs<T>* args, T** spare) {
  Span<T>& workspace = args->net.workspace;
  const size_t count = args->net.layout.parameterCount;
  if (args->gradients.needed < count || workspace.length - workspace.needed < count) return true;
  *spare = workspace.data + workspace.needed;
  workspace.needed += count;
  return call.disjoint("workspace", workspace, "params", args->net.params, false);
}

// networkSteps(layout, params, gradients, workspace, capacity, loss, X, Y, indices, indexOffset, batchSize,
//              rows, learningRate, losses) -> number of batches run. A gradients array shorter than the parameter
// count (but holding the largest layer, or leanScratchSize's length right before the workspace) takes the
// lean path (kernels/layer_steps.h). Otherwise a workspace holding the layout's parameter count beyond its
// regions lends that room to the kernel as a second parameter buffer (network.h, networkSteps' `spare`).
template <typename T>
napi_value networkSteps(Call& call) {
  TrainingArgs<T> args;
  size_t batchSize = 0, rows = 0;
  double learningRate = 0;
  Span<double> losses;
  T* spare = nullptr;
  if (!readTrainingHead(call, &args, true) || !call.dimension(10, "batchSize", &batchSize)) return nullptr;
  if (batchSize == 0) {
    call.rangeError("networkSteps: expected batchSize to be at least 1");
    return nullptr;
  }
  if (!rowsWithin(call, batchSize, args.net.capacity, "batchSize") || !call.dimension(11, "rows", &rows) ||
      !learningRateOf<T>(call, 12, &learningRate) || !lendSpare(call, &args, &spare) ||
      !checkTrainingRows(call, &args, rows) ||
      !call.float64Array(13, "losses", (rows + batchSize - 1) / batchSize, "ceil(rows/batchSize)", &losses) ||
      !call.disjoint("losses", losses, "params", args.net.params, false) ||
      !call.disjoint("losses", losses, "gradients", args.gradients, false) ||
      !call.disjoint("losses", losses, "workspace", args.net.workspace, false) ||
      !call.disjoint("losses", losses, "X", args.X, false) || !call.disjoint("losses", losses, "Y", args.Y, false)) {
    return nullptr;
  }
  const NetworkArgs<T>& net = args.net;
  const bool lean = args.gradients.needed < net.layout.parameterCount;
  const size_t batches = withIndices(args.rowIndices, args.indices.isSigned, 0, [&](auto index) {
    if (lean) {
      return kernels::layerSteps<T>(net.layout, static_cast<LossCode>(args.loss), net.params.data, args.gradients.data,
                                    args.gradients.needed, net.workspace.data, net.capacity, args.X.data, args.Y.data,
                                    index, batchSize, rows, static_cast<T>(learningRate), losses.data);
    }
    return kernels::networkSteps<T>(net.layout, static_cast<LossCode>(args.loss), net.params.data, args.gradients.data,
                                    net.workspace.data, net.capacity, args.X.data, args.Y.data, index, batchSize, rows,
                                    static_cast<T>(learningRate), losses.data, spare);
  });
  return call.number(static_cast<double>(batches));
}

}  // namespace

BLASNET_TYPED_ENTRY(NetworkForward, networkForward, "networkForward", 8, 1, "params")
BLASNET_TYPED_ENTRY(NetworkLoss, networkLoss, "networkLoss", 9, 1, "params")
BLASNET_TYPED_ENTRY(NetworkSteps, networkSteps, "networkSteps", 14, 1, "params")
BLASNET_TYPED_ENTRY(NetworkGradients, networkGradients, "networkGradients", 12, 1, "params")
// ---- Prepared forward passes: networkPrepare(layout, params, workspace, capacity, X, out, handle) checks
// everything networkForward checks once, binds the arrays to `handle` and returns a token for it (below);
// networkRun(handle or token, rows[, source]) then runs (after copying rows of `source` into X, where given)
// rows 0 .. rows of X into out (or, when one of their values is not finite, returns its index and writes
// nothing: the check costs less here than in JavaScript) with no typed-array queries (each costs ~50 ns, a third of a
// small forward pass). Safety of the kept pointers: the handle holds strong references to the arrays (they cannot be
// collected while it lives), and every call re-reads the byte length of each bound ArrayBuffer that could
// change (a SharedArrayBuffer can be neither detached nor shrunk), so a buffer that was transferred,
// structured-cloned away or resized since is a TypeError, never a read of freed memory.
namespace {

constexpr size_t kBound = 4;
constexpr const char* kBoundNames[kBound] = {"params", "workspace", "X", "out"};

struct BoundArray {
  napi_ref array = nullptr;   // the typed array, kept alive
  napi_ref buffer = nullptr;  // its ArrayBuffer when that can be detached or resized; null for a SharedArrayBuffer
  void* base = nullptr;       // the buffer's data when prepared
  size_t end = 0;             // byte offset + the bytes the kernel touches
};

struct Prepared {
  uint64_t serial = 0;  // this thread's count of bindings when it was made: what a token names besides the address
  ElementType type = ElementType::Float64;
  NetworkLayout layout;
  size_t capacity = 0;
  void* data[kBound] = {};
  BoundArray bound[kBound];
};

// The handles this thread bound and has not released. napi_unwrap answers for any addon's wrapped object,
// so networkRun trusts its pointer only once it is found here (a lookup, no dereference): cheaper than a
// type tag, whose check cost ~85 ns a call. Per thread, as handles are: they cannot leave their thread.
// Made on first use and never destroyed, so that a finalizer running while its thread or the process
// shuts down never finds it gone (a few bytes per thread that ever prepared a pass).
// Null only if even that could not be allocated: then no handle is ever registered.
PointerSet* liveHandles() {
  thread_local PointerSet* const set = new (std::nothrow) PointerSet();
  return set;
}

// A token: what networkPrepare returns, an External that networkRun takes in place of the handle. Finding the
// Prepared through napi_unwrap is a private-property lookup on the handle (V8's generic property path: ~60 of
// the ~140 ns of an empty run); an External's pointer comes back with one type check. A token is trusted only
// once found in this thread's registry of tokens (any addon can make an External), and it names its binding by
// address and serial: the binding is used only while that address is still a live binding (the handles'
// registry, looked up without a dereference) with that serial (a binding made later at the same address has
// another). It holds no reference to its handle: a strong one kept the handle, and the network's parameters
// with it, for a second event-loop turn after the predictor was dropped (N-API finalizers run from the loop).
struct Token {
  const Prepared* prepared = nullptr;
  uint64_t serial = 0;
};

uint64_t nextSerial() {
  thread_local uint64_t serial = 0;
  return ++serial;
}

PointerSet* liveTokens() {
  thread_local PointerSet* const set = new (std::nothrow) PointerSet();
  return set;
}

void releaseToken(napi_env /*env*/, void* data, void* /*hint*/) {
  Token* token = static_cast<Token*>(data);
  if (PointerSet* live = liveTokens()) live->erase(token);
  delete token;
}

// The token for a freshly bound handle, or undefined when one could not be made (the handle still works).
napi_value makeToken(napi_env env, const Prepared* prepared) {
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  PointerSet* live = liveTokens();
  Token* token = new (std::nothrow) Token();
  if (live == nullptr || token == nullptr || !live->insert(token)) {
    delete token;
    return undefined;
  }
  token->prepared = prepared;
  token->serial = prepared->serial;
  napi_value external = nullptr;
  if (napi_create_external(env, token, releaseToken, nullptr, &external) != napi_ok) {
    releaseToken(env, token, nullptr);
    return undefined;
  }
  return external;
}

void releasePrepared(napi_env env, void* data, void* /*hint*/) {
  Prepared* prepared = static_cast<Prepared*>(data);
  if (PointerSet* live = liveHandles()) live->erase(prepared);
  for (BoundArray& b : prepared->bound) {
    if (b.array != nullptr) napi_delete_reference(env, b.array);
    if (b.buffer != nullptr) napi_delete_reference(env, b.buffer);
  }
  delete prepared;
}

// Records the array at `index` (already checked by Call::array) and, unless its buffer is shared, the buffer.
bool bind(Call& call, size_t index, size_t slot, size_t bytes, Prepared* prepared) {
  napi_env env = call.env();
  BoundArray& b = prepared->bound[slot];
  napi_value buffer = nullptr;
  size_t byteOffset = 0;
  void* data = nullptr;
  bool plain = false;
  if (napi_get_typedarray_info(env, call.arg(index), nullptr, nullptr, &data, &buffer, &byteOffset) != napi_ok ||
      napi_is_arraybuffer(env, buffer, &plain) != napi_ok ||
      napi_create_reference(env, call.arg(index), 1, &b.array) != napi_ok) {
    return call.typeError("%s: could not bind %s", call.kernel(), kBoundNames[slot]);
  }
  prepared->data[slot] = data;
  if (plain) {  // napi_is_arraybuffer is false for a SharedArrayBuffer, which never detaches or shrinks
    size_t length = 0;
    if (napi_get_arraybuffer_info(env, buffer, &b.base, &length) != napi_ok ||
        napi_create_reference(env, buffer, 1, &b.buffer) != napi_ok) {
      return call.typeError("%s: could not bind %s's buffer", call.kernel(), kBoundNames[slot]);
    }
    b.end = byteOffset + bytes;
  }
  return true;
}

template <typename T>
napi_value networkPrepare(Call& call) {
  NetworkArgs<T> net;
  Span<T> X, out;
  if (!readHead(call, 1, 2, 3, &net)) return nullptr;
  const size_t xNeed = net.capacity * net.layout.inputs();  // workspaceNeed checked capacity * each width
  const size_t outNeed = net.capacity * net.layout.outputs();
  if (!call.array(4, "X", xNeed, "capacity*d_0", &X) || !call.array(5, "out", outNeed, "capacity*d_L", &out) ||
      !call.disjoint("workspace", net.workspace, "X", X, false) || !call.disjoint("out", out, "X", X, false) ||
      !call.disjoint("out", out, "params", net.params, false) ||
      !call.disjoint("out", out, "workspace", net.workspace, false)) {
    return nullptr;
  }
  napi_env env = call.env();
  napi_value handle = call.arg(6);
  napi_valuetype kind = napi_undefined;
  if (napi_typeof(env, handle, &kind) != napi_ok || kind != napi_object) {
    call.typeError("%s: expected handle to be a plain object to bind", call.kernel());
    return nullptr;
  }
  Prepared* prepared = new (std::nothrow) Prepared();
  if (prepared == nullptr) {
    call.rangeError("%s: out of memory", call.kernel());
    return nullptr;
  }
  prepared->serial = nextSerial();
  prepared->type = std::is_same_v<T, float> ? ElementType::Float32 : ElementType::Float64;
  prepared->layout = net.layout;
  prepared->capacity = net.capacity;
  const size_t sizes[kBound] = {net.params.needed, net.workspace.needed, X.needed, out.needed};
  const size_t indices[kBound] = {1, 2, 4, 5};
  for (size_t slot = 0; slot < kBound; ++slot) {
    if (!bind(call, indices[slot], slot, sizes[slot] * sizeof(T), prepared)) {
      releasePrepared(env, prepared, nullptr);
      return nullptr;
    }
  }
  PointerSet* live = liveHandles();
  if (live == nullptr || !live->insert(prepared)) {
    releasePrepared(env, prepared, nullptr);
    call.rangeError("%s: out of memory for the handle registry", call.kernel());
    return nullptr;
  }
  // napi_wrap refuses an object that is already wrapped (bound before, or by another addon).
  if (napi_wrap(env, handle, prepared, releasePrepared, nullptr, nullptr) != napi_ok) {
    releasePrepared(env, prepared, nullptr);  // also takes it out of the registry
    call.typeError("%s: handle is already bound (prepare a new object)", call.kernel());
    return nullptr;
  }
  return makeToken(env, prepared);
}

// Asked only of an empty buffer: one that was always empty reads the same as a detached one otherwise.
bool detached(napi_env env, napi_value buffer) {
  bool result = true;
  napi_is_detached_arraybuffer(env, buffer, &result);
  return result;
}

// Whether every bound buffer that could have changed still holds what was prepared.
bool stillBound(Call& call, const Prepared& prepared) {
  for (size_t slot = 0; slot < kBound; ++slot) {
    const BoundArray& b = prepared.bound[slot];
    if (b.buffer == nullptr) continue;
    napi_value buffer = nullptr;
    void* data = nullptr;
    size_t length = 0;
    if (napi_get_reference_value(call.env(), b.buffer, &buffer) != napi_ok || buffer == nullptr ||
        napi_get_arraybuffer_info(call.env(), buffer, &data, &length) != napi_ok || data != b.base || length < b.end ||
        (length == 0 && detached(call.env(), buffer))) {
      return call.typeError(
          "%s: %s's buffer was detached or resized after networkPrepare (transferred, "
          "structured-cloned away or shrunk); prepare again",
          call.kernel(), kBoundNames[slot]);
    }
  }
  return true;
}

// Whether the first `count` values are all finite: v * 0 is 0 for a finite v and NaN for NaN or an
// infinity, and one NaN poisons a sum. Eight partial sums, so the additions do not wait on each other.
template <typename T>
bool allFinite(const T* values, size_t count) {
  T poison[8] = {};
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    for (int lane = 0; lane < 8; ++lane) poison[lane] += values[i + lane] * T(0);
  }
  for (; i < count; ++i) poison[0] += values[i] * T(0);
  T sum = T(0);
  for (T p : poison) sum += p;
  return sum == T(0);
}

// The index of the first value that is not finite, for the caller's message (only after allFinite failed).
template <typename T>
size_t firstNonFinite(const T* values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return i;
  }
  return count;
}

// double to float as JavaScript converts: round to nearest even, and a value beyond float's range to an infinity of
// its sign, which is IEEE 754's conversion (C's Annex F, which GCC follows on x86-64: __STDC_IEC_559__) and what
// vcvtpd2ps does. Checked value by value against V8's conversion at both sides of FLT_MAX's rounding tie
// (test/network/predictor.test.ts). Selects written around the conversion to keep finite values from overflowing it
// in C++'s own terms cost GCC's code a pack and shuffle per register (2.8 us for 4,096 values); this loop is one
// conversion per four values.
BLASNET_MULTIVERSION void narrowInto(size_t count, const double* from, float* to) {
  for (size_t i = 0; i < count; ++i) to[i] = static_cast<float>(from[i]);
}

// networkRun's optional third argument: rows*d_0 float64 values copied (a float32 pass: converted) into the bound
// X before anything else, in native code (TypedArray.prototype.set into the predictor's buffer converts element by
// element in V8: 3.3 us for 4,096 values).
bool copySource(Call& call, const Prepared& prepared, size_t rows) {
  const size_t count = rows * prepared.layout.inputs();
  Span<double> source;
  if (!call.array(2, "source", count, "rows*d_0", &source)) return false;
  if (prepared.type == ElementType::Float32) {
    const Span<float> X{static_cast<float*>(prepared.data[2]), count, count};
    if (!call.disjoint("X", X, "source", source, false)) return false;
    narrowInto(count, source.data, X.data);
  } else {
    const Span<double> X{static_cast<double*>(prepared.data[2]), count, count};
    if (!call.disjoint("X", X, "source", source, true)) return false;
    if (count > 0 && X.data != source.data) std::memcpy(X.data, source.data, count * sizeof(double));
  }
  return true;
}

// Runs the pass, or returns the index of the first input that is not finite (nothing written).
template <typename T>
napi_value runPrepared(Call& call, const Prepared& prepared, size_t rows) {
  const T* X = static_cast<const T*>(prepared.data[2]);
  const size_t count = rows * prepared.layout.inputs();
  if (!allFinite<T>(X, count)) {
    return call.number(static_cast<double>(firstNonFinite<T>(X, count)));
  }
  kernels::networkForward<T>(prepared.layout, static_cast<const T*>(prepared.data[0]),
                             static_cast<T*>(prepared.data[1]), prepared.capacity, X, rows,
                             static_cast<T*>(prepared.data[3]));
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(NetworkPrepare, networkPrepare, "networkPrepare", 7, 1, "params")
napi_value NetworkRun(napi_env env, napi_callback_info info) {
  Call call(env, info, "networkRun");
  const size_t count = call.argumentCount();
  if (count != 2 && count != 3) {
    call.typeError("networkRun expects 2 or 3 arguments but received %zu", count);
    return nullptr;
  }
  const Prepared* found = nullptr;
  void* raw = nullptr;
  if (napi_get_value_external(env, call.arg(0), &raw) == napi_ok) {
    // networkPrepare's token: ours once registered; its binding, while that is still bound (its handle alive).
    PointerSet* tokens = liveTokens();
    PointerSet* handles = liveHandles();
    if (tokens != nullptr && handles != nullptr && tokens->contains(raw)) {
      const Token& token = *static_cast<const Token*>(raw);
      if (handles->contains(token.prepared) && token.prepared->serial == token.serial) found = token.prepared;
    }
  } else {
    napi_valuetype kind = napi_undefined;
    if (napi_typeof(env, call.arg(0), &kind) == napi_ok && kind == napi_object &&
        napi_unwrap(env, call.arg(0), &raw) == napi_ok && liveHandles() != nullptr && liveHandles()->contains(raw)) {
      found = static_cast<const Prepared*>(raw);
    }
  }
  if (found == nullptr) {
    call.typeError("networkRun: expected handle to be an object bound by networkPrepare, or its token");
    return nullptr;
  }
  const Prepared& prepared = *found;
  size_t rows = 0;
  if (!call.dimension(1, "rows", &rows) || !rowsWithin(call, rows, prepared.capacity) || !stillBound(call, prepared) ||
      (count == 3 && !copySource(call, prepared, rows))) {
    return nullptr;
  }
  if (rows == 0) return nullptr;
  return prepared.type == ElementType::Float32 ? runPrepared<float>(call, prepared, rows)
                                               : runPrepared<double>(call, prepared, rows);
}

}  // namespace blasnet::binding
