// The sigmoid's exp on AVX2 CPUs with FMA (native/kernels/simd.h expNonPositiveFma), measured. float64: its
// error against long double's expl over the whole range the sigmoid uses ([-746, 0], the clamp, the
// subnormal results, -0, -inf, NaN), the vector chains' bits against the scalar version's, the sigmoid's
// error against 1 / (1 + expl(-z)). float32: the same against double's exp over every non-positive float
// (all 2^31 bit patterns with the sign set; about a minute). And the time of one forward sigmoid of
// workload A's 150 outputs, of 10 and of 10000 values, in both types.
//
//   g++ -std=c++17 -O3 -fno-math-errno -fno-trapping-math bench/native/sigmoid_exp.cc -o /tmp/sigmoid_exp
//   /tmp/sigmoid_exp [samples = 10000000]
//
// Compiled against an older checkout's native/kernels (-I that checkout, with -DSIGMOID_TIMING_ONLY) it times
// that version's sigmoid the same way (bench/README.md, "What we tried" 65 and 67).
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "native/kernels/activations.h"

#if !defined(BLASNET_AVX2_CHAINS) && !defined(SIGMOID_TIMING_ONLY)
#error "the FMA sigmoid exists on x86-64 with GCC and glibc only (native/kernels/simd.h)"
#endif

using namespace blasnet::kernels;

