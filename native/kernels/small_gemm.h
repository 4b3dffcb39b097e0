// A float64 matrix product for the small shapes where OpenBLAS's fixed cost per call and its handling of
// widths that are not a multiple of its kernel width dominate: 9 to 15 columns (one AVX-512 register and
// a masked second one per row), as in a minibatch of 15 rows through a 15-unit or a 10-unit layer.
// Measured shape by shape against cblas_dgemm (`npm run bench:small-gemm` prints the table; bench/README.md,
// "What we tried"), the shapes fits() takes ran in 0.2-1.1 of OpenBLAS's time, median 0.6, faster in 429
// of 432; every other shape, and every CPU without AVX-512, goes to OpenBLAS (kernels/gemm.h).
//
// Same arithmetic as OpenBLAS's kernels on these shapes: each element of C is one running sum over k in
// order, with fused multiply-adds, then alpha * sum + beta * C (beta == 0 does not read C). On the bench
// machine both give the same bits for every shape the bench times.
#pragma once

#include <cstddef>

namespace blasnet::kernels::small {

constexpr size_t kMinCols = 9;
constexpr size_t kMaxCols = 15;  // at 16 columns OpenBLAS has no edge to handle and was as fast
constexpr size_t kMaxDepth = 256;
constexpr size_t kMaxRows = 16;
constexpr size_t kMaxRowsTransposedA = 4;  // OpenBLAS's kernel for A^T B was as fast from 8 rows up
constexpr size_t kMaxRowsTransposedB = 64;
constexpr size_t kMaxDepthTransposedB = 16;  // op(B) = B^T is repacked into a stack buffer of k x n

// Which kernel this process uses for the small shapes (decided once, see available()).
enum class Isa { Off, Avx2, Avx512 };
Isa isa();

// The AVX2 clone (two 4-lane registers per row for 5-8 doubles, three for 9-12, four for 13-16; in float32
// one 8-lane register for 4-8 floats, two for 9-16, three for 17-24, four for 25-32; 3 to 6 rows per block)
// has its own rule, measured on an AVX2-only CPU (AMD EPYC, OpenBLAS core Haswell; `npm run bench:small-gemm
// [-- --dtype float32]`, bench/README.md "What we tried"): up to 64 rows, depth up to 256 (with B transposed
// 16 in float64, 32 in float32), every transpose but both. Within 9-16 columns, all 855 shapes of the
// bench's grid ran faster than OpenBLAS's (float64 ratio median 0.57, at most 0.99; float32 0.54, at most
// 0.99); the rule was narrower (float64 24 rows, 8 at 16 columns; float32 16) until the kernel stopped
// paying a masked store per row and a masked load per row of B (What we tried, 18). The columns beyond
// 9-16 (5-8 doubles; 4-8 and 17-32 floats) came with workload E's scaling map, where the switch between
// the small step and OpenBLAS's showed as a step of 1.3-1.5x at 8 and 16 columns (What we tried, 81).
constexpr size_t kAvx2MinCols = 5;
constexpr size_t kAvx2MaxCols = 16;
constexpr size_t kAvx2MinColsFloat = 4;
constexpr size_t kAvx2MaxColsFloat = 32;
constexpr size_t kAvx2MaxDepth = 256;
constexpr size_t kAvx2MaxRows = 64;
constexpr size_t kAvx2MaxDepthTransposedBFloat = 32;
// The kernel's own reach (the bench times it beyond the rule): 5-16 doubles, 4-32 floats (a row's last
// register, loaded and stored whole, reaches at most into the next row: n >= 4 where a row is one 8-float
// register), and op(B) = B^T repacked into a stack buffer of k x n elements.
constexpr size_t kKernelMinCols = 5;
constexpr size_t kKernelMinColsFloat = 4;
constexpr size_t kKernelMaxColsFloat = 32;
constexpr size_t kKernelMaxPacked = 32 * 32;

// The shapes the AVX-512 path takes, and only those: the measured range.
inline bool fitsAvx512(bool transA, bool transB, size_t m, size_t n, size_t k) {
  if ((transA && transB) || n < kMinCols || n > kMaxCols) return false;
  if (transB) return m <= kMaxRowsTransposedB && k <= kMaxDepthTransposedB;
  return m <= (transA ? kMaxRowsTransposedA : kMaxRows) && k <= kMaxDepth;
}

inline bool fitsAvx2Within(bool transA, bool transB, size_t m, size_t n, size_t k, size_t minCols, size_t maxCols,
                           size_t maxDepthTransposedB) {
  if ((transA && transB) || n < minCols || n > maxCols || m > kAvx2MaxRows) return false;
  return k <= (transB ? maxDepthTransposedB : kAvx2MaxDepth);
}

// The shapes the AVX2 clone takes in float64.
inline bool fitsAvx2(bool transA, bool transB, size_t m, size_t n, size_t k) {
  return fitsAvx2Within(transA, transB, m, n, k, kAvx2MinCols, kAvx2MaxCols, kMaxDepthTransposedB);
}

// The shapes the AVX2 clone takes in float32: the wider columns where they were measured (the clone is the
// process's kernel: an AVX2-only CPU, or BLASNET_SMALL_GEMM=avx2); on AVX-512 CPUs, whose OpenBLAS kernels
// are others, the 9-16 columns measured there.
inline bool fitsAvx2Float(bool transA, bool transB, size_t m, size_t n, size_t k) {
  if (isa() == Isa::Avx2)
    return fitsAvx2Within(transA, transB, m, n, k, kAvx2MinColsFloat, kAvx2MaxColsFloat, kAvx2MaxDepthTransposedBFloat);
  return fitsAvx2Within(transA, transB, m, n, k, kMinCols, kAvx2MaxCols, kMaxDepthTransposedB);
}

// The AVX2 clone's rule for a dtype, as the network step asks it (float64's only where the clone is the
// float64 kernel: see fits()).
inline bool fitsAvx2Dtype(bool transA, bool transB, size_t m, size_t n, size_t k, bool float32) {
  return float32 ? fitsAvx2Float(transA, transB, m, n, k) : fitsAvx2(transA, transB, m, n, k);
}

// Whether this process's float64 path takes the shape (false when the path is off).
inline bool fits(bool transA, bool transB, size_t m, size_t n, size_t k) {
  switch (isa()) {
    case Isa::Avx512: return fitsAvx512(transA, transB, m, n, k);
    case Isa::Avx2: return fitsAvx2(transA, transB, m, n, k);
    case Isa::Off: break;
  }
  return false;
}

// float32 has the AVX2 clone only (on AVX-512 CPUs too): whether this process's float32 path takes it.
inline bool fitsFloat(bool transA, bool transB, size_t m, size_t n, size_t k) {
  return isa() != Isa::Off && fitsAvx2Float(transA, transB, m, n, k);
}

// Whether this process takes the path: the CPU has AVX-512F (the AVX-512 kernel) or AVX2 and FMA (the
// AVX2 clone; GCC's and Clang's check includes the OS's support for the register state), the addon was
// compiled for x86-64 with GCC or Clang, and BLASNET_SMALL_GEMM is not "0". BLASNET_SMALL_GEMM=avx2
// forces the AVX2 clone on an AVX-512 CPU (to test and time it there). Decided once, when first asked; it
// never changes afterwards.
bool available();

// Why the path is or is not taken, for blasInfo(): "avx512", "avx2", "avx2 (BLASNET_SMALL_GEMM=avx2)",
// or "off: <reason>".
const char* describe();

// C = alpha * op(A) op(B) + beta * C, row-major, leading dimensions implied by the shapes. The library
// calls it only for shapes that fit(), with k >= 1 and alpha != 0 (gemm.h handles the rest); the kernel
// itself needs only 5 <= n <= 16 (the AVX2 clone; 9 <= n <= 16 for the AVX-512 kernel) and, when B is
// transposed, k * n <= kKernelMaxPacked (the bench times it beyond fits()).
void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, double alpha, const double* A, const double* B,
          double beta, double* C);

