// Vectorisation support for the elementwise kernels.
//
// Loops vectorise only when every step can be done for all lanes at once: selections between values that
// were both computed (no division or call inside one arm of a ternary), no library calls, no branches.
//
// BLASNET_MULTIVERSION compiles a function three times (AVX-512, AVX2, and the x86-64 baseline) and
// picks one at load time for the CPU it runs on (GCC/Clang function multiversioning through glibc's
// ifunc), so one binary is both portable and fast. Elsewhere it expands to nothing and the compiler's
// own target is used.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__) && !defined(BLASNET_NO_MULTIVERSION) && \
    !defined(__SANITIZE_ADDRESS__)
// Clones are chosen by instruction set (cpu_supports), not by CPU model: "arch=" clones would dispatch on
// the model name and miss every CPU newer than the compiler.
#define BLASNET_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BLASNET_MULTIVERSION
#endif

namespace blasnet::kernels {

inline double bitsToDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

inline uint64_t doubleToBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

// 2^k for an integer-valued double k in [-1022, 1023], built from its bits: adding 1.5 * 2^52 leaves k in
// the low mantissa bits, so only integer adds and shifts follow, which vectorise on every x86 level.
inline double powerOfTwo(double k) {
  constexpr double kShift = 0x1.8p52;
  const uint64_t integer = doubleToBits(k + kShift) - doubleToBits(kShift);
  return bitsToDouble((integer + 1023) << 52);
}

// exp(x), written without branches or library calls so that a loop over it vectorises. Within 2 ulp of
// std::exp over the whole range, subnormal results included; exp(+-inf) = inf and 0, exp(NaN) = NaN.
// Range reduction: x = k ln2 + r with |r| <= ln2/2 (ln2 split in two so k ln2 is exact), then exp(r) by
// its Taylor series to degree 13 (truncation below 4e-18), then the result is scaled by 2^k in two steps
// so that neither factor overflows or underflows on its own.
inline double vexp(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 significant bits: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShift = 0x1.8p52;
  // Comparisons written so NaN passes through untouched.
  const double clamped = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  const double k = (clamped * kLog2e + kShift) - kShift;  // round to nearest
  const double r = (clamped - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const double half = (k * 0.5 + kShift) - kShift;
  return p * powerOfTwo(half) * powerOfTwo(k - half);
}

inline float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint32_t floatToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// 2^k for an integer-valued float k in [-126, 127], as powerOfTwo(double) does it.
inline float powerOfTwo(float k) {
  constexpr float kShift = 0x1.8p23f;
  const uint32_t integer = floatToBits(k + kShift) - floatToBits(kShift);
  return bitsToFloat((integer + 127) << 23);
}

// exp(x) in float arithmetic, as vexp(double) is built (no branches, no calls): a float32 loop computes
// eight lanes per AVX2 register instead of converting to double and back four at a time (the float32
// sigmoid was as slow as the float64 one). Taylor series to degree 7 (truncation below 6e-9, under half
// an ulp), ln2 split so k * kLn2Hi is exact for |k| <= 150, the scale applied in two steps so subnormal
// results and overflow to infinity come out as exp's. Within 2 ulp of the correctly rounded exp(x) over
// the whole float range (checked over every 97th float; bench/README.md, "What we tried").
inline float vexp(float x) {
  constexpr float kLog2e = 1.44269504f;
  constexpr float kLn2Hi = 0.693359375f;  // 9 significant bits
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kShift = 0x1.8p23f;
  const float clamped = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
  const float k = (clamped * kLog2e + kShift) - kShift;
  const float r = (clamped - k * kLn2Hi) - k * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float half = (k * 0.5f + kShift) - kShift;
  return p * powerOfTwo(half) * powerOfTwo(k - half);
}

}  // namespace blasnet::kernels
