// The small loops of a dense layer that are not matrix products: bias broadcast, bias gradients,
// parameter updates and minibatch assembly.
#pragma once

#include <cstddef>

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
