// Loss values and output-layer deltas, defined as PyTorch defines them with its default mean reduction:
//   meanSquaredError   = MSELoss():  mean over all elements of (a - y)^2
//   binaryCrossEntropy = BCELoss():  mean over all elements of -(y log a + (1 - y) log(1 - a)), a = sigmoid(z)
//   crossEntropy       = mean over rows of -sum_j y_j log a_j, a = softmax(z)
// (CrossEntropyLoss on logits with probability targets). The delta is the exact gradient of that value
// with respect to the output layer's pre-activation z, mean factor included, so the weight gradients of
// the backward pass are plain products and sums.
#pragma once

#include <cmath>
#include <cstddef>

#include "activations.h"
#include "simd.h"

#ifdef BLASNET_AVX2_CHAINS
#include <immintrin.h>
#endif

namespace blasnet::kernels {

// Part of the contract with lib/backend/kernels.ts (LossCode): append, never renumber.
enum class LossCode : int { MeanSquaredError = 0, BinaryCrossEntropy = 1, CrossEntropy = 2 };
constexpr int kLossCount = 3;

// The output activation a loss requires, or -1 when any activation will do. The cross-entropies are
// computed from z (below), which is only valid for the activation that turns z into probabilities.
inline int requiredActivation(LossCode loss) {
  switch (loss) {
    case LossCode::BinaryCrossEntropy: return static_cast<int>(ActivationCode::Sigmoid);
    case LossCode::CrossEntropy: return static_cast<int>(ActivationCode::Softmax);
    default: return -1;
  }
}

// -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))) rewritten as max(z, 0) - z y + log1p(exp(-|z|)):
// the same number, but finite for every finite z (log(0) is never reached, exp never overflows).
template <typename T>
inline double binaryCrossEntropyFromLogit(T z, T y) {
  const double zd = z, yd = y;
  return (zd > 0 ? zd : 0.0) - zd * yd + std::log1p(vexp(-std::fabs(zd)));
}

// Elementwise sums use kLanes independent partial sums, combined at the end (the js backend sums in the
// same order): one running sum is a chain of dependent additions the compiler may not reorder, and runs
// at a quarter of the speed. Sums are accumulated in double whatever T is, so a float32 network reports a
// float64-accurate loss.
constexpr size_t kLanes = 8;

template <typename Term>
inline double laneSum(size_t count, Term term) {
  double partial[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) partial[lane] += term(i + lane);
  }
  for (size_t lane = 0; i < count; ++i, ++lane) partial[lane] += term(i);
  double sum = 0.0;
  for (size_t lane = 0; lane < kLanes; ++lane) sum += partial[lane];
  return sum;
}

#ifdef BLASNET_AVX2_CHAINS
// Four elements as doubles: float64's as they are, float32's widened (vcvtps2pd, exact: one instruction from
// memory to a whole register, where GCC's __builtin_convertvector made two 128-bit halves and a shuffle).
BLASNET_AVX2 Double4 loadDoubles(const double* p) { return loadVector(p); }
BLASNET_AVX2 Double4 loadDoubles(const float* p) { return reinterpret_cast<Double4>(_mm256_cvtps_pd(_mm_loadu_ps(p))); }

// The mean squared error's sum as laneSum takes it, in the AVX2 clone's instructions (target "avx2": no fused
// multiply-adds there either): partial sums 0-3 and 4-7 in two registers, the tail into lanes 0, 1, ... in
// order, then the lanes added one by one. The same bits as laneSum, which takes each float32 up to double
// before the subtraction, as loadDoubles does; the clone's own vectorisation of laneSum shuffled its operands
// about (3% of workload A's fit for 150 values a step in float64; 1.2% of float32 A's, against 0.5% here).
template <typename T>
__attribute__((target("avx2"), noinline)) inline double squaredErrorSumAvx2(size_t count, const T* A, const T* Y) {
  Double4 low = {}, high = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    const Double4 d0 = loadDoubles(A + i) - loadDoubles(Y + i);
    const Double4 d1 = loadDoubles(A + i + 4) - loadDoubles(Y + i + 4);
    low += d0 * d0;
    high += d1 * d1;
  }
  double partial[kLanes];
  storeVector(partial, low);
  storeVector(partial + 4, high);
  for (size_t lane = 0; i < count; ++i, ++lane) {
    const double d = static_cast<double>(A[i]) - static_cast<double>(Y[i]);
    partial[lane] += d * d;
  }
  double sum = 0.0;
  for (size_t lane = 0; lane < kLanes; ++lane) sum += partial[lane];
  return sum;
}

