// C = alpha * op(A) * op(B) + beta * C, row-major, leading dimensions implied by the shapes.
#pragma once

#include <cstddef>
#include <type_traits>

#include "blas.h"
#include "small_gemm.h"

namespace blasnet::kernels {

// One-row products whose B holds at least this many elements go to gemv (see below).
constexpr size_t kGemvFromElements = size_t(1) << 18;

// Degenerate shapes are handled here rather than passed to BLAS: cblas_dgemm rejects a leading dimension
// of 0 (k == 0 gives lda == 0) by printing to stderr through xerbla, which a library must never do.
// The BLAS conventions are kept: beta == 0 overwrites C (NaN in C does not survive), and alpha == 0
// or k == 0 leaves A and B unread.
template <typename T>
void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, T alpha, const T* A, const T* B, T beta, T* C) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) {
    const size_t count = m * n;
    if (beta == T(0)) {
      for (size_t i = 0; i < count; ++i) C[i] = T(0);
    } else if (beta != T(1)) {
      for (size_t i = 0; i < count; ++i) C[i] *= beta;
    }
    return;
  }
  // Small shapes (small_gemm.h says which, per instruction set and dtype) skip OpenBLAS's fixed cost per call.
  if constexpr (std::is_same_v<T, double>) {
    if (small::fits(transA, transB, m, n, k)) {
      small::gemm(transA, transB, m, n, k, alpha, A, B, beta, C);
      return;
    }
  } else {
    if (small::fitsFloat(transA, transB, m, n, k)) {
      small::gemm(transA, transB, m, n, k, alpha, A, B, beta, C);
      return;
    }
  }
  // One row through a matrix larger than the cache (a 1-row predict on a wide network): OpenBLAS's gemv
  // streams B faster than its gemm does, and splits it over its threads (784x512: 0.68 of dgemm's time at
  // 1 thread, 0.51 at 2; from 2^18 elements, where B outgrows a 2 MB L2, measured in bench/README.md).
  // op(A) is then k contiguous values whether or not it is transposed.
  if (m == 1 && !transB && n * k >= kGemvFromElements) {
    if (beta == T(0)) {
      for (size_t j = 0; j < n; ++j) C[j] = T(0);  // BLAS convention, whatever gemv's scaling does with NaN
    }
    blas::gemvTransposed(static_cast<int>(k), static_cast<int>(n), alpha, B, A, beta, C);
    return;
  }
  const int lda = static_cast<int>(transA ? m : k);
  const int ldb = static_cast<int>(transB ? k : n);
  blas::gemm(transA, transB, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, A, lda, B, ldb, beta,
             C, static_cast<int>(n));
}

}  // namespace blasnet::kernels
