// Times blasnet's small-matrix product (native/kernels/small_gemm.cc, compiled in here with the addon's
// flags) against cblas_dgemm (cblas_sgemm with SMALL_GEMM_DTYPE=float32; the kernel the process picks,
// BLASNET_SMALL_GEMM=avx2 forcing the AVX2 clone), shape by shape, and checks that both compute the same C.
// bench/small-gemm.ts compiles and runs it; its table is what decides which shapes take the small path.
//
//   small_gemm_shapes <TA> <TB> <m> <n> <k> [...]      one JSON line per shape on stdout
//
// Each figure is the fastest of 15 batches of calls (a batch lasts >= 200 µs), alternating the two
// implementations batch by batch so that a noisy moment costs both alike.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../native/kernels/small_gemm.h"

namespace {

double seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void blasGemm(bool transA, bool transB, int m, int n, int k, const double* A, const double* B, double* C) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, A,
              transA ? m : k, B, transB ? k : n, 1.0, C, n);
}

void blasGemm(bool transA, bool transB, int m, int n, int k, const float* A, const float* B, float* C) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, A,
              transA ? m : k, B, transB ? k : n, 1.0f, C, n);
}

template <typename T>
int run(int argc, char** argv) {
  // Values with full mantissas: with short ones (multiples of 2^-16, as this program once drew) every
  // product and sum is exact, and any summation order gives the same bits, which proves nothing.
  std::vector<T> A(1 << 16), B(1 << 16), C0(1 << 16), C1(1 << 16), C2(1 << 16);
  unsigned state = 1;
  for (std::vector<T>* v : {&A, &B, &C0}) {
    for (T& x : *v) {
      state = state * 1103515245u + 12345u;
      x = static_cast<T>(std::sin(static_cast<double>(state)) * 0.5);
    }
  }
  for (int a = 1; a < argc; a += 5) {
    const bool transA = std::atoi(argv[a]) != 0, transB = std::atoi(argv[a + 1]) != 0;
    const int m = std::atoi(argv[a + 2]), n = std::atoi(argv[a + 3]), k = std::atoi(argv[a + 4]);
    const bool fits = sizeof(T) == sizeof(double) ? blasnet::kernels::small::fits(transA, transB, m, n, k)
                                                  : blasnet::kernels::small::fitsFloat(transA, transB, m, n, k);
    // The columns the kernel takes (small_gemm.h: the AVX-512 kernel 9-16 doubles, the AVX2 clone 5-16
    // doubles, 4-32 floats) and a bounded k where op(B) is repacked on the stack.
    namespace kernel = blasnet::kernels::small;
    const bool clone = sizeof(T) == sizeof(float) || kernel::isa() == kernel::Isa::Avx2;
    const int minCols = sizeof(T) == sizeof(float) ? int(kernel::kKernelMinColsFloat)
                        : clone                    ? int(kernel::kKernelMinCols)
                                                   : int(kernel::kMinCols);
    const int maxCols = sizeof(T) == sizeof(float) ? int(kernel::kKernelMaxColsFloat) : int(kernel::kAvx2MaxCols);
    const int maxPacked = clone ? int(kernel::kKernelMaxPacked) : int(kernel::kMaxDepthTransposedB * 16);
    const bool runnable = n >= minCols && n <= maxCols && m <= 4096 && (!transB || k * n <= maxPacked) &&
                          m * k <= (1 << 16) && m * n <= (1 << 16) && k * n <= (1 << 16);
    auto blas = [&] { blasGemm(transA, transB, m, n, k, A.data(), B.data(), C1.data()); };
    auto small = [&] {
      blasnet::kernels::small::gemm(transA, transB, m, n, k, T(1), A.data(), B.data(), T(1), C2.data());
    };
    if (!runnable) {
      std::printf("{\"transA\":%d,\"transB\":%d,\"m\":%d,\"n\":%d,\"k\":%d,\"fits\":%s,\"runnable\":false}\n", transA,
                  transB, m, n, k, fits ? "true" : "false");
      continue;
    }
    // Same C: one call each from the same fresh C (beta = 1 reads it; the timing loops below let it grow).
    std::copy(C0.begin(), C0.begin() + m * n, C1.begin());
    std::copy(C0.begin(), C0.begin() + m * n, C2.begin());
    blas();
    small();
    double difference = 0;
    for (int i = 0; i < m * n; ++i) difference = std::max(difference, std::fabs(double(C1[i]) - double(C2[i])));
    int calls = 1;
    for (;;) {
      const double start = seconds();
      for (int c = 0; c < calls; ++c) blas();
      if (seconds() - start >= 200e-6 || calls >= (1 << 20)) break;
      calls *= 2;
    }
    double bestBlas = 1e30, bestSmall = 1e30;
    for (int batch = 0; batch < 15; ++batch) {
      double start = seconds();
      for (int c = 0; c < calls; ++c) blas();
      bestBlas = std::min(bestBlas, (seconds() - start) / calls);
      start = seconds();
      for (int c = 0; c < calls; ++c) small();
      bestSmall = std::min(bestSmall, (seconds() - start) / calls);
    }
    std::printf(
        "{\"transA\":%d,\"transB\":%d,\"m\":%d,\"n\":%d,\"k\":%d,\"fits\":%s,\"runnable\":true,\"blasNs\":%.1f,"
        "\"smallNs\":%.1f,\"maxDifference\":%.3g}\n",
        transA, transB, m, n, k, fits ? "true" : "false", bestBlas * 1e9, bestSmall * 1e9, difference);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || (argc - 1) % 5 != 0) {
    std::fprintf(stderr, "usage: [SMALL_GEMM_DTYPE=float32] %s <TA> <TB> <m> <n> <k> [...]\n", argv[0]);
    return 2;
  }
  if (!blasnet::kernels::small::available()) {
    std::printf("{\"skipped\":\"%s\"}\n", blasnet::kernels::small::describe());
    return 0;
  }
  const char* dtype = std::getenv("SMALL_GEMM_DTYPE");
  if (dtype != nullptr && std::string(dtype) == "float32") return run<float>(argc, argv);
  return run<double>(argc, argv);
}