namespace {

double seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

uint64_t state = 0x9e3779b97f4a7c15ull;
double uniform() {  // splitmix64, 53 bits
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

// |y - exact| in units of the last place of exact rounded to double (2^-1074 for subnormal results).
double ulpError(double y, long double exact) {
  if (std::isnan(y) || std::isnan(static_cast<double>(exact))) return std::isnan(y) == std::isnan(exact) ? 0 : 1e9;
  if (exact == 0) return y == 0 ? 0 : std::fabs(y) / 0x1.0p-1074;
  int exponent;
  std::frexp(static_cast<double>(exact), &exponent);  // exact = m 2^exponent, m in [0.5, 1)
  const long double ulp = std::ldexp(1.0L, std::max(exponent - 53, -1074));
  return static_cast<double>(std::fabs(static_cast<long double>(y) - exact) / ulp);
}

template <typename T>
void timeForward(const char* label, size_t rows, size_t cols) {
  std::vector<T> Z(rows * cols), A(rows * cols);
  for (T& z : Z) z = static_cast<T>((uniform() - 0.5) * 8);  // A's output pre-activations are of this size
  const auto& sigmoid = activation<T>(ActivationCode::Sigmoid);
  double best = 1e9;
  for (int batch = 0; batch < 30; ++batch) {
    const int calls = 20000;
    const double start = seconds();
    for (int c = 0; c < calls; ++c) {
      sigmoid.forward(rows, cols, Z.data(), A.data());
      asm volatile("" ::"r"(A.data()) : "memory");
    }
    best = std::min(best, (seconds() - start) / calls);
  }
  std::printf("%s: %zu x %zu sigmoid forward %.1f ns (best of 30 batches of 20000 calls)\n", label, rows, cols,
              best * 1e9);
}

#ifndef SIGMOID_TIMING_ONLY
// The kernels are compiled for AVX2 and FMA; the rest of this program for the baseline (so the loop's
// stableSigmoid below is the baseline clone's operations, not contracted into FMAs).
__attribute__((target("avx2,fma"), noinline)) double expFma(double x) { return expNonPositiveFma(x); }
__attribute__((target("avx2,fma"), noinline)) double sigmoidScalarFma(double z) { return sigmoidFma(z); }
__attribute__((target("avx2,fma"), noinline)) void expFmaChains(const double* x, double* out) {
  Double4 in[kChains], result[kChains];
  for (int c = 0; c < kChains; ++c) in[c] = loadVector(x + 4 * c);
  expNonPositiveFmaChains(in, result);
  for (int c = 0; c < kChains; ++c) storeVector(out + 4 * c, result[c]);
}
__attribute__((target("avx2,fma"), noinline)) float expFmaF(float x) { return expNonPositiveFma(x); }
__attribute__((target("avx2,fma"), noinline)) void expFmaChainsF(const float* x, float* out) {
  Float8 in[kChains], result[kChains];
  for (int c = 0; c < kChains; ++c) in[c] = loadVector(x + 8 * c);
  expNonPositiveFmaChains(in, result);
  for (int c = 0; c < kChains; ++c) storeVector(out + 8 * c, result[c]);
}

// |y - exact| in units of the last place of exact rounded to float (2^-149 for subnormal results).
double ulpErrorF(float y, double exact) {
  if (std::isnan(y) || std::isnan(exact)) return std::isnan(y) == std::isnan(exact) ? 0 : 1e9;
  if (exact == 0) return y == 0 ? 0 : std::fabs(y) / 0x1.0p-149;
  int exponent;
  std::frexp(static_cast<float>(exact), &exponent);
  return std::fabs(static_cast<double>(y) - exact) / std::ldexp(1.0, std::max(exponent - 24, -149));
}

// The float32 exp over every non-positive float (all 2^31 with the sign bit set: -0, the clamp region, -inf
// and every NaN), against double's exp, and the chains against the scalar version; then the float32 sigmoid
// through the kernel the addon runs, against double's 1 / (1 + exp(-z)).
void checkFloat32(long samples) {
  constexpr uint64_t kBlock = 8 * kChains;
  alignas(32) float x[kBlock], chained[kBlock];
  double worst = 0, worstVexp = 0;
  float worstX = 0;
  long mismatches = 0;
  for (uint64_t base = 0x80000000u; base <= 0xffffffffu; base += kBlock) {
    for (uint64_t j = 0; j < kBlock; ++j) x[j] = bitsToFloat(static_cast<uint32_t>(base + j));
    expFmaChainsF(x, chained);
    for (uint64_t j = 0; j < kBlock; ++j) {
      const float y = expFmaF(x[j]);
      if (floatToBits(y) != floatToBits(chained[j]) && !(std::isnan(y) && std::isnan(chained[j]))) ++mismatches;
      const double exact = std::exp(static_cast<double>(x[j]));
      const double error = ulpErrorF(y, exact);
      if (error > worst) worst = error, worstX = x[j];
      if (x[j] >= -104.0f) worstVexp = std::max(worstVexp, ulpErrorF(vexp(x[j]), exact));
    }
  }
  std::printf(
      "float32 exp over all 2^31 non-positive floats: max %.4f ulp at x = %a (vexp(float): max %.4f ulp); "
      "chains != scalar: %ld\n",
      worst, worstX, worstVexp, mismatches);
  std::printf("float32 exp(-0) = %a, exp(-inf) = %a, exp(-104) = %a, exp(-103.97) = %a, exp(NaN) = %f\n",
              expFmaF(-0.0f), expFmaF(-INFINITY), expFmaF(-104.0f), expFmaF(-103.97f), expFmaF(NAN));
  std::vector<float> zs;
  for (float s : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 104.0f, -104.0f, 103.9f, -103.9f, 88.0f, -88.0f})
    zs.push_back(s);
  for (long i = 0; i < samples; ++i) zs.push_back(static_cast<float>((uniform() - 0.5) * 220));
  for (long i = 0; i < samples; ++i) zs.push_back(static_cast<float>((uniform() - 0.5) * 40));
  std::vector<float> as(zs.size());
  activation<float>(ActivationCode::Sigmoid).forward(1, zs.size(), zs.data(), as.data());
  double worstSigmoid = 0, worstLoop = 0;
  float worstZ = 0;
  for (size_t i = 0; i < zs.size(); ++i) {
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(zs[i])));
    const double error = ulpErrorF(as[i], exact);
    if (error > worstSigmoid) worstSigmoid = error, worstZ = zs[i];
    worstLoop = std::max(worstLoop, ulpErrorF(stableSigmoid(zs[i]), exact));
  }
  std::printf("float32 sigmoid over %zu z in [-110, 110]: max %.4f ulp at z = %a (the loop over vexp: max %.4f ulp)\n",
              zs.size(), worstSigmoid, worstZ, worstLoop);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  timeForward<double>("time float64", 15, 10);
  timeForward<double>("time float64", 1, 10);
  timeForward<double>("time float64", 100, 100);
  timeForward<float>("time float32", 15, 10);
  timeForward<float>("time float32", 1, 10);
  timeForward<float>("time float32", 100, 100);
