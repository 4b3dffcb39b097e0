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

// ---- exp on four AVX2 registers side by side, for the sigmoid on AVX2-only CPUs (activations.h).
//
// The vectorised loop over vexp runs one register's chain of ~40 dependent operations (Horner's 13 steps,
// the scaling, then the sigmoid's division) at a time: on AMD's Zen cores the floating-point scheduler
// fills with that chain's waiting operations, so the loop ran at the chain's latency, not the core's
// throughput. The chains below take each step for kChains registers before the next step; an empty asm
// after every step holds the compiler to that order (GCC otherwise regrouped the work chain by chain).
// expNonPositiveFmaChains (float64 and float32, where the CPU has FMA): an exp of its own, with a scalar
// twin of the same operations. vexpChains (float32 where the CPU has AVX2 but not FMA): each element gets
// exactly vexp(float)'s operations, in its order, in the instructions of the AVX2 clone of a
// BLASNET_MULTIVERSION loop (target "avx2", so no fused multiply-adds there or here): the same bits as the
// loop. Both checked value by value against their
// scalar versions (test/backend/sigmoid-bits.test.ts). AVX-512 CPUs keep the loop: its clone contracts
// a * b + c into fused multiply-adds, and that clone was not timed or checked here.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__) && !defined(BLASNET_NO_MULTIVERSION) && \
    !defined(__SANITIZE_ADDRESS__)
#define BLASNET_AVX2_CHAINS 1
#define BLASNET_AVX2 __attribute__((target("avx2"), always_inline)) inline
constexpr int kChains = 4;
using Double4 = double __attribute__((vector_size(32)));
using Int64x4 = long long __attribute__((vector_size(32)));
using Float8 = float __attribute__((vector_size(32)));
using Int32x8 = int __attribute__((vector_size(32)));
// The same vectors at any element-aligned address, for loads and stores (a memcpy into a vector was compiled
// as two 16-byte stores and a 32-byte load, which the store buffer cannot forward: a stall per register).
using Double4Unaligned = double __attribute__((vector_size(32), aligned(8), may_alias));
using Float8Unaligned = float __attribute__((vector_size(32), aligned(4), may_alias));

// The same, with no target of their own, for code that every clone of a BLASNET_MULTIVERSION function
// inlines (each lowers the vector to its own registers: two SSE2 ones in the baseline clone). Through
// pointers, not by value: the baseline clone has no ABI for passing 32-byte vectors (GCC's -Wpsabi).
__attribute__((always_inline)) inline void loadAnyTarget(Double4* v, const double* p) {
  *v = *reinterpret_cast<const Double4Unaligned*>(p);
}
__attribute__((always_inline)) inline void loadAnyTarget(Float8* v, const float* p) {
  *v = *reinterpret_cast<const Float8Unaligned*>(p);
}
__attribute__((always_inline)) inline void storeAnyTarget(double* p, const Double4* v) {
  *reinterpret_cast<Double4Unaligned*>(p) = *v;
}
__attribute__((always_inline)) inline void storeAnyTarget(float* p, const Float8* v) {
  *reinterpret_cast<Float8Unaligned*>(p) = *v;
}

BLASNET_AVX2 Double4 loadVector(const double* p) { return *reinterpret_cast<const Double4Unaligned*>(p); }
BLASNET_AVX2 Float8 loadVector(const float* p) { return *reinterpret_cast<const Float8Unaligned*>(p); }
BLASNET_AVX2 void storeVector(double* p, Double4 v) { *reinterpret_cast<Double4Unaligned*>(p) = v; }
BLASNET_AVX2 void storeVector(float* p, Float8 v) { *reinterpret_cast<Float8Unaligned*>(p) = v; }

// Every chain's value computed before any chain's next step (see above).
template <typename V>
BLASNET_AVX2 void stepTogether(V* v) {
  static_assert(kChains == 4);
  asm("" : "+x"(v[0]), "+x"(v[1]), "+x"(v[2]), "+x"(v[3]));
}

template <typename V, typename I>
BLASNET_AVX2 V vectorPowerOfTwo(V k, V shift, I bias, int mantissaBits) {
  const I integer = reinterpret_cast<I>(k + shift) - reinterpret_cast<I>(shift);
  return reinterpret_cast<V>((integer + bias) << mantissaBits);
}