// The small-network step's output layer for squared error (issue 20, workload A; network.h smallStep):
// lossValue's sum and outputDelta's delta in one pass over the contiguous rows x outputs elements of A and the
// gathered targets Y, where two passes had each read both. The loss is squaredErrorSumAvx2's, the same lanes
// in the same order (groups of eight, then the tail into lanes 0, 1, ...), each value taken to double before
// the subtraction; the delta is outputDelta's expression, scale (a - y) times a (1 - a) for a sigmoid output,
// in T (another activation's backward follows, as in outputDelta). In the AVX2 clone's instructions (target
// "avx2": no fused multiply-adds, as in outputDelta's and lossValue's AVX2 clones, whose bits these are); the
// caller takes it only where those clones are the ones chosen (avx2CloneChosen). Returns the mean loss.
template <typename T>
__attribute__((target("avx2"), noinline)) double squaredErrorOutput(ActivationCode outputActivation, size_t rows,
                                                                    size_t cols, const T* A, const T* Y,
                                                                    T* __restrict delta) {
  const size_t count = rows * cols;
  const T scale = T(2) / static_cast<T>(count);
  const bool sigmoid = outputActivation == ActivationCode::Sigmoid;
  Double4 low = {}, high = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    const Double4 d0 = loadDoubles(A + i) - loadDoubles(Y + i);
    const Double4 d1 = loadDoubles(A + i + 4) - loadDoubles(Y + i + 4);
    low += d0 * d0;
    high += d1 * d1;
    // A fixed trip count: GCC makes it whole vectors (two of double, one of float).
    if (sigmoid) {
      for (size_t k = i; k < i + kLanes; ++k) delta[k] = (scale * (A[k] - Y[k])) * (A[k] * (T(1) - A[k]));
    } else {
      for (size_t k = i; k < i + kLanes; ++k) delta[k] = scale * (A[k] - Y[k]);
    }
  }
  double partial[kLanes];
  storeVector(partial, low);
  storeVector(partial + 4, high);
  for (size_t lane = 0; i < count; ++i, ++lane) {
    const double d = static_cast<double>(A[i]) - static_cast<double>(Y[i]);
    partial[lane] += d * d;
    const T g = scale * (A[i] - Y[i]);
    delta[i] = sigmoid ? g * (A[i] * (T(1) - A[i])) : g;
  }
  double sum = 0.0;
  for (size_t lane = 0; lane < kLanes; ++lane) sum += partial[lane];
  if (!sigmoid) activation<T>(outputActivation).backward(rows, cols, A, delta, delta);
  return sum / static_cast<double>(count);
}
#endif

template <typename T>
BLASNET_MULTIVERSION double lossValue(LossCode loss, size_t rows, size_t cols, const T* Z, const T* A, const T* Y) {
  const size_t count = rows * cols;
  double sum = 0.0;
  switch (loss) {
    case LossCode::MeanSquaredError:
#ifdef BLASNET_AVX2_CHAINS
      if (avx2CloneChosen()) return squaredErrorSumAvx2(count, A, Y) / static_cast<double>(count);
#endif
      sum = laneSum(count, [&](size_t i) {
        const double d = static_cast<double>(A[i]) - static_cast<double>(Y[i]);
        return d * d;
      });
      return sum / static_cast<double>(count);
    case LossCode::BinaryCrossEntropy:
      sum = laneSum(count, [&](size_t i) { return binaryCrossEntropyFromLogit(Z[i], Y[i]); });
      return sum / static_cast<double>(count);
    case LossCode::CrossEntropy:
      // -sum_j y_j log softmax(z)_j = sum_j y_j (logsumexp(z) - z_j), with logsumexp shifted by the max.
      for (size_t r = 0; r < rows; ++r) {
        const T* z = Z + r * cols;
        const T* y = Y + r * cols;
        double max = z[0];
        for (size_t j = 1; j < cols; ++j) max = z[j] > max ? static_cast<double>(z[j]) : max;
        double expSum = 0.0;
        for (size_t j = 0; j < cols; ++j) expSum += vexp(static_cast<double>(z[j]) - max);
        const double logSumExp = max + std::log(expSum);
        for (size_t j = 0; j < cols; ++j) sum += static_cast<double>(y[j]) * (logSumExp - static_cast<double>(z[j]));
      }
      return sum / static_cast<double>(rows);
  }
  return 0.0;
}

// delta = d(loss)/dz for the output layer. The cross-entropies use their closed forms with the activation
// they require; squared error works with any activation through that activation's backward pass. Only A is
// needed (every derivative comes from A), which lets the network kernels write delta over the output z.
template <typename T>
BLASNET_MULTIVERSION void outputDelta(LossCode loss, ActivationCode outputActivation, size_t rows, size_t cols,
                                      const T* A, const T* Y, T* delta) {
  const size_t count = rows * cols;
  switch (loss) {
    case LossCode::MeanSquaredError: {
      const T scale = T(2) / static_cast<T>(count);
      if (outputActivation == ActivationCode::Sigmoid) {
        // The two passes below in one (issue 20, workload A's output layer): Sigmoid::backward's g * (a (1 - a))
        // on g = scale (a - y), the same operations in the same order (none of them a multiply-add GCC could
        // contract), so the same bits; test/backend/small-step-bits.test.ts pins them to outputDelta's parts.
        for (size_t i = 0; i < count; ++i) {
          const T a = A[i];
          delta[i] = (scale * (a - Y[i])) * (a * (T(1) - a));
        }
        return;
      }
      for (size_t i = 0; i < count; ++i) delta[i] = scale * (A[i] - Y[i]);
      activation<T>(outputActivation).backward(rows, cols, A, delta, delta);
      return;
    }
    case LossCode::BinaryCrossEntropy: {
      const T scale = T(1) / static_cast<T>(count);
      for (size_t i = 0; i < count; ++i) delta[i] = scale * (A[i] - Y[i]);
      return;
    }
    case LossCode::CrossEntropy: {
      // d/dz_j of sum_k y_k (logsumexp(z) - z_k) is a_j * sum(y) - y_j; with one-hot or probability
      // targets sum(y) = 1 and this is the familiar a - y, but the general form stays exact for any y.
      const T scale = T(1) / static_cast<T>(rows);
      for (size_t r = 0; r < rows; ++r) {
        const T* a = A + r * cols;
        const T* y = Y + r * cols;
        T* d = delta + r * cols;
        T targetSum = T(0);
        for (size_t j = 0; j < cols; ++j) targetSum += y[j];
        for (size_t j = 0; j < cols; ++j) d[j] = scale * (a[j] * targetSum - y[j]);
      }
      return;
    }
  }
}

}  // namespace blasnet::kernels