#ifndef SIGMOID_TIMING_ONLY
  const long samples = argc > 1 ? std::atol(argv[1]) : 10000000;
  if (!avx2FmaSigmoidChosen()) std::printf("note: this CPU does not take the FMA sigmoid (measuring it anyway)\n");
  std::vector<double> xs;
  const double specials[] = {0.0,
                             -0.0,
                             -INFINITY,
                             NAN,
                             -746.0,
                             -745.5,
                             -745.1332191019411,
                             -745.13,
                             -745.0,
                             -744.44,
                             -709.0,
                             -708.4,
                             -708.39641853226408,
                             -708.3,
                             -0x1p-60,
                             -0x1p-30,
                             -1e-300,
                             -0x1p-1074,
                             -0.34657359027997264,
                             -0.3465735902799727,
                             -1.0,
                             -2.0,
                             -700.0};
  for (double s : specials) xs.push_back(s);
  for (long i = 0; i < samples; ++i) xs.push_back(-746.0 * uniform());                      // the whole range
  for (long i = 0; i < samples / 5; ++i) xs.push_back(-1.0 * uniform());                    // around zero
  for (long i = 0; i < samples / 5; ++i) xs.push_back(-708.0 - 38.0 * uniform());           // subnormal results
  for (long i = 0; i < samples / 5; ++i) xs.push_back(-std::exp2(-60 + 69.5 * uniform()));  // every scale
  for (long i = 0; i < samples / 10; ++i) {  // near the ties of k: x = (j + 1/2) ln2
    const double j = std::floor(1076 * uniform());
    xs.push_back(-(j + 0.5) * 0.6931471805599453 + (uniform() - 0.5) * 1e-9);
  }
  while (xs.size() % 16 != 0) xs.push_back(-1.0);

  double worst = 0, worstX = 0, worstY = 0, worstLibm = 0;
  long mismatches = 0;
  std::vector<double> chained(xs.size());
  for (size_t i = 0; i < xs.size(); i += 16) expFmaChains(&xs[i], &chained[i]);
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i], y = expFma(x);
    if (doubleToBits(y) != doubleToBits(chained[i]) && !(std::isnan(y) && std::isnan(chained[i]))) ++mismatches;
    const long double exact = std::exp(static_cast<long double>(x));
    const double error = ulpError(y, exact);
    if (error > worst) worst = error, worstX = x, worstY = y;
    worstLibm = std::max(worstLibm, ulpError(std::exp(x), exact));
  }
  std::printf(
      "exp over %zu x in [-746, 0]: max %.4f ulp at x = %a (there %a; glibc exp: max %.4f ulp); chains != "
      "scalar: %ld\n",
      xs.size(), worst, worstX, worstY, worstLibm, mismatches);
  std::printf("exp(-0) = %a, exp(0) = %a, exp(-inf) = %a, exp(-746) = %a, exp(-745) = %a, exp(NaN) = %f\n",
              expFma(-0.0), expFma(0.0), expFma(-INFINITY), expFma(-746.0), expFma(-745.0), expFma(NAN));
  // NaN with every payload and sign gives NaN.
  long nanFailures = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t payload = static_cast<uint64_t>(uniform() * 0x1p52) | 1;
    const double nan = bitsToDouble((i % 2 ? 0xfff0000000000000ull : 0x7ff0000000000000ull) | payload);
    if (!std::isnan(expFma(nan)) || !std::isnan(sigmoidScalarFma(nan))) ++nanFailures;
  }
  std::printf("NaN in, NaN out: %ld failures of 100000 payloads\n", nanFailures);

  // The sigmoid, through the kernel the addon runs, against the old loop (vexp) and the exact value.
  std::vector<double> zs;
  for (double s : specials) zs.push_back(s), zs.push_back(-s);
  for (long i = 0; i < samples; ++i) zs.push_back((uniform() - 0.5) * 1500);
  for (long i = 0; i < samples; ++i) zs.push_back((uniform() - 0.5) * 40);
  std::vector<double> as(zs.size());
  activation<double>(ActivationCode::Sigmoid).forward(1, zs.size(), zs.data(), as.data());
  double worstSigmoid = 0, worstZ = 0, worstLoop = 0;
  for (size_t i = 0; i < zs.size(); ++i) {
    const long double exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(zs[i])));
    const double error = ulpError(as[i], exact);
    if (error > worstSigmoid) worstSigmoid = error, worstZ = zs[i];
    worstLoop = std::max(worstLoop, ulpError(stableSigmoid(zs[i]), exact));
  }
  std::printf("sigmoid over %zu z in [-750, 750]: max %.4f ulp at z = %a (the loop over vexp: max %.4f ulp)\n",
              zs.size(), worstSigmoid, worstZ, worstLoop);
  checkFloat32(samples);
#endif
  return 0;
}