// ---- exp(x) for x <= 0 with fused multiply-adds: the float64 sigmoid on AVX2 CPUs that have FMA.
//
// The sigmoid only ever takes exp(-|z|), so this exp needs no overflow side, and with FMA it needs far fewer
// operations than vexp (18 a register instead of ~47; bench/README.md, "What we tried" 65; the sigmoid of
// 150 values 405 -> 210 ns):
//   - k = round(x log2e) from one fused multiply-add with a shift constant, r = x - k ln2 in two more (ln2
//     in two parts; the first product is exact inside the FMA, so ln2's first part needs no short mantissa);
//   - exp(r) on |r| <= ln2/2 by a degree-11 minimax polynomial (relative error 3.4e-18, 0.03 ulp; vexp's
//     Taylor series needs degree 13 for the same), by Horner in fused multiply-adds;
//   - 2^k in one shift: the shift constant also adds kScaleExponent + 1023 to k in t's low bits, so t's bits
//     shifted left by 52 are 2^(k + kScaleExponent), a normal double for every k of x in [-746, 0]; the
//     polynomial's coefficients carry 2^-kScaleExponent (an exact scaling of every Horner step), so the one
//     product p * 2^(k + kScaleExponent) is exp(x), rounded once where it is subnormal, exact elsewhere.
// Within 1 ulp of the exact exp over [-746, 0] (0.93 ulp at worst over 34 million samples against long
// double's exp, bench/native/sigmoid_exp.cc; glibc's exp 0.51), subnormal results included, exp(-0) = 1,
// exp(-inf) = 0 through the clamp, and NaN gives NaN for every payload (the polynomial is NaN, and NaN times
// any scale is NaN). Every operation is correctly rounded (the scalar version's __builtin_fma is one
// vfmadd, as std::fma rounds once), so the scalar and the vector versions give the same bits value by value
// (test/backend/sigmoid-bits.test.ts). This is not vexp: its last bits differ.
constexpr int kScaleExponent = 64;
constexpr double kExpShift = 0x1.8p52 + (kScaleExponent + 1023);
constexpr double kExpLog2e = 0x1.71547652b82fep0;
constexpr double kExpLn2Hi = 0x1.62e42fefa39efp-1;   // ln2 rounded to double
constexpr double kExpLn2Lo = 0x1.abc9e3b39803fp-56;  // ln2 - kExpLn2Hi, rounded
constexpr double kExpLow = -746.0;                   // exp(-746) rounds to 0, as exp(-inf)
// 2^-64 * {1, 1, 1/2, ...}: the minimax polynomial's coefficients from degree 0 up (Remez, relative error,
// the constant term held at 1), each scaled by 2^-kScaleExponent (exact: the scaling is a power of two).
constexpr double kExpCoefficients[] = {
    0x1.0p-64,
    0x1.0000000000000p-64,
    0x1.000000000000bp-65,
    0x1.55555555554b3p-67,
    0x1.555555555018bp-69,
    0x1.111111112f842p-71,
    0x1.6c16c1855c9b0p-74,
    0x1.a01a0111ca790p-77,
    0x1.a01997574ceb6p-80,
    0x1.71df48ca0f8f7p-83,
    0x1.28af9ba726ca8p-86,
    0x1.ad597bec74a96p-90,
};
constexpr int kExpDegree = 11;
static_assert(sizeof kExpCoefficients / sizeof(double) == kExpDegree + 1);

#define BLASNET_AVX2_FMA __attribute__((target("avx2,fma"), always_inline)) inline

// exp(x) for x <= 0 or NaN, one value: the vector version's operations on one lane.
BLASNET_AVX2_FMA double expNonPositiveFma(double x) {
  const double clamped = x < kExpLow ? kExpLow : x;
  const double t = __builtin_fma(clamped, kExpLog2e, kExpShift);
  const double k = t - kExpShift;
  double r = __builtin_fma(k, -kExpLn2Hi, clamped);
  r = __builtin_fma(k, -kExpLn2Lo, r);
  // Written out rather than as a loop: a loop of this function's calls vectorises only without an inner loop.
  double p = kExpCoefficients[11];
  p = __builtin_fma(p, r, kExpCoefficients[10]);
  p = __builtin_fma(p, r, kExpCoefficients[9]);
  p = __builtin_fma(p, r, kExpCoefficients[8]);
  p = __builtin_fma(p, r, kExpCoefficients[7]);
  p = __builtin_fma(p, r, kExpCoefficients[6]);
  p = __builtin_fma(p, r, kExpCoefficients[5]);
  p = __builtin_fma(p, r, kExpCoefficients[4]);
  p = __builtin_fma(p, r, kExpCoefficients[3]);
  p = __builtin_fma(p, r, kExpCoefficients[2]);
  p = __builtin_fma(p, r, kExpCoefficients[1]);
  p = __builtin_fma(p, r, kExpCoefficients[0]);
  return p * bitsToDouble(doubleToBits(t) << 52);
}

