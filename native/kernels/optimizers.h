// Optimizer updates over a whole parameter vector in one pass, each exactly as PyTorch writes it (so a
// learning rate or a schedule carries over, and our tests can pin the numbers to PyTorch's):
//   SGD:   torch.optim.SGD(lr, momentum, nesterov, weight_decay), dampening 0
//   Adam:  torch.optim.Adam(lr, betas, eps, weight_decay)      (L2 decay folded into the gradient)
//   AdamW: torch.optim.AdamW(lr, betas, eps, weight_decay)     (decoupled: p *= 1 - lr wd first)
// State (velocity; first and second moments) lives in caller-owned buffers that start at zero.
#pragma once

#include <climits>
#include <cmath>
#include <cstddef>

#include "blas.h"
#include "simd.h"

namespace blasnet::kernels {

// With momentum 0 the velocity buffer is not touched (it may be empty).
template <typename T>
BLASNET_MULTIVERSION void sgdStep(size_t n, T learningRate, T momentum, bool nesterov, T weightDecay, T* params,
                                  const T* gradients, T* velocity) {
  if (momentum == T(0)) {
    for (size_t i = 0; i < n; ++i) {
      const T g = weightDecay != T(0) ? gradients[i] + weightDecay * params[i] : gradients[i];
      params[i] -= learningRate * g;
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const T g = weightDecay != T(0) ? gradients[i] + weightDecay * params[i] : gradients[i];
    // PyTorch starts the buffer at the first gradient; a zero buffer times momentum plus g is the same.
    const T v = momentum * velocity[i] + g;
    velocity[i] = v;
    const T step = nesterov ? g + momentum * v : v;
    params[i] -= learningRate * step;
  }
}

// Whether params - learningRate * gradients is finite everywhere, written nowhere. (v * 0 is 0 for finite v
// and NaN otherwise; summed, one NaN or infinity poisons the sum. 32 independent sums, so the loop
// vectorises into four AVX-512 accumulators: with one, each addition waited for the last and the check
// cost more than the update itself, 8% of a 64-15-10 step.)
template <typename T>
BLASNET_MULTIVERSION bool sgdStaysFinite(size_t n, T learningRate, const T* params, const T* gradients) {
  constexpr size_t kLanes = 32;
  T poison[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      poison[lane] += (params[i + lane] - learningRate * gradients[i + lane]) * T(0);
    }
  }
  for (; i < n; ++i) poison[0] += (params[i] - learningRate * gradients[i]) * T(0);
  for (size_t lane = 0; lane < kLanes; ++lane) {
    if (poison[lane] != T(0)) return false;
  }
  return true;
}

// params -= learningRate * gradients, unchecked.
template <typename T>
BLASNET_MULTIVERSION void sgdApply(size_t n, T learningRate, T* params, const T* gradients) {
  for (size_t j = 0; j < n; ++j) params[j] -= learningRate * gradients[j];
}

// sgdStepIfFinite (below) on this thread: params -= learningRate * gradients, applied only if every result
// is finite. The check is its own pass, before any write, so a refused update leaves params as they were.
// layer_steps.h runs the two passes apart, a layer at a time.
template <typename T>
bool sgdStepIfFiniteInOnePass(size_t n, T learningRate, T* params, const T* gradients) {
  if (!sgdStaysFinite<T>(n, learningRate, params, gradients)) return false;
  sgdApply<T>(n, learningRate, params, gradients);
  return true;
}

// Plain SGD, params -= learningRate * gradients (sgdStep's arithmetic without momentum or decay), applied
// only if every result is finite; returns whether it was. A refused update leaves params exactly as they
// were, so the caller needs no copy to roll back.
//
// Large vectors with OpenBLAS running several threads take OpenBLAS's threaded level-1 routines instead
// of the one-thread pass above (B's 670,000 parameters at 2 threads: 0.44 ms instead of 0.84): if both
// sums of squares are finite, every |gradient| and |param| is below sqrt(max) (about 1.3e154 in float64,
// 1.8e19 in float32), so with |learningRate| <= 1e15 every result is finite and axpy may write without a
// check. A NaN, an infinity or a huge value makes a sum non-finite, and the exact check above decides.
// axpy computes params + (-learningRate) * gradients with one rounding, as the pass above does where the
// CPU has fused multiply-adds: the same bits (checked on the bench machine, all 670,000 of B's).
template <typename T>
bool sgdStepIfFinite(size_t n, T learningRate, T* params, const T* gradients) {
  constexpr size_t kThreadedFrom = size_t(1) << 16;  // below, waking OpenBLAS's threads costs more than it saves
  if (n >= kThreadedFrom && n <= size_t(INT_MAX) && blas::threads() > 1 && std::abs(learningRate) <= T(1e15)) {
    const int count = static_cast<int>(n);
    if (std::isfinite(blas::dot(count, gradients, gradients)) && std::isfinite(blas::dot(count, params, params))) {
      blas::axpy(count, -learningRate, gradients, params);
      return true;
    }
  }
  return sgdStepIfFiniteInOnePass<T>(n, learningRate, params, gradients);
}

// `step` is the 1-based count of updates including this one (for the bias corrections).
template <typename T>
BLASNET_MULTIVERSION void adamStep(size_t n, T learningRate, T beta1, T beta2, T epsilon, T weightDecay, bool decoupled,
                                   double step, T* params, const T* gradients, T* m, T* v) {
  const T correction1 = T(1) - static_cast<T>(std::pow(static_cast<double>(beta1), step));
  const T correction2 = T(1) - static_cast<T>(std::pow(static_cast<double>(beta2), step));
  const T stepSize = learningRate / correction1;
  const T correction2Sqrt = std::sqrt(correction2);
  const T shrink = T(1) - learningRate * weightDecay;
  for (size_t i = 0; i < n; ++i) {
    T p = params[i];
    T g = gradients[i];
    if (weightDecay != T(0)) {
      if (decoupled) {
        p = p * shrink;
      } else {
        g = g + weightDecay * p;
      }
    }
    const T first = m[i] * beta1 + (T(1) - beta1) * g;
    const T second = v[i] * beta2 + (T(1) - beta2) * g * g;
    m[i] = first;
    v[i] = second;
    const T denominator = std::sqrt(second) / correction2Sqrt + epsilon;
    params[i] = p - stepSize * (first / denominator);
  }
}

}  // namespace blasnet::kernels