// The same in float32 (the AVX2 clone), for shapes that fitsFloat(); the kernel itself takes 4 <= n <= 32.
void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* A, const float* B,
          float beta, float* C);

// C = A B + bias (each row), the forward product of a layer, where the AVX2 clone takes the shape (and, in
// float64, runs: the AVX-512 kernel has no such epilogue): the bias added in the stores' epilogue instead of
// broadcast into C beforehand and read back with beta = 1. round(sum + bias) either way, so the same bits.
// Returns false, touching nothing, where it does not apply.
bool gemmBias(size_t m, size_t n, size_t k, const double* A, const double* B, const double* bias, double* C);
bool gemmBias(size_t m, size_t n, size_t k, const float* A, const float* B, const float* bias, float* C);

// gemmBias with A's rows read through a table (rows[i]: row i's k values), for a minibatch's inputs read
// where they lie instead of gathered into the workspace first: the same operands, so the same bits. With
// `relu`, C is Relu's forward of that (max(z, 0), `z > 0 ? z : 0` bit for bit: in the stores; for float32
// beyond two registers a row, in a pass over the product just written).
bool gemmBiasRows(size_t m, size_t n, size_t k, const double* const* rows, const double* B, const double* bias,
                  double* C, bool relu);
bool gemmBiasRows(size_t m, size_t n, size_t k, const float* const* rows, const float* B, const float* bias, float* C,
                  bool relu);

// A layer's weight and bias gradients in one product of the AVX2 clone (network.h's small-network step):
// C (in + 1 rows x n) = [A^T B; column sums of B], A (k x in) read a row at a time through aRows[0 .. k), B
// (k x n) the layer's delta, C the layer's W gradient followed by its b gradient, as in the gradient vector.
// Every element is gemm's and columnSums' own sum (k-ordered fused multiply-adds; in-order additions), so the
// same bits as the two calls. With P (the layer's parameters, laid out as C) it also returns whether every
// gradient is within gradientLimit and every parameter within parameterLimit in magnitude (false for NaN),
// the update's finiteness bound, read in the stores instead of in a pass of its own; without P, true.
// With P and Q (laid out as C, apart from P) it writes Q = P - learningRate C instead of C, each element as
// sgdApply's AVX2 clone computes it (a rounded product, then the difference: its bits), and returns whether
// every element of Q is finite (sgdStaysFinite's exact check, on the same values; the limits are unused):
// the caller keeps Q only then. Only for shapes where layerGradientsFit says so.
bool layerGradientsFit(size_t in, size_t n, size_t k, bool float32);
bool layerGradients(size_t in, size_t n, size_t k, const double* const* aRows, const double* B, double* C,
                    const double* P, double gradientLimit, double parameterLimit, double* Q = nullptr,
                    double learningRate = 0);
bool layerGradients(size_t in, size_t n, size_t k, const float* const* aRows, const float* B, float* C, const float* P,
                    float gradientLimit, float parameterLimit, float* Q = nullptr, float learningRate = 0);

}  // namespace blasnet::kernels::small