// out[c] = expNonPositiveFma(x[c]) for c < kChains, lane by lane, each step over the four registers before
// the next (see above).
BLASNET_AVX2_FMA void expNonPositiveFmaChains(const Double4* x, Double4* out) {
  const Double4 shift = Double4{} + kExpShift, low = Double4{} + kExpLow;
  Double4 t[kChains], k[kChains], r[kChains], p[kChains];
  for (int c = 0; c < kChains; ++c) {
    const Double4 clamped = x[c] < low ? low : x[c];
    t[c] = __builtin_ia32_vfmaddpd256(clamped, Double4{} + kExpLog2e, shift);
    k[c] = t[c] - shift;
    r[c] = __builtin_ia32_vfmaddpd256(k[c], Double4{} - kExpLn2Hi, clamped);
  }
  stepTogether(r);
  for (int c = 0; c < kChains; ++c) r[c] = __builtin_ia32_vfmaddpd256(k[c], Double4{} - kExpLn2Lo, r[c]);
  stepTogether(r);
  for (int c = 0; c < kChains; ++c) p[c] = Double4{} + kExpCoefficients[kExpDegree];
  for (int i = kExpDegree - 1; i >= 0; --i) {
    const Double4 add = Double4{} + kExpCoefficients[i];
    for (int c = 0; c < kChains; ++c) p[c] = __builtin_ia32_vfmaddpd256(p[c], r[c], add);
    stepTogether(p);
  }
  for (int c = 0; c < kChains; ++c) out[c] = p[c] * reinterpret_cast<Double4>(reinterpret_cast<Int64x4>(t[c]) << 52);
  stepTogether(out);
}

// ---- The same for float32: exp(x) for x <= 0 with fused multiply-adds, the float32 sigmoid on those CPUs.
//
// expNonPositiveFma's steps in float (bench/README.md, "What we tried" 67; 14 operations a register where
// vexpChains takes ~39, its Taylor steps a multiply and an add each; the sigmoid of 150 values 165 -> 100 ns):
// k from one FMA with a shift constant, r in two more (x - k kExpLn2HiF is exact inside the FMA: both are
// multiples of 2^-24 and |r| < 1/2), exp(r) by a degree-6 minimax polynomial in FMAs (relative error 3.6e-9
// with its float coefficients, 0.06 of float's 2^-24; the best degree-5 one, 9.3e-8, would add up to 1.6
// ulp), 2^k in one shift with 2^-kScaleExponentF carried in the coefficients. k + kScaleExponentF + 127 is
// in [9, 159] for x in [-104, 0], so 2^(k + kScaleExponentF) is a normal float, and every Horner step stays
// far above the subnormals (its smallest value is ~2^-42). Within 0.89 ulp of exp over every one of the 2^31
// non-positive floats (0.8822 at worst against double's exp, bench/native/sigmoid_exp.cc; vexp(float) 1.22),
// subnormal results included; exp(-0) = 1, exp(-inf) = 0 through the clamp (exp(-104) is below half of
// float's smallest subnormal, so it rounds to 0), NaN gives NaN. The chains and the scalar version give the
// same bits for all 2^31.
constexpr int kScaleExponentF = 32;
constexpr float kExpShiftF = 0x1.8p23f + (kScaleExponentF + 127);
constexpr float kExpLog2eF = 0x1.715476p0f;
constexpr float kExpLn2HiF = 0x1.62e430p-1f;    // ln2 rounded to float
constexpr float kExpLn2LoF = -0x1.05c610p-29f;  // ln2 - kExpLn2HiF, rounded
constexpr float kExpLowF = -104.0f;
// 2^-32 * the minimax polynomial's coefficients from degree 0 up (relative error, degrees 0 and 1 held at
// 1, each higher one rounded to float before the lower ones were fitted again).
constexpr float kExpCoefficientsF[] = {
    0x1.0p-32f, 0x1.0p-32f, 0x1.fffffcp-34f, 0x1.555492p-35f, 0x1.5558f2p-37f, 0x1.123a20p-39f, 0x1.6a23d2p-42f,
};
constexpr int kExpDegreeF = 6;
static_assert(sizeof kExpCoefficientsF / sizeof(float) == kExpDegreeF + 1);

