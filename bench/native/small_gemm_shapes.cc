// Times blasnet's small-matrix product (native/kernels/small_gemm.cc, compiled in here with the addon's
// flags) against cblas_dgemm, shape by shape, and checks that both compute the same C. bench/small-gemm.ts
// compiles and runs it; its table is what decides which shapes take the small path.
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
#include <vector>

#include "../../native/kernels/small_gemm.h"

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || (argc - 1) % 5 != 0) {
    std::fprintf(stderr, "usage: %s <TA> <TB> <m> <n> <k> [...]\n", argv[0]);
    return 2;
  }
  if (!blasnet::kernels::small::available()) {
    std::printf("{\"skipped\":\"%s\"}\n", blasnet::kernels::small::describe());
    return 0;
  }
  std::vector<double> A(1 << 16), B(1 << 16), C1(1 << 16), C2(1 << 16);
  unsigned state = 1;
  for (std::vector<double>* v : {&A, &B, &C1}) {
    for (double& x : *v) {
      state = state * 1103515245u + 12345u;
      x = static_cast<double>((state >> 8) & 0xFFFF) / 65536.0 - 0.5;
    }
  }
  for (int a = 1; a < argc; a += 5) {
    const bool transA = std::atoi(argv[a]) != 0, transB = std::atoi(argv[a + 1]) != 0;
    const int m = std::atoi(argv[a + 2]), n = std::atoi(argv[a + 3]), k = std::atoi(argv[a + 4]);
    const bool fits = blasnet::kernels::small::fits(transA, transB, m, n, k);
    // The small kernel only takes shapes with n <= 16 and a bounded k (op(B) repacked on the stack).
    const bool runnable = n >= 9 && n <= 16 && m <= 4096 && (!transB || k <= 16) && m * k <= (1 << 16) &&
                          m * n <= (1 << 16) && k * n <= (1 << 16);
    auto blas = [&] {
      cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0,
                  A.data(), transA ? m : k, B.data(), transB ? k : n, 1.0, C1.data(), n);
    };
    auto small = [&] {
      blasnet::kernels::small::gemm(transA, transB, m, n, k, 1.0, A.data(), B.data(), 1.0, C2.data());
    };
    if (!runnable) {
      std::printf("{\"transA\":%d,\"transB\":%d,\"m\":%d,\"n\":%d,\"k\":%d,\"fits\":%s,\"runnable\":false}\n", transA,
                  transB, m, n, k, fits ? "true" : "false");
      continue;
    }
    // Same C: one call each from the same starting C (beta = 1 reads it).
    std::copy(C1.begin(), C1.begin() + m * n, C2.begin());
    blas();
    small();
    double difference = 0;
    for (int i = 0; i < m * n; ++i) difference = std::max(difference, std::fabs(C1[i] - C2[i]));
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
