// gemm and axpy: unpack, validate, call the kernel. Nothing numeric here.
#include "../kernels/elementwise.h"
#include "../kernels/gemm.h"
#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

// gemm(transA, transB, m, n, k, alpha, A, B, beta, C)
template <typename T>
napi_value gemm(Call& call) {
  bool transA = false, transB = false;
  size_t m = 0, n = 0, k = 0;
  double alpha = 0, beta = 0;
  Span<T> A, B, C;
  // Dimensions are at most 2^31 - 1, so these products cannot overflow a 64-bit size_t.
  if (!call.flag(0, "transA", &transA) || !call.flag(1, "transB", &transB) || !call.dimension(2, "m", &m) ||
      !call.dimension(3, "n", &n) || !call.dimension(4, "k", &k) || !call.scalarFor<T>(5, "alpha", &alpha) ||
      !call.array(6, "A", m * k, "m*k", &A) || !call.array(7, "B", k * n, "k*n", &B) ||
      !call.scalarFor<T>(8, "beta", &beta) || !call.array(9, "C", m * n, "m*n", &C) ||
      !call.disjoint("C", C, "A", A, false) || !call.disjoint("C", C, "B", B, false)) {
    return nullptr;
  }
  kernels::gemm<T>(transA, transB, m, n, k, static_cast<T>(alpha), A.data, B.data, static_cast<T>(beta), C.data);
  return nullptr;
}

// axpy(n, alpha, X, Y): Y += alpha * X
template <typename T>
napi_value axpy(Call& call) {
  size_t n = 0;
  double alpha = 0;
  Span<T> X, Y;
  if (!call.dimension(0, "n", &n) || !call.scalarFor<T>(1, "alpha", &alpha) || !call.array(2, "X", n, "n", &X) ||
      !call.array(3, "Y", n, "n", &Y) || !call.disjoint("Y", Y, "X", X, true)) {
    return nullptr;
  }
  kernels::axpy<T>(n, static_cast<T>(alpha), X.data, Y.data);
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(Gemm, gemm, "gemm", 10, 6, "A")
BLASNET_TYPED_ENTRY(Axpy, axpy, "axpy", 4, 2, "X")
}  // namespace blasnet::binding
