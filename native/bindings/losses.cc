// Loss value and output-layer delta.
#include "../kernels/losses.h"

#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

using kernels::ActivationCode;
using kernels::LossCode;

const char* lossName(int code) {
  static constexpr const char* names[kernels::kLossCount] = {"meanSquaredError", "binaryCrossEntropy", "crossEntropy"};
  return names[code];
}

// The shared head of both loss kernels: (loss, activation, rows, cols, Z, A, Y). A mean over nothing is
// undefined, so empty batches are refused rather than answered with NaN.
template <typename T>
bool readLossArguments(Call& call, int* loss, int* activation, size_t* rows, size_t* cols, Span<T>* Z, Span<T>* A,
                       Span<T>* Y) {
  if (!call.code(0, "loss", kernels::kLossCount, loss) ||
      !call.code(1, "activation", kernels::kActivationCount, activation) || !call.dimension(2, "rows", rows) ||
      !call.dimension(3, "cols", cols)) {
    return false;
  }
  if (*rows == 0 || *cols == 0) {
    return call.rangeError("%s: expected rows and cols to be at least 1 but received rows = %zu, cols = %zu",
                           call.kernel(), *rows, *cols);
  }
  const int required = kernels::requiredActivation(static_cast<LossCode>(*loss));
  if (required >= 0 && *activation != required) {
    return call.rangeError("%s: the %s loss needs the %s output activation (code %d) but received code %d (%s)",
                           call.kernel(), lossName(*loss),
                           kernels::activation<T>(static_cast<ActivationCode>(required)).name, required, *activation,
                           kernels::activation<T>(static_cast<ActivationCode>(*activation)).name);
  }
  const size_t count = *rows * *cols;
  return call.array(4, "Z", count, "rows*cols", Z) && call.array(5, "A", count, "rows*cols", A) &&
         call.array(6, "Y", count, "rows*cols", Y);
}

// lossValue(loss, activation, rows, cols, Z, A, Y) -> number
template <typename T>
napi_value lossValue(Call& call) {
  int loss = 0, activation = 0;
  size_t rows = 0, cols = 0;
  Span<T> Z, A, Y;
  if (!readLossArguments(call, &loss, &activation, &rows, &cols, &Z, &A, &Y)) return nullptr;
  const double value = kernels::lossValue<T>(static_cast<LossCode>(loss), rows, cols, Z.data, A.data, Y.data);
  return call.number(value);
}

// outputDelta(loss, activation, rows, cols, Z, A, Y, delta): delta = d(loss)/dZ. delta may be Z itself (Z
// is checked but not read: the derivatives come from A); it must be separate from A and Y, which squared
// error reads after it starts writing delta.
template <typename T>
napi_value outputDelta(Call& call) {
  int loss = 0, activation = 0;
  size_t rows = 0, cols = 0;
  Span<T> Z, A, Y, delta;
  if (!readLossArguments(call, &loss, &activation, &rows, &cols, &Z, &A, &Y) ||
      !call.array(7, "delta", rows * cols, "rows*cols", &delta) || !call.disjoint("delta", delta, "Z", Z, true) ||
      !call.disjoint("delta", delta, "A", A, false) || !call.disjoint("delta", delta, "Y", Y, false)) {
    return nullptr;
  }
  kernels::outputDelta<T>(static_cast<LossCode>(loss), static_cast<ActivationCode>(activation), rows, cols, A.data,
                          Y.data, delta.data);
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(LossValue, lossValue, "lossValue", 7, 4, "Z")
BLASNET_TYPED_ENTRY(OutputDelta, outputDelta, "outputDelta", 8, 4, "Z")
}  // namespace blasnet::binding
