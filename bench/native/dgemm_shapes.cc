// Times raw cblas_dgemm (no Node, no N-API) over a list of shapes: the floor any binding can reach.
//
//   dgemm_shapes <repeats> <TA> <TB> <m> <n> <k> [<TA> <TB> <m> <n> <k> ...]
//
// TA/TB are 0 or 1. Each repeat runs every shape once, in order, on preallocated operands (as a training
// step does); the program prints, as JSON, the seconds of each repeat and the OpenBLAS it ran on (core
// type, build configuration, threads), so the benchmark can check it matches blasnet's. Thread count:
// OPENBLAS_NUM_THREADS; core type: OPENBLAS_CORETYPE (bench/run.ts sets both).
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

struct Shape {
  bool transA, transB;
  int m, n, k;
  std::vector<double> A, B, C;
};

int main(int argc, char** argv) {
  if (argc < 7 || (argc - 2) % 5 != 0) {
    std::fprintf(stderr, "usage: %s <repeats> <TA> <TB> <m> <n> <k> [...]\n", argv[0]);
    return 2;
  }
  const int repeats = std::atoi(argv[1]);
  std::vector<Shape> shapes;
  for (int i = 2; i < argc; i += 5) {
    Shape s{std::atoi(argv[i]) != 0, std::atoi(argv[i + 1]) != 0, std::atoi(argv[i + 2]), std::atoi(argv[i + 3]),
            std::atoi(argv[i + 4]), {}, {}, {}};
    s.A.assign(static_cast<size_t>(s.m) * s.k, 0.5);
    s.B.assign(static_cast<size_t>(s.k) * s.n, 0.25);
    s.C.assign(static_cast<size_t>(s.m) * s.n, 0.0);
    shapes.push_back(std::move(s));
  }
  auto runAll = [&]() {
    for (Shape& s : shapes) {
      cblas_dgemm(CblasRowMajor, s.transA ? CblasTrans : CblasNoTrans, s.transB ? CblasTrans : CblasNoTrans, s.m, s.n,
                  s.k, 1.0, s.A.data(), s.transA ? s.m : s.k, s.B.data(), s.transB ? s.k : s.n, 0.0, s.C.data(), s.n);
    }
  };
  runAll();  // warm-up: OpenBLAS starts its threads and touches its buffers on the first call
  std::printf("{\"core\":\"%s\",\"config\":\"%s\",\"threads\":%d,\"seconds\":[", openblas_get_corename(),
              openblas_get_config(), openblas_get_num_threads());
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    runAll();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf(r == 0 ? "%.9f" : ",%.9f", elapsed.count());
  }
  std::printf("]}\n");
  return 0;
}
