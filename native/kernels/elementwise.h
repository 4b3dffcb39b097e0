// The small loops of a dense layer that are not matrix products: bias broadcast, bias gradients,
// parameter updates and minibatch assembly.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "blas.h"
#include "simd.h"

namespace blasnet::kernels {

// Z[i, j] += bias[j] for every row i.
template <typename T>
BLASNET_MULTIVERSION void addBias(size_t rows, size_t cols, const T* bias, T* Z) {
  if (cols == 0) return;  // rows may be up to 2^31 with nothing to touch: do not walk them
  for (size_t i = 0; i < rows; ++i) {
    T* row = Z + i * cols;
    for (size_t j = 0; j < cols; ++j) row[j] += bias[j];
  }
}

#ifdef BLASNET_AVX2_CHAINS
// Rows of at most kShortRow values (a small-kernel layer: 9-16 units), read as whole 256-bit vectors. Where a
// row's last vector runs past the row, its extra lanes are read from the next row's head and land in lanes
// that are never kept; the last row goes through a stack copy, so nothing is read past the matrix.
constexpr size_t kShortRow = 16;

template <typename T>
using Vector = std::conditional_t<sizeof(T) == 8, Double4, Float8>;

// columnSums for one vector's width <= cols <= kShortRow: every column's running sum in a register lane, added row by
// row in order, so each out[j] is the same sequence of additions as the loop's (the same bits on every CPU).
template <typename T, int NC>
__attribute__((always_inline)) inline void columnSumsShort(size_t rows, size_t cols, const T* A, T* out) {
  using V = Vector<T>;
  constexpr size_t kLanes = sizeof(V) / sizeof(T);
  V sums[NC] = {};
  V v;
  for (size_t i = 0; i + 1 < rows; ++i) {
    const T* row = A + i * cols;
    for (int c = 0; c < NC; ++c) {
      loadAnyTarget(&v, row + c * kLanes);
      sums[c] += v;
    }
  }
  T edge[NC * kLanes] = {};
  std::memcpy(edge, A + (rows - 1) * cols, cols * sizeof(T));
  for (int c = 0; c < NC; ++c) {
    loadAnyTarget(&v, edge + c * kLanes);
    sums[c] += v;
    storeAnyTarget(edge + c * kLanes, &sums[c]);
  }
  std::memcpy(out, edge, cols * sizeof(T));
}
#endif

// Z[i, :] = bias for every row i. A loop rather than a memcpy per row: rows are short (a layer's width),
// and a library call per row cost more than the copy.
template <typename T>
BLASNET_MULTIVERSION void broadcastRows(size_t rows, size_t cols, const T* bias, T* Z) {
  for (size_t i = 0; i < rows; ++i) {
    T* row = Z + i * cols;
    for (size_t j = 0; j < cols; ++j) row[j] = bias[j];
  }
}

// out[j] = sum over i of A[i, j]. Rows are walked in order so the sum matches the js backend's exactly.
template <typename T>
BLASNET_MULTIVERSION void columnSums(size_t rows, size_t cols, const T* A, T* out) {
#ifdef BLASNET_AVX2_CHAINS
  // Short rows (the small kernel's layers): the loop below spent more on its per-row set-up and remainders
  // than on the additions (2.7% of workload A's fit).
  constexpr size_t kLanes = sizeof(Vector<T>) / sizeof(T);
  // From one vector's width up, a row's last vector ends inside the next row (never past the matrix).
  if (rows > 0 && cols >= kLanes && cols <= kShortRow) {
    switch ((cols + kLanes - 1) / kLanes) {
      case 1: columnSumsShort<T, 1>(rows, cols, A, out); return;
      case 2: columnSumsShort<T, 2>(rows, cols, A, out); return;
      case 3: columnSumsShort<T, 3>(rows, cols, A, out); return;
      default: columnSumsShort<T, 4>(rows, cols, A, out); return;
    }
  }
#endif
  for (size_t j = 0; j < cols; ++j) out[j] = T(0);
  if (cols == 0) return;  // rows may be up to 2^31 with nothing to touch: do not walk them
  for (size_t i = 0; i < rows; ++i) {
    const T* row = A + i * cols;
    for (size_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

// Y += alpha * X: with alpha = -learningRate this is the SGD step.
template <typename T>
void axpy(size_t n, T alpha, const T* X, T* Y) {
  if (n == 0 || alpha == T(0)) return;
  blas::axpy(static_cast<int>(n), alpha, X, Y);
}

// out[i, :] = X[indices[offset + i], :]. Indices were range-checked by the caller. A vectorised loop rather
// than memcpy per row: at minibatch sizes the call and its start-up (~14 ns for a 512-byte row) cost more
// than the copy itself.
template <typename T, typename Index>
BLASNET_MULTIVERSION void gatherRows(size_t rows, size_t cols, const T* X, const Index* indices, T* out) {
  for (size_t i = 0; i < rows; ++i) {
    const T* source = X + static_cast<size_t>(indices[i]) * cols;
    T* target = out + i * cols;
    for (size_t j = 0; j < cols; ++j) target[j] = source[j];
  }
}

}  // namespace blasnet::kernels
