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

#include "second_thread.h"
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

// Whether sgdApply, as dispatched on this CPU, rounds learningRate * g before it subtracts: its AVX2 and
// baseline clones do (no fused multiply-add in their targets), as does the small kernel's update in the
// gradient product's stores (small_gemm.h, layerGradients with Q), which network.h may take in its place
// only then. Its AVX-512 clone contracts the two into one fused multiply-add, rounded once; so does a build
// without clones whose own target has fused multiply-adds.
inline bool sgdApplyRoundsTwice() {
#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__) && !defined(BLASNET_NO_MULTIVERSION) && \
    !defined(__SANITIZE_ADDRESS__)
  return !__builtin_cpu_supports("avx512f");  // the clones' own order (simd.h, BLASNET_MULTIVERSION)
#elif defined(__FMA__)
  return false;
#else
  return true;
#endif
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

// sgdStaysFinite and sgdApply over [begin, end) of a job, as second_thread.h runs them.
template <typename T>
struct SgdJob {
  T learningRate;
  T* params;
  const T* gradients;
};

template <typename T>
bool sgdStaysFiniteOver(void* job, size_t begin, size_t end) {
  const auto* sgd = static_cast<const SgdJob<T>*>(job);
  return sgdStaysFinite<T>(end - begin, sgd->learningRate, sgd->params + begin, sgd->gradients + begin);
}

template <typename T>
bool sgdApplyOver(void* job, size_t begin, size_t end) {
  const auto* sgd = static_cast<const SgdJob<T>*>(job);
  sgdApply<T>(end - begin, sgd->learningRate, sgd->params + begin, sgd->gradients + begin);
  return true;
}

// sgdApply, split over blasnet's second thread where that pays (OpenBLAS at several threads, a large
// vector): each half is sgdApply over its elements, so the bits are the one-thread loop's.
template <typename T>
void sgdApplySplit(size_t n, T learningRate, T* params, const T* gradients) {
  if (!splitPays(n)) return sgdApply<T>(n, learningRate, params, gradients);
  SgdJob<T> job{learningRate, params, gradients};
  runOnTwoThreads(n, &sgdApplyOver<T>, &job);
}

// Plain SGD, params -= learningRate * gradients (sgdStep's arithmetic without momentum or decay), applied
// only if every result is finite; returns whether it was. A refused update leaves params exactly as they
// were, so the caller needs no copy to roll back.
//
// Large vectors with OpenBLAS running several threads split both passes over blasnet's second thread
// (second_thread.h): the check of both halves finishes before either half is written. Each element's
// result is the one-thread loop's, so 1 and 2 threads give the same bits. (Until issue 20's fifth session
// this route took OpenBLAS's threaded ddot and daxpy, whose share tails round without a fused
// multiply-add: a few weights' last bits differed from the one-thread update; CHANGELOG.md.)
template <typename T>
bool sgdStepIfFinite(size_t n, T learningRate, T* params, const T* gradients) {
  if (!splitPays(n)) return sgdStepIfFiniteInOnePass<T>(n, learningRate, params, gradients);
  SgdJob<T> job{learningRate, params, gradients};
  if (!runOnTwoThreads(n, &sgdStaysFiniteOver<T>, &job)) return false;
  runOnTwoThreads(n, &sgdApplyOver<T>, &job);
  return true;
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
