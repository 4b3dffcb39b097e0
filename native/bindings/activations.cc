// Activation forward and backward for every activation in the kernel table.
#include "../kernels/activations.h"

#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

using kernels::ActivationCode;

// activationForward(activation, rows, cols, Z, A): A = f(Z); A may be Z itself.
template <typename T>
napi_value activationForward(Call& call) {
  int code = 0;
  size_t rows = 0, cols = 0;
  Span<T> Z, A;
  if (!call.code(0, "activation", kernels::kActivationCount, &code) || !call.dimension(1, "rows", &rows) ||
      !call.dimension(2, "cols", &cols) || !call.array(3, "Z", rows * cols, "rows*cols", &Z) ||
      !call.array(4, "A", rows * cols, "rows*cols", &A) || !call.disjoint("A", A, "Z", Z, true)) {
    return nullptr;
  }
  kernels::activation<T>(static_cast<ActivationCode>(code)).forward(rows, cols, Z.data, A.data);
  return nullptr;
}

// activationBackward(activation, rows, cols, Z, A, G, out): out = G * f'(Z), the gradient with respect to Z
// given the gradient G with respect to A (for softmax, the Jacobian-vector product). out may be G, Z or A.
// Z is checked as the contract requires but not read: every activation's derivative comes from A
// (native/kernels/activations.h says why).
template <typename T>
napi_value activationBackward(Call& call) {
  int code = 0;
  size_t rows = 0, cols = 0;
  Span<T> Z, A, G, out;
  if (!call.code(0, "activation", kernels::kActivationCount, &code) || !call.dimension(1, "rows", &rows) ||
      !call.dimension(2, "cols", &cols) || !call.array(3, "Z", rows * cols, "rows*cols", &Z) ||
      !call.array(4, "A", rows * cols, "rows*cols", &A) || !call.array(5, "G", rows * cols, "rows*cols", &G) ||
      !call.array(6, "out", rows * cols, "rows*cols", &out) || !call.disjoint("out", out, "Z", Z, true) ||
      !call.disjoint("out", out, "A", A, true) || !call.disjoint("out", out, "G", G, true)) {
    return nullptr;
  }
  kernels::activation<T>(static_cast<ActivationCode>(code)).backward(rows, cols, A.data, G.data, out.data);
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(ActivationForward, activationForward, "activationForward", 5, 3, "Z")
BLASNET_TYPED_ENTRY(ActivationBackward, activationBackward, "activationBackward", 7, 3, "Z")
}  // namespace blasnet::binding