// exp(x) for x <= 0 or NaN, one float: the vector version's operations on one lane.
BLASNET_AVX2_FMA float expNonPositiveFma(float x) {
  const float clamped = x < kExpLowF ? kExpLowF : x;
  const float t = __builtin_fmaf(clamped, kExpLog2eF, kExpShiftF);
  const float k = t - kExpShiftF;
  float r = __builtin_fmaf(k, -kExpLn2HiF, clamped);
  r = __builtin_fmaf(k, -kExpLn2LoF, r);
  float p = kExpCoefficientsF[6];
  p = __builtin_fmaf(p, r, kExpCoefficientsF[5]);
  p = __builtin_fmaf(p, r, kExpCoefficientsF[4]);
  p = __builtin_fmaf(p, r, kExpCoefficientsF[3]);
  p = __builtin_fmaf(p, r, kExpCoefficientsF[2]);
  p = __builtin_fmaf(p, r, kExpCoefficientsF[1]);
  p = __builtin_fmaf(p, r, kExpCoefficientsF[0]);
  return p * bitsToFloat(floatToBits(t) << 23);
}

// out[c] = expNonPositiveFma(x[c]) for c < kChains, lane by lane, each step over the four registers before
// the next (see above).
BLASNET_AVX2_FMA void expNonPositiveFmaChains(const Float8* x, Float8* out) {
  const Float8 shift = Float8{} + kExpShiftF, low = Float8{} + kExpLowF;
  Float8 t[kChains], k[kChains], r[kChains], p[kChains];
  for (int c = 0; c < kChains; ++c) {
    const Float8 clamped = x[c] < low ? low : x[c];
    t[c] = __builtin_ia32_vfmaddps256(clamped, Float8{} + kExpLog2eF, shift);
    k[c] = t[c] - shift;
    r[c] = __builtin_ia32_vfmaddps256(k[c], Float8{} - kExpLn2HiF, clamped);
  }
  stepTogether(r);
  for (int c = 0; c < kChains; ++c) r[c] = __builtin_ia32_vfmaddps256(k[c], Float8{} - kExpLn2LoF, r[c]);
  stepTogether(r);
  for (int c = 0; c < kChains; ++c) p[c] = Float8{} + kExpCoefficientsF[kExpDegreeF];
  for (int i = kExpDegreeF - 1; i >= 0; --i) {
    const Float8 add = Float8{} + kExpCoefficientsF[i];
    for (int c = 0; c < kChains; ++c) p[c] = __builtin_ia32_vfmaddps256(p[c], r[c], add);
    stepTogether(p);
  }
  for (int c = 0; c < kChains; ++c) out[c] = p[c] * reinterpret_cast<Float8>(reinterpret_cast<Int32x8>(t[c]) << 23);
  stepTogether(out);
}

// out[c] = vexp(x[c]) for c < kChains, element by element, as vexp(float) computes it.
BLASNET_AVX2 void vexpChains(const Float8* x, Float8* out) {
  const Float8 kLog2e = Float8{} + 1.44269504f;
  const Float8 kLn2Hi = Float8{} + 0.693359375f;
  const Float8 kLn2Lo = Float8{} - 2.12194440e-4f;
  const Float8 kShift = Float8{} + 0x1.8p23f;
  const Float8 low = Float8{} - 104.0f, high = Float8{} + 89.0f;
  const Int32x8 kBias = Int32x8{} + 127;
  Float8 k[kChains], r[kChains], p[kChains];
  for (int c = 0; c < kChains; ++c) {
    const Float8 clamped = x[c] < low ? low : (x[c] > high ? high : x[c]);
    k[c] = (clamped * kLog2e + kShift) - kShift;
    r[c] = (clamped - k[c] * kLn2Hi) - k[c] * kLn2Lo;
  }
  stepTogether(r);
  constexpr float kCoefficients[] = {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f};
  for (int c = 0; c < kChains; ++c) p[c] = Float8{} + 1.0f / 5040.0f;
  for (float coefficient : kCoefficients) {
    const Float8 add = Float8{} + coefficient;
    for (int c = 0; c < kChains; ++c) p[c] = p[c] * r[c] + add;
    stepTogether(p);
  }
  for (int c = 0; c < kChains; ++c) {
    const Float8 half = (k[c] * 0.5f + kShift) - kShift;
    out[c] = p[c] * vectorPowerOfTwo(half, kShift, kBias, 23) * vectorPowerOfTwo(k[c] - half, kShift, kBias, 23);
  }
  stepTogether(out);
}

// Whether the BLASNET_MULTIVERSION dispatcher picked the AVX2 clone on this CPU (it tries AVX-512F first).
inline bool avx2CloneChosen() {
  static const bool value = __builtin_cpu_supports("avx2") && !__builtin_cpu_supports("avx512f");
  return value;
}

// Where the sigmoid takes expNonPositiveFma (float64 and float32): the AVX2 clone's CPUs that also have FMA
// (all but a few; the others keep the loop, and float32 vexpChains).
inline bool avx2FmaSigmoidChosen() {
  static const bool value = avx2CloneChosen() && __builtin_cpu_supports("fma");
  return value;
}
#endif

}  // namespace blasnet::kernels
