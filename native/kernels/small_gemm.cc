// The AVX-512 small-matrix product of small_gemm.h. Only these functions are compiled for AVX-512
// (target attributes); they run only after available() has checked the CPU, so the addon still loads
// and runs on any x86-64.
#include "small_gemm.h"

#include <cstdlib>
#include <cstring>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define BLASNET_SMALL_GEMM_AVX512 1
#include <immintrin.h>
#endif

namespace blasnet::kernels::small {

namespace {

const char* decide() {
  const char* setting = std::getenv("BLASNET_SMALL_GEMM");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return "off: BLASNET_SMALL_GEMM=0";
#ifdef BLASNET_SMALL_GEMM_AVX512
  __builtin_cpu_init();
  // GCC's and Clang's check includes the OS's support for the AVX-512 register state (XGETBV).
  if (!__builtin_cpu_supports("avx512f")) return "off: the CPU has no AVX-512";
  return "avx512";
#else
  return "off: not an x86-64 build";
#endif
}

// A function-local static: decided once, thread-safely, and constant from then on.
const char* decision() {
  static const char* const value = decide();
  return value;
}

#ifdef BLASNET_SMALL_GEMM_AVX512

// R rows of C (i0 .. i0 + R - 1), all 9 <= n <= 16 columns: lanes 0-7 in one register, 8-15 in a masked one.
// 2R independent accumulators: with R >= 4 the fused multiply-adds are not waiting on each other.
template <bool TransA, int R>
__attribute__((target("avx512f"), always_inline)) inline void rowBlock(size_t i0, size_t m, size_t n, size_t k,
                                                                        double alpha, const double* A,
                                                                        const double* B, double beta, double* C) {
  const __mmask8 high = static_cast<__mmask8>((1u << (n - 8)) - 1);
  const size_t lda = TransA ? m : k;
  __m512d low[R], upper[R];
  for (int r = 0; r < R; ++r) low[r] = upper[r] = _mm512_setzero_pd();
  for (size_t p = 0; p < k; ++p) {
    const double* row = B + p * n;
    const __m512d b0 = _mm512_loadu_pd(row);
    const __m512d b1 = _mm512_maskz_loadu_pd(high, row + 8);
    for (int r = 0; r < R; ++r) {
      const __m512d a = _mm512_set1_pd(TransA ? A[p * lda + i0 + r] : A[(i0 + r) * lda + p]);
      low[r] = _mm512_fmadd_pd(a, b0, low[r]);
      upper[r] = _mm512_fmadd_pd(a, b1, upper[r]);
    }
  }
  // C is read before anything is written: a load that overlaps an earlier masked store (row r + 1 starts
  // in the bytes of row r's masked upper half when n < 16) waits for that store to retire, which cost
  // more than the products themselves at k = 1.
  __m512d previousLow[R], previousUpper[R];
  if (beta != 0.0) {  // BLAS convention: beta == 0 overwrites C without reading it (NaN does not survive)
    for (int r = 0; r < R; ++r) {
      previousLow[r] = _mm512_loadu_pd(C + (i0 + r) * n);
      previousUpper[r] = _mm512_maskz_loadu_pd(high, C + (i0 + r) * n + 8);
    }
  }
  const __m512d scale = _mm512_set1_pd(alpha);
  const __m512d keep = _mm512_set1_pd(beta);
  for (int r = 0; r < R; ++r) {
    __m512d c0 = _mm512_mul_pd(scale, low[r]);
    __m512d c1 = _mm512_mul_pd(scale, upper[r]);
    if (beta != 0.0) {
      c0 = _mm512_fmadd_pd(keep, previousLow[r], c0);
      c1 = _mm512_fmadd_pd(keep, previousUpper[r], c1);
    }
    double* out = C + (i0 + r) * n;
    _mm512_storeu_pd(out, c0);
    _mm512_mask_storeu_pd(out + 8, high, c1);
  }
}

// Rows in blocks of at most 6, split evenly (15 rows: 5 + 5 + 5), so no block is left with one or two
// rows whose accumulators would wait on each other. The sizes come from a table: 16 rows need at most
// three blocks, and a division per block cost as much as a short block's products.
struct RowBlocks {
  unsigned char count;
  unsigned char rows[3];
};

constexpr size_t kRowsPerChunk = 16;
constexpr RowBlocks kRowBlocks[kRowsPerChunk + 1] = {
    {0, {0, 0, 0}}, {1, {1, 0, 0}}, {1, {2, 0, 0}}, {1, {3, 0, 0}}, {1, {4, 0, 0}}, {1, {5, 0, 0}},
    {1, {6, 0, 0}}, {2, {4, 3, 0}}, {2, {4, 4, 0}}, {2, {5, 4, 0}}, {2, {5, 5, 0}}, {2, {6, 5, 0}},
    {2, {6, 6, 0}}, {3, {5, 4, 4}}, {3, {5, 5, 4}}, {3, {5, 5, 5}}, {3, {6, 5, 5}},
};

template <bool TransA>
__attribute__((target("avx512f"))) void product(size_t m, size_t n, size_t k, double alpha, const double* A,
                                                const double* B, double beta, double* C) {
  // Taller products go 16 rows at a time.
  for (size_t i0 = 0; i0 < m;) {
    const RowBlocks& blocks = kRowBlocks[m - i0 < kRowsPerChunk ? m - i0 : kRowsPerChunk];
    for (unsigned block = 0; block < blocks.count; ++block) {
      switch (blocks.rows[block]) {
        case 1: rowBlock<TransA, 1>(i0, m, n, k, alpha, A, B, beta, C); break;
        case 2: rowBlock<TransA, 2>(i0, m, n, k, alpha, A, B, beta, C); break;
        case 3: rowBlock<TransA, 3>(i0, m, n, k, alpha, A, B, beta, C); break;
        case 4: rowBlock<TransA, 4>(i0, m, n, k, alpha, A, B, beta, C); break;
        case 5: rowBlock<TransA, 5>(i0, m, n, k, alpha, A, B, beta, C); break;
        default: rowBlock<TransA, 6>(i0, m, n, k, alpha, A, B, beta, C); break;
      }
      i0 += blocks.rows[block];
    }
  }
}

#endif

}  // namespace

bool available() { return decision()[0] == 'a'; }

const char* describe() { return decision(); }

void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, double alpha, const double* A, const double* B,
          double beta, double* C) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  // op(B) = B^T (B is n x k): repacked k x n (at most 16 x 16) so the row loop reads it a row at a time.
  double packed[kMaxDepthTransposedB * 16];
  if (transB) {
    for (size_t p = 0; p < k; ++p) {
      for (size_t j = 0; j < n; ++j) packed[p * n + j] = B[j * k + p];
    }
    B = packed;
  }
  if (transA) {
    product<true>(m, n, k, alpha, A, B, beta, C);
  } else {
    product<false>(m, n, k, alpha, A, B, beta, C);
  }
#else
  (void)transA, (void)transB, (void)m, (void)n, (void)k, (void)alpha, (void)A, (void)B, (void)beta, (void)C;
  std::abort();  // unreachable: available() is false in this build
#endif
}

}  // namespace blasnet::kernels::small
