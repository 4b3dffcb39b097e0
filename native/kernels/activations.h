// Activation functions, forward and backward, as one table indexed by the code the TS layer passes.
// An elementwise activation is a struct with value(z) and backward(a, g); adding one is that struct plus
// one line in activation(). Softmax couples a row, so it has its own forward and backward.
//
// Every backward is written in terms of the activation a = f(z), never z, as PyTorch's own backward
// formulas are (threshold_backward on the result, sigmoid_backward and tanh_backward on the output). That
// is what lets the network kernels compute z in place in a's buffer and keep no copy of z for the hidden
// layers (native/kernels/network.h). An activation whose derivative needs z would need z kept there.
#pragma once

#include <cmath>
#include <cstddef>

#include "simd.h"

namespace blasnet::kernels {

// The codes are part of the contract with lib/backend/kernels.ts (ActivationCode): append, never renumber.
enum class ActivationCode : int { Identity = 0, Relu = 1, Sigmoid = 2, Tanh = 3, LeakyRelu = 4, Softmax = 5 };
constexpr int kActivationCount = 6;

// Split at zero so exp never overflows: e = exp(-|z|) <= 1 on both sides, sigmoid(z) = 1 / (1 + e) for
// z >= 0 and e / (1 + e) below. Both sides come from one division (the costliest step of the loop) and one
// is selected, which keeps the loop free of branches; e * (1 / (1 + e)) is within an ulp of e / (1 + e).
template <typename T>
inline T stableSigmoid(T z) {
  const T e = vexp(z >= T(0) ? -z : z);
  const T positive = T(1) / (T(1) + e);
  const T negative = e * positive;
  return z >= T(0) ? positive : negative;
}

// Each activation: value(z), and backward(a, g) = g * f'(z) given a = f(z).
struct Identity {
  static constexpr bool kChained = false;
  template <typename T>
  static T value(T z) {
    return z;
  }
  template <typename T>
  static T backward(T, T g) {
    return g;
  }
};

// The derivative at exactly 0 is taken as 0, as PyTorch does. a > 0 exactly when z > 0 (NaN included), so
// testing a is testing z. Backward selects rather than multiplies, so an inactive unit passes 0 even when
// the incoming gradient is infinite (PyTorch's threshold_backward).
struct Relu {
  static constexpr bool kChained = false;
  template <typename T>
  static T value(T z) {
    return z > T(0) ? z : T(0);
  }
  template <typename T>
  static T backward(T a, T g) {
    return a > T(0) ? g : T(0);
  }
};

// The derivative uses the activation a = sigmoid(z) that forward already computed: a(1 - a) is sigmoid'(z).
// (The seed evaluated sigmoid' at a instead of z; that is the bug this form cannot have.)
struct Sigmoid {
  static constexpr bool kChained = true;  // elementwiseForward runs it on several registers at once
  template <typename T>
  static T value(T z) {
    return stableSigmoid(z);
  }
  template <typename T>
  static T backward(T a, T g) {
    return g * (a * (T(1) - a));
  }
};

struct Tanh {
  static constexpr bool kChained = false;
  template <typename T>
  static T value(T z) {
    return std::tanh(z);
  }
  template <typename T>
  static T backward(T a, T g) {
    return g * (T(1) - a * a);
  }
};

// PyTorch's default negative slope. With a positive slope, a > 0 exactly when z > 0, as for Relu.
struct LeakyRelu {
  static constexpr bool kChained = false;
  template <typename T>
  static constexpr T slope() {
    return T(0.01);
  }
  template <typename T>
  static T value(T z) {
    const T scaled = slope<T>() * z;
    return z > T(0) ? z : scaled;
  }
  template <typename T>
  static T backward(T a, T g) {
    const T scaled = slope<T>() * g;
    return a > T(0) ? g : scaled;
  }
};

#ifdef BLASNET_AVX2_CHAINS
// stableSigmoid on kChains AVX2 registers at once (simd.h's vexpChains, which says why): the same operations
// on each value in the same order as the AVX2 clone of the loop below, so the same bits. Returns how many
// values it did; the loop does the rest. float32 on AVX2 CPUs without FMA only: with FMA both types take
// sigmoidFmaAvx2 (below).
template <typename V, typename T>
BLASNET_AVX2 void sigmoidBlockAvx2(const T* Z, T* A) {
  constexpr size_t kLanes = sizeof(V) / sizeof(T);
  const V zero = V{};
  V z[kChains], x[kChains], e[kChains], a[kChains];
  for (int c = 0; c < kChains; ++c) {
    z[c] = loadVector(Z + c * kLanes);
    x[c] = z[c] >= zero ? -z[c] : z[c];
  }
  vexpChains(x, e);
  for (int c = 0; c < kChains; ++c) {
    const V positive = T(1) / (T(1) + e[c]);
    const V negative = e[c] * positive;
    a[c] = z[c] >= zero ? positive : negative;
  }
  stepTogether(a);
  for (int c = 0; c < kChains; ++c) storeVector(A + c * kLanes, a[c]);
}

template <typename V, typename T>
__attribute__((target("avx2"), noinline)) size_t sigmoidChainsAvx2(size_t count, const T* Z, T* A) {
  constexpr size_t kLanes = sizeof(V) / sizeof(T);
  constexpr size_t kBlock = kLanes * kChains;
  size_t i = 0;
  for (; i + kBlock <= count; i += kBlock) sigmoidBlockAvx2<V>(Z + i, A + i);
  // A tail of more than one register after whole blocks (22 of float32 A's 150 outputs a step, 6 of
  // float64's) through one more block, padded with zeros on the stack: the loop took it a register and then
  // a value at a time, each a chain of its own latency (1.4% of float32 A's fit for those 22 values). A
  // single call of a few values (a 1-row predict) stays with the loop, where the block would cost more.
  const size_t tail = count - i;
  if (i > 0 && tail > kLanes) {
    alignas(32) T z[kBlock] = {}, a[kBlock];
    for (size_t j = 0; j < tail; ++j) z[j] = Z[i + j];
    sigmoidBlockAvx2<V>(z, a);
    for (size_t j = 0; j < tail; ++j) A[i + j] = a[j];
    i = count;
  }
  return i;
}

// The sigmoid on AVX2 CPUs with FMA, float64 and float32: stableSigmoid's form over simd.h's expNonPositiveFma,
// whose last bits differ from vexp's (bench/README.md, "What we tried" 65 and 67). -|z| is z with its sign bit
// set; the numerator, e for z below zero and 1 above, is chosen by z's sign bit (a blend on it, no compare) and
// divided once by 1 + e, so e / (1 + e) is rounded once where stableSigmoid's e * (1 / (1 + e)) rounds twice
// (and one operation fewer). At z = -0 it is 1/2, as at +0; a NaN z gives NaN. sigmoidFma is one value: the
// block's operations on one lane, so the same bits.
BLASNET_AVX2_FMA double sigmoidFma(double z) {
  const uint64_t bits = doubleToBits(z);
  const double e = expNonPositiveFma(bitsToDouble(bits | (uint64_t{1} << 63)));
  return ((bits >> 63) != 0 ? e : 1.0) / (1.0 + e);
}

// The same in float32 (simd.h's float expNonPositiveFma; bench/README.md, "What we tried" 67).
BLASNET_AVX2_FMA float sigmoidFma(float z) {
  const uint32_t bits = floatToBits(z);
  const float e = expNonPositiveFma(bitsToFloat(bits | (uint32_t{1} << 31)));
  return ((bits >> 31) != 0 ? e : 1.0f) / (1.0f + e);
}

BLASNET_AVX2_FMA void sigmoidBlockFma(const double* Z, double* A) {
  const Int64x4 sign = Int64x4{} + static_cast<long long>(uint64_t{1} << 63);
  Double4 z[kChains], x[kChains], e[kChains], a[kChains];
  for (int c = 0; c < kChains; ++c) {
    z[c] = loadVector(Z + c * 4);
    x[c] = reinterpret_cast<Double4>(reinterpret_cast<Int64x4>(z[c]) | sign);
  }
  expNonPositiveFmaChains(x, e);
  for (int c = 0; c < kChains; ++c) {
    const Double4 numerator = __builtin_ia32_blendvpd256(Double4{} + 1.0, e[c], z[c]);  // e where z's sign is set
    a[c] = numerator / (1.0 + e[c]);
  }
  stepTogether(a);
  for (int c = 0; c < kChains; ++c) storeVector(A + c * 4, a[c]);
}

BLASNET_AVX2_FMA void sigmoidBlockFma(const float* Z, float* A) {
  const Int32x8 sign = Int32x8{} + static_cast<int>(uint32_t{1} << 31);
  Float8 z[kChains], x[kChains], e[kChains], a[kChains];
  for (int c = 0; c < kChains; ++c) {
    z[c] = loadVector(Z + c * 8);
    x[c] = reinterpret_cast<Float8>(reinterpret_cast<Int32x8>(z[c]) | sign);
  }
  expNonPositiveFmaChains(x, e);
  for (int c = 0; c < kChains; ++c) {
    const Float8 numerator = __builtin_ia32_blendvps256(Float8{} + 1.0f, e[c], z[c]);  // e where z's sign is set
    a[c] = numerator / (1.0f + e[c]);
  }
  stepTogether(a);
  for (int c = 0; c < kChains; ++c) storeVector(A + c * 8, a[c]);
}

// Every value of the call: whole blocks of four registers (16 float64, 32 float32), a tail of more than one
// register after them through one more block padded with zeros (as sigmoidChainsAvx2), the rest through
// sigmoidFma (a loop GCC vectorises: a 1-row predict's 10 float64 values 53-72 -> 25 ns).
template <typename T>
__attribute__((target("avx2,fma"), noinline)) void sigmoidFmaAvx2(size_t count, const T* Z, T* A) {
  constexpr size_t kLanes = 32 / sizeof(T);
  constexpr size_t kBlock = kLanes * kChains;
  size_t i = 0;
  if constexpr (sizeof(T) == 4) {
    // float32: a tail of more than one register after whole blocks through one more block over the call's
    // last 32 values, overlapping the block before (its values computed again: lane by lane the same
    // operations, so the same bits), read from a copy made before any block is written, since A may be Z
    // (a hidden layer's activation is applied in place). Four whole-register copies where the padded block
    // below copies the tail a value at a time both ways (float32 A's 22 of 150 outputs a step).
    const size_t tail = count % kBlock;
    if (count > kBlock && tail > kLanes) {
      alignas(32) T last[kBlock];
      for (size_t j = 0; j < kBlock; j += kLanes) storeVector(last + j, loadVector(Z + count - kBlock + j));
      for (; i + kBlock <= count; i += kBlock) sigmoidBlockFma(Z + i, A + i);
      sigmoidBlockFma(last, A + count - kBlock);
      return;
    }
  }
  for (; i + kBlock <= count; i += kBlock) sigmoidBlockFma(Z + i, A + i);
  const size_t tail = count - i;
  if (i > 0 && tail > kLanes) {
    alignas(32) T z[kBlock] = {}, a[kBlock];
    for (size_t j = 0; j < tail; ++j) z[j] = Z[i + j];
    sigmoidBlockFma(z, a);
    for (size_t j = 0; j < tail; ++j) A[i + j] = a[j];
    return;
  }
  for (; i < count; ++i) A[i] = sigmoidFma(Z[i]);
}
#endif

template <typename Fn, typename T>
BLASNET_MULTIVERSION void elementwiseForward(size_t rows, size_t cols, const T* Z, T* A) {
  const size_t count = rows * cols;
  size_t i = 0;
#ifdef BLASNET_AVX2_CHAINS
  if constexpr (Fn::kChained) {
    if (avx2FmaSigmoidChosen()) return sigmoidFmaAvx2(count, Z, A);
    if constexpr (sizeof(T) == 4) {
      if (avx2CloneChosen()) i = sigmoidChainsAvx2<Float8>(count, Z, A);
    }
  }
#endif
  for (; i < count; ++i) A[i] = Fn::value(Z[i]);
}

// out = G * f'(Z), from A = f(Z). Each element reads its inputs before writing, so out may be G or A itself.
template <typename Fn, typename T>
BLASNET_MULTIVERSION void elementwiseBackward(size_t rows, size_t cols, const T* A, const T* G, T* out) {
  const size_t count = rows * cols;
  for (size_t i = 0; i < count; ++i) out[i] = Fn::backward(A[i], G[i]);
}

// Shifting by the row maximum keeps exp in range; the result is unchanged mathematically. Each z_j is read
// before a_j is written, so A may be Z itself.
template <typename T>
BLASNET_MULTIVERSION void softmaxForward(size_t rows, size_t cols, const T* Z, T* A) {
  if (cols == 0) return;  // rows may be up to 2^31 with nothing to touch: do not walk them
  for (size_t r = 0; r < rows; ++r) {
    const T* z = Z + r * cols;
    T* a = A + r * cols;
    T max = z[0];
    for (size_t j = 1; j < cols; ++j) max = z[j] > max ? z[j] : max;
    T sum = T(0);
    for (size_t j = 0; j < cols; ++j) {
      a[j] = vexp(z[j] - max);
      sum += a[j];
    }
    for (size_t j = 0; j < cols; ++j) a[j] /= sum;
  }
}

// The Jacobian-vector product of softmax: out_j = a_j * (g_j - sum_k g_k a_k). The dot product is taken
// before any write, so out may be G or A itself.
template <typename T>
BLASNET_MULTIVERSION void softmaxBackward(size_t rows, size_t cols, const T* A, const T* G, T* out) {
  if (cols == 0) return;
  for (size_t r = 0; r < rows; ++r) {
    const T* a = A + r * cols;
    const T* g = G + r * cols;
    T* o = out + r * cols;
    T dot = T(0);
    for (size_t j = 0; j < cols; ++j) dot += g[j] * a[j];
    for (size_t j = 0; j < cols; ++j) o[j] = a[j] * (g[j] - dot);
  }
}

template <typename T>
struct ActivationOps {
  const char* name;
  void (*forward)(size_t rows, size_t cols, const T* Z, T* A);
  void (*backward)(size_t rows, size_t cols, const T* A, const T* G, T* out);
};

template <typename Fn, typename T>
constexpr ActivationOps<T> elementwise(const char* name) {
  return {name, &elementwiseForward<Fn, T>, &elementwiseBackward<Fn, T>};
}

// Indexed by ActivationCode.
template <typename T>
const ActivationOps<T>& activation(ActivationCode code) {
  static constexpr ActivationOps<T> table[kActivationCount] = {
      elementwise<Identity, T>("identity"),   elementwise<Relu, T>("relu"),
      elementwise<Sigmoid, T>("sigmoid"),     elementwise<Tanh, T>("tanh"),
      elementwise<LeakyRelu, T>("leakyRelu"), {"softmax", &softmaxForward<T>, &softmaxBackward<T>},
  };
  return table[static_cast<int>(code)];
}

}  // namespace blasnet::kernels
