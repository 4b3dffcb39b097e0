// The AVX-512 small-matrix product of small_gemm.h and its AVX2 clone. Only these functions are compiled
// for AVX-512 or AVX2 (target attributes); they run only after available() has checked the CPU, so the
// addon still loads and runs on any x86-64, and the intrinsics are compiled on x86-64 only.
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
  const bool forceAvx2 = setting != nullptr && std::strcmp(setting, "avx2") == 0;
#ifdef BLASNET_SMALL_GEMM_AVX512
  __builtin_cpu_init();
  // GCC's and Clang's checks include the OS's support for the register state (XGETBV).
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (forceAvx2)
    return avx2 ? "avx2 (BLASNET_SMALL_GEMM=avx2)" : "off: BLASNET_SMALL_GEMM=avx2 but the CPU has no AVX2 and FMA";
  if (__builtin_cpu_supports("avx512f")) return "avx512";
  if (avx2) return "avx2";
  return "off: the CPU has neither AVX-512 nor AVX2 and FMA";
#else
  (void)forceAvx2;
  return "off: not an x86-64 build";
#endif
}

// A function-local static: decided once, thread-safely, and constant from then on.
const char* decision() {
  static const char* const value = decide();
  return value;
}

Isa decideIsa() {
  const char* d = decision();
  if (std::strncmp(d, "avx512", 6) == 0) return Isa::Avx512;
  if (std::strncmp(d, "avx2", 4) == 0) return Isa::Avx2;
  return Isa::Off;
}

#ifdef BLASNET_SMALL_GEMM_AVX512

// R rows of C (i0 .. i0 + R - 1), all 9 <= n <= 16 columns: lanes 0-7 in one register, 8-15 in a masked one.
// 2R independent accumulators: with R >= 4 the fused multiply-adds are not waiting on each other.
template <bool TransA, int R>
__attribute__((target("avx512f"), always_inline)) inline void rowBlock(size_t i0, size_t m, size_t n, size_t k,
                                                                       double alpha, const double* A, const double* B,
                                                                       double beta, double* C) {
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

// ---- The AVX2 clone: the same arithmetic (one running fused multiply-add sum per element, in k order,
// then alpha * sum + beta * C) in 256-bit registers. A row of n columns (5-16 doubles, 4-32 floats) takes
// NC = ceil(n / lanes) registers, the last one partly past n. Masked loads and stores (vmaskmov) are used only where
// lanes past n would fall outside the operand (B's last row, C's last row, the bias) or on C a later block still has to
// read: on AMD's Zen cores a masked store is microcoded and a masked load costs as much as the row's FMAs, so elsewhere
// the lanes past n are read from and written over the next row (which its own stores then overwrite). Blocks of R rows
// keep R * NC accumulators in at most 16 registers, so nothing spills.
struct Double4 {
  using T = double;
  using V = __m256d;
  using M = __m256i;
  static constexpr int kLanes = 4;
  __attribute__((target("avx2,fma"), always_inline)) static inline M mask(size_t lanes) {
    const __m256i index = _mm256_setr_epi64x(0, 1, 2, 3);
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(lanes)), index);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V zero() { return _mm256_setzero_pd(); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V load(const T* p) { return _mm256_loadu_pd(p); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V load(const T* p, M m) {
    return _mm256_maskload_pd(p, m);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline void store(T* p, V v) { _mm256_storeu_pd(p, v); }
  __attribute__((target("avx2,fma"), always_inline)) static inline void store(T* p, M m, V v) {
    _mm256_maskstore_pd(p, m, v);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V set1(T x) { return _mm256_set1_pd(x); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V fmadd(V a, V b, V c) {
    return _mm256_fmadd_pd(a, b, c);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V add(V a, V b) { return _mm256_add_pd(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V max(V a, V b) { return _mm256_max_pd(a, b); }
  // For the update bound of layerGradients: lanes where !(|v| <= limit), NaN included, as all-ones; `sign`
  // is signMask()'s.
  __attribute__((target("avx2,fma"), always_inline)) static inline V beyond(V v, V limit, V sign) {
    return _mm256_cmp_pd(_mm256_andnot_pd(sign, v), limit, _CMP_NLE_UQ);
  }
  // -0.0 in every lane, made where it is used (see gradientBlockAvx2): all ones shifted to the sign bit.
  __attribute__((target("avx2,fma"), always_inline)) static inline V signMask() {
    V sign = zero();
    asm volatile("vpcmpeqd %0, %0, %0\n\tvpsllq $63, %0, %0" : "+x"(sign));
    return sign;
  }
  // Lanes where v is infinite or NaN, as all-ones: v - v is +0 for every finite v and NaN otherwise.
  __attribute__((target("avx2,fma"), always_inline)) static inline V notFinite(V v) {
    return _mm256_cmp_pd(_mm256_sub_pd(v, v), _mm256_setzero_pd(), _CMP_NEQ_UQ);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V either(V a, V b) { return _mm256_or_pd(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V within(V v, M m) {
    return _mm256_and_pd(v, _mm256_castsi256_pd(m));
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline bool any(V v) { return _mm256_movemask_pd(v) != 0; }
};

struct Float8 {
  using T = float;
  using V = __m256;
  using M = __m256i;
  static constexpr int kLanes = 8;
  __attribute__((target("avx2,fma"), always_inline)) static inline M mask(size_t lanes) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)), index);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V zero() { return _mm256_setzero_ps(); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V load(const T* p) { return _mm256_loadu_ps(p); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V load(const T* p, M m) {
    return _mm256_maskload_ps(p, m);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  __attribute__((target("avx2,fma"), always_inline)) static inline void store(T* p, M m, V v) {
    _mm256_maskstore_ps(p, m, v);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V set1(T x) { return _mm256_set1_ps(x); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V fmadd(V a, V b, V c) {
    return _mm256_fmadd_ps(a, b, c);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V beyond(V v, V limit, V sign) {
    return _mm256_cmp_ps(_mm256_andnot_ps(sign, v), limit, _CMP_NLE_UQ);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V signMask() {
    V sign = zero();
    asm volatile("vpcmpeqd %0, %0, %0\n\tvpslld $31, %0, %0" : "+x"(sign));
    return sign;
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V notFinite(V v) {
    return _mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_NEQ_UQ);
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline V either(V a, V b) { return _mm256_or_ps(a, b); }
  __attribute__((target("avx2,fma"), always_inline)) static inline V within(V v, M m) {
    return _mm256_and_ps(v, _mm256_castsi256_ps(m));
  }
  __attribute__((target("avx2,fma"), always_inline)) static inline bool any(V v) { return _mm256_movemask_ps(v) != 0; }
};

// The SGD update p - rate * g as sgdApply's AVX2 clone computes it (target "avx2", so no fused
// multiply-add: vmulpd, then vsubpd): the product rounded, then the difference. Here the target has fused
// multiply-adds and GCC contracts (-ffp-contract=fast): the empty asm keeps the product a value of its own,
// so the two operations stay two, with sgdApply's bits.
template <typename Op>
__attribute__((target("avx2,fma"), always_inline)) inline typename Op::V sgdUpdateAvx2(typename Op::V p,
                                                                                       typename Op::V g,
                                                                                       typename Op::V rate) {
  typename Op::V step = Op::mul(rate, g);
  asm("" : "+x"(step));
  return Op::sub(p, step);
}

// How a block of R rows of NC registers takes a k step: every row's broadcast first, then one register of
// B at a time (R + 1 registers beside the R * NC accumulators), or B's NC registers first, then each row's
// broadcast (NC + 1). The broadcasts first where they fit in 16: that lets 13-16 doubles take 3 rows a block
// (12 accumulators). In float64, only where they also need no more registers than B's: with 5 rows of two
// registers (16 with the broadcasts first, 13 with B's) GCC kept one accumulator on the stack in the k loop
// of the Relu variant and of the gradients' (a load and a store each k step; What we tried, 82). In float32
// the broadcasts first stay: B's first made workload A's float32 steps 2-3% slower (steps-ab, both orders).
template <int R, int NC, int Lanes>
constexpr bool broadcastsFirst() {
  return (R <= NC || Lanes == 8) && R * NC + R + 1 <= 16;
}

// Relu: max(c, 0) in the stores (gemmBiasRows for a Relu layer), Relu's `z > 0 ? z : 0` exactly: vmax
// returns its second operand, +0, for a NaN c and for c = -0.
template <typename Op, bool TransA, int R, int NC, bool Relu = false>
__attribute__((target("avx2,fma"), always_inline)) inline void rowBlockAvx2(
    size_t i0, size_t m, size_t n, size_t k, typename Op::T alpha, const typename Op::T* A, const typename Op::T* B,
    typename Op::T beta, typename Op::T* C, const typename Op::T* bias, const typename Op::T* const* aRows) {
  using T = typename Op::T;
  using V = typename Op::V;
  constexpr int L = Op::kLanes;
  const auto last = Op::mask(n - (NC - 1) * L);
  const size_t lda = TransA ? m : k;
  // A's rows (A not transposed): consecutive, or where a table says (gemmBiasRows: a minibatch read in place).
  const T* aRow[R];
  for (int r = 0; r < R; ++r) aRow[r] = aRows != nullptr ? aRows[i0 + r] : A + (TransA ? 0 : (i0 + r) * lda);
  V acc[R][NC];
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < NC; ++j) acc[r][j] = Op::zero();
  }
  for (size_t p = 0; p < k; ++p) {
    const T* row = B + p * n;
    // Lanes past n of a row of B are the next row's head: they only reach accumulator lanes past n, which
    // are never kept (see the stores below). Only B's last row, where they would be past its end, is
    // loaded masked.
    if constexpr (broadcastsFirst<R, NC, Op::kLanes>()) {
      V a[R];
      for (int r = 0; r < R; ++r) a[r] = Op::set1(TransA ? A[p * lda + i0 + r] : aRow[r][p]);
      for (int j = 0; j < NC; ++j) {
        const V bj = j + 1 < NC || p + 1 < k ? Op::load(row + j * L) : Op::load(row + j * L, last);
        for (int r = 0; r < R; ++r) acc[r][j] = Op::fmadd(a[r], bj, acc[r][j]);
      }
    } else {
      V b[NC];
      for (int j = 0; j + 1 < NC; ++j) b[j] = Op::load(row + j * L);
      b[NC - 1] = p + 1 < k ? Op::load(row + (NC - 1) * L) : Op::load(row + (NC - 1) * L, last);
      for (int r = 0; r < R; ++r) {
        const V a = Op::set1(TransA ? A[p * lda + i0 + r] : aRow[r][p]);
        for (int j = 0; j < NC; ++j) acc[r][j] = Op::fmadd(a, b[j], acc[r][j]);
      }
    }
  }
  // As in the AVX-512 kernel: all of C is read before any of it is written.
  V previous[R][NC];
  if (beta != T(0)) {
    for (int r = 0; r < R; ++r) {
      const T* in = C + (i0 + r) * n;
      for (int j = 0; j + 1 < NC; ++j) previous[r][j] = Op::load(in + j * L);
      previous[r][NC - 1] = Op::load(in + (NC - 1) * L, last);
    }
  } else {
    for (int r = 0; r < R; ++r) {
      for (int j = 0; j < NC; ++j)
        previous[r][j] = Op::zero();  // unread with beta == 0; set so GCC sees no garbage read
    }
  }
  const V scale = Op::set1(alpha);
  const V keep = Op::set1(beta);
  for (int r = 0; r < R; ++r) {
    T* out = C + (i0 + r) * n;
    // A masked store (vmaskmov) is microcoded on AMD's Zen cores: without one per row, float32 products
    // ran 1.3-1.4x faster (64x15x15 A^T B 590 -> 447 ns, 15x10x15 145 -> 104). A row's last register is stored whole
    // instead, its lanes past n landing on the head of the next row, which that row's own stores (later, rows go in
    // order) overwrite. Only C's last row, and a block's last row when the next block still has to read C (beta != 0),
    // keep the masked store. Every element of C still gets exactly the value computed for it.
    const bool masked = i0 + r + 1 == m || (r + 1 == R && beta != T(0));
    for (int j = 0; j < NC; ++j) {
      V c = Op::mul(scale, acc[r][j]);
      if (beta != T(0)) c = Op::fmadd(keep, previous[r][j], c);
      if (bias != nullptr) c = Op::add(c, Op::load(bias + j * L));  // bias padded to NC * L (gemmBias)
      if constexpr (Relu) c = Op::max(c, Op::zero());
      if (j + 1 < NC || !masked) {
        Op::store(out + j * L, c);
      } else {
        Op::store(out + j * L, last, c);
      }
    }
  }
}

// Rows in at most MaxR-row blocks, split evenly (7 rows with MaxR 3: 3 + 2 + 2), for the same reason as
// the AVX-512 kernel: a block of one or two rows leaves its accumulators waiting on each other.
template <typename Op, bool TransA, int NC, int MaxR, bool Relu = false>
__attribute__((target("avx2,fma"))) void productAvx2(size_t m, size_t n, size_t k, typename Op::T alpha,
                                                     const typename Op::T* A, const typename Op::T* B,
                                                     typename Op::T beta, typename Op::T* C, const typename Op::T* bias,
                                                     const typename Op::T* const* aRows) {
  const size_t blocks = (m + MaxR - 1) / MaxR;
  const size_t base = m / blocks, extra = m % blocks;
  size_t i0 = 0;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t rows = base + (block < extra ? 1 : 0);
    switch (rows) {
      case 1: rowBlockAvx2<Op, TransA, 1, NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows); break;
      case 2:
        rowBlockAvx2<Op, TransA, (MaxR >= 2 ? 2 : 1), NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows);
        break;
      case 3:
        rowBlockAvx2<Op, TransA, (MaxR >= 3 ? 3 : 1), NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows);
        break;
      case 4:
        rowBlockAvx2<Op, TransA, (MaxR >= 4 ? 4 : 1), NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows);
        break;
      case 5:
        rowBlockAvx2<Op, TransA, (MaxR >= 5 ? 5 : 1), NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows);
        break;
      default:
        rowBlockAvx2<Op, TransA, (MaxR >= 6 ? 6 : 1), NC, Relu>(i0, m, n, k, alpha, A, B, beta, C, bias, aRows);
        break;
    }
    i0 += rows;
  }
}

template <typename Op, bool TransA, bool Relu = false>
void dispatchAvx2(size_t m, size_t n, size_t k, typename Op::T alpha, const typename Op::T* A, const typename Op::T* B,
                  typename Op::T beta, typename Op::T* C, const typename Op::T* bias = nullptr,
                  const typename Op::T* const* aRows = nullptr) {
  // Blocks of R rows with R * NC accumulators, at most 12: with B's registers (or the rows' broadcasts, see
  // rowBlockAvx2) and a broadcast they fill the 16 registers without a spill. Two registers a row go in
  // blocks of at most 5: the 6-row block (12 accumulators and B's two registers) ran 1.2-2.3x slower than
  // OpenBLAS wherever whole 6-row blocks came up (24 and 64 rows), in both dtypes (What we tried, 81).
  if constexpr (Op::kLanes == 8) {
    if (n <= 8) {
      productAvx2<Op, TransA, 1, 6, Relu>(m, n, k, alpha, A, B, beta, C, bias, aRows);  // 4-8 floats: 1 register
    } else if (n <= 16) {
      productAvx2<Op, TransA, 2, 5, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                          aRows);  // 9-16 floats: 2 registers, 10 accumulators
    } else if (n <= 24) {
      productAvx2<Op, TransA, 3, 4, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                          aRows);  // 17-24 floats: 3 registers, 12 accumulators
    } else {
      productAvx2<Op, TransA, 4, 3, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                          aRows);  // 25-32 floats: 4 registers, 12 accumulators
    }
  } else if (n <= 8) {
    productAvx2<Op, TransA, 2, 5, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                        aRows);  // 5-8 doubles: 2 registers, 10 accumulators
  } else if (n <= 12) {
    productAvx2<Op, TransA, 3, 3, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                        aRows);  // 9-12 doubles: 3 registers, 9 accumulators
  } else {
    productAvx2<Op, TransA, 4, 3, Relu>(m, n, k, alpha, A, B, beta, C, bias,
                                        aRows);  // 13-16 doubles: 4 registers, 12 accumulators
  }
}

// op(B) = B^T (B is n x k): repacked k x n (at most kKernelMaxPacked elements) so the row loop reads it a
// row at a time.
template <typename T>
const T* packTransposed(size_t n, size_t k, const T* B, T* packed) {
  for (size_t p = 0; p < k; ++p) {
    for (size_t j = 0; j < n; ++j) packed[p * n + j] = B[j * k + p];
  }
  return packed;
}

// packTransposed for doubles in 4 x 4 tiles of AVX2 registers (two unpacks and a lane permute per pair), the
// last tile of each direction overlapping the one before it where n or k is not a multiple of 4 (it writes
// the same values again). The scalar loop cost 2.4% of workload A's step for a 15 x 10 W^T.
__attribute__((target("avx2"))) inline const double* packTransposedAvx2(size_t n, size_t k, const double* B,
                                                                        double* packed) {
  if (n < 4 || k < 4) return packTransposed(n, k, B, packed);
  for (size_t j = 0;; j += 4) {
    const size_t j0 = j + 4 <= n ? j : n - 4;
    for (size_t q = 0;; q += 4) {
      const size_t p0 = q + 4 <= k ? q : k - 4;
      const __m256d r0 = _mm256_loadu_pd(B + (j0 + 0) * k + p0);
      const __m256d r1 = _mm256_loadu_pd(B + (j0 + 1) * k + p0);
      const __m256d r2 = _mm256_loadu_pd(B + (j0 + 2) * k + p0);
      const __m256d r3 = _mm256_loadu_pd(B + (j0 + 3) * k + p0);
      const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
      const __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
      _mm256_storeu_pd(packed + (p0 + 0) * n + j0, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_storeu_pd(packed + (p0 + 1) * n + j0, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_storeu_pd(packed + (p0 + 2) * n + j0, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_storeu_pd(packed + (p0 + 3) * n + j0, _mm256_permute2f128_pd(t1, t3, 0x31));
      if (p0 + 4 == k) break;
    }
    if (j0 + 4 == n) break;
  }
  return packed;
}

// packTransposed for floats in 8 x 8 tiles (unpacks, shuffles and lane permutes; the last tile of each
// direction overlapping the one before, as for doubles), where both sides have 8: the scalar loop was ~4%
// of float32 A's step in perf for its 15 x 10 W^T (What we tried, 58). 4 x 4 tiles had not helped (35).
__attribute__((target("avx2"))) inline const float* packTransposedAvx2(size_t n, size_t k, const float* B,
                                                                       float* packed) {
  if (n < 8 || k < 8) return packTransposed(n, k, B, packed);
  for (size_t j = 0;; j += 8) {
    const size_t j0 = j + 8 <= n ? j : n - 8;
    for (size_t q = 0;; q += 8) {
      const size_t p0 = q + 8 <= k ? q : k - 8;
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(B + (j0 + i) * k + p0);
      __m256 t[8], u[8];
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      for (int h = 0; h < 8; h += 4) {
        u[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int c = 0; c < 4; ++c) {
        _mm256_storeu_ps(packed + (p0 + c) * n + j0, _mm256_permute2f128_ps(u[c], u[c + 4], 0x20));
        _mm256_storeu_ps(packed + (p0 + c + 4) * n + j0, _mm256_permute2f128_ps(u[c], u[c + 4], 0x31));
      }
      if (p0 + 8 == k) break;
    }
    if (j0 + 8 == n) break;
  }
  return packed;
}

// ---- A layer's weight and bias gradients in one A^T B product (layerGradients in small_gemm.h). C has
// in + 1 rows: rows 0 .. in - 1 are A^T B (A is k x in, its row p at aRows[p]), row `in` is the column sums
// of B, computed as the product's row for an A column of ones: acc + b is fma(1, b, acc), rounded once, so
// each sum is the same additions in the same order as columnSums' (the same bits). The ones row is the
// last row of the last block (OnesLast). With Check, each stored register and the parameters it will
// update (P, laid out as C) are compared with the limits, lanes past n left out: any lane beyond them (or
// NaN) sets `flags`. With Update instead, C is not written: the updated parameters P - rate C are, to Q
// (laid out as C), and any of them not finite sets `flags` (sgdStaysFinite's exact check, on the same
// values; the bound's two limits and sign mask, live through the k loop beside the rate, made GCC spill
// accumulators there, What we tried 62). The update in the stores, not a pass of its own (63).
template <typename Op, int R, int NC, bool OnesLast, bool Check, bool Update>
__attribute__((target("avx2,fma"), always_inline)) inline void gradientBlockAvx2(
    size_t i0, size_t rowsOut, size_t n, size_t k, const typename Op::T* const* aRows, const typename Op::T* B,
    typename Op::T* C, const typename Op::T* P, typename Op::T* Q, typename Op::V rate, typename Op::V gradientLimit,
    typename Op::V parameterLimit, typename Op::V& flags) {
  static_assert(!(Check && Update), "either the bound or the update");
  using T = typename Op::T;
  using V = typename Op::V;
  constexpr int L = Op::kLanes;
  const auto last = Op::mask(n - (NC - 1) * L);
  V acc[R][NC];
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < NC; ++j) acc[r][j] = Op::zero();
  }
  for (size_t p = 0; p < k; ++p) {
    const T* row = B + p * n;
    const T* a = aRows[p] + i0;
    // As rowBlockAvx2: lanes past n of B's rows are the next row's head, B's last row loaded masked.
    if constexpr (broadcastsFirst<R, NC, Op::kLanes>()) {
      V broadcast[R];
      for (int r = 0; r < R; ++r) {
        if (!(OnesLast && r + 1 == R)) broadcast[r] = Op::set1(a[r]);
      }
      for (int j = 0; j < NC; ++j) {
        const V bj = j + 1 < NC || p + 1 < k ? Op::load(row + j * L) : Op::load(row + j * L, last);
        for (int r = 0; r < R; ++r) {
          acc[r][j] = OnesLast && r + 1 == R ? Op::add(acc[r][j], bj) : Op::fmadd(broadcast[r], bj, acc[r][j]);
        }
      }
    } else {
      V b[NC];
      for (int j = 0; j + 1 < NC; ++j) b[j] = Op::load(row + j * L);
      b[NC - 1] = p + 1 < k ? Op::load(row + (NC - 1) * L) : Op::load(row + (NC - 1) * L, last);
      for (int r = 0; r < R; ++r) {
        if (OnesLast && r + 1 == R) {
          for (int j = 0; j < NC; ++j) acc[r][j] = Op::add(acc[r][j], b[j]);
        } else {
          const V ar = Op::set1(a[r]);
          for (int j = 0; j < NC; ++j) acc[r][j] = Op::fmadd(ar, b[j], acc[r][j]);
        }
      }
    }
  }
  // alpha = 1, beta = 0: the sum itself (gemm's 1 * sum is exact). Rows stored whole but C's last (the bias
  // gradient's, whose lanes past n would land beyond the layer), as rowBlockAvx2 does with beta = 0.
  V bad = Op::zero();
  // The bound's sign mask made here, in the stores' phase (an asm GCC cannot hoist), not a constant it keeps
  // in a register through every block's k loop: beside the two limits that left the float64 3-row block no
  // register for B's row, which each fused multiply-add then read from memory (15 loads a k step instead of
  // 7): the bound's product ran 1.4x slower (1.21 against 0.84 us at 64 x 15, k = 15) once the update's
  // variant (Update) was added beside it, which reshuffled GCC's allocation.
  const V sign = Check ? Op::signMask() : Op::zero();
  for (int r = 0; r < R; ++r) {
    T* out = C + (i0 + r) * n;
    const bool masked = i0 + r + 1 == rowsOut;
    for (int j = 0; j < NC; ++j) {
      const V c = acc[r][j];
      const bool whole = j + 1 < NC || !masked;
      if constexpr (Update) {
        // The gradient stays in its register, Q's stores in place of C's: with both, the store phase (one
        // store a cycle) cost more than sgdApply's pass saved (What we tried, 61). As C's, lanes past n of a
        // whole store land on the next row's head, which its own stores overwrite.
        const T* parameter = P + (i0 + r) * n + j * L;
        T* next = Q + (i0 + r) * n + j * L;
        const V updated = sgdUpdateAvx2<Op>(whole ? Op::load(parameter) : Op::load(parameter, last), c, rate);
        if (whole) {
          Op::store(next, updated);
        } else {
          Op::store(next, last, updated);
        }
        // updated - updated: +0 (no bits set) for a finite value, NaN otherwise; OR-ed together they stay
        // +0 or become a NaN's bits, compared once per block below. notFinite's compare per register (on
        // Zen's multiply pipes, beside the update's product and the next block's fused multiply-adds) cost
        // the 64 x 15 product 10-20 ns of its ~865 (What we tried, 78).
        V lane = Op::sub(updated, updated);
        if (j + 1 == NC) lane = Op::within(lane, last);
        bad = Op::either(bad, lane);
        continue;
      }
      if (whole) {
        Op::store(out + j * L, c);
      } else {
        Op::store(out + j * L, last, c);
      }
      if constexpr (Check) {
        const T* parameter = P + (i0 + r) * n + j * L;
        const V v = whole ? Op::load(parameter) : Op::load(parameter, last);
        V lane = Op::either(Op::beyond(c, gradientLimit, sign), Op::beyond(v, parameterLimit, sign));
        if (j + 1 == NC) lane = Op::within(lane, last);
        bad = Op::either(bad, lane);
      }
    }
  }
  if constexpr (Check) flags = Op::either(flags, bad);
  if constexpr (Update) flags = Op::either(flags, Op::notFinite(bad));  // bad - bad: NaN where bad is one
}

template <typename Op, int NC, int MaxR, bool Check, bool Update>
__attribute__((target("avx2,fma"))) bool gradientsAvx2(size_t in, size_t n, size_t k,
                                                       const typename Op::T* const* aRows, const typename Op::T* B,
                                                       typename Op::T* C, const typename Op::T* P, typename Op::T* Q,
                                                       typename Op::T learningRate, typename Op::T gradientLimit,
                                                       typename Op::T parameterLimit) {
  using V = typename Op::V;
  const size_t m = in + 1;
  const size_t blocks = (m + MaxR - 1) / MaxR;
  const size_t base = m / blocks, extra = m % blocks;
  const V gLimit = Op::set1(gradientLimit), pLimit = Op::set1(parameterLimit), rate = Op::set1(learningRate);
  V flags = Op::zero();
  size_t i0 = 0;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t rows = base + (block < extra ? 1 : 0);
    if (block + 1 < blocks) {
      switch (rows) {
#define BLASNET_GRADIENT_BLOCK(N, ONES)                                                                             \
  gradientBlockAvx2<Op, (MaxR >= N ? N : 1), NC, ONES, Check, Update>(i0, m, n, k, aRows, B, C, P, Q, rate, gLimit, \
                                                                      pLimit, flags);                               \
  break;
        case 1: BLASNET_GRADIENT_BLOCK(1, false)
        case 2: BLASNET_GRADIENT_BLOCK(2, false)
        case 3: BLASNET_GRADIENT_BLOCK(3, false)
        case 4: BLASNET_GRADIENT_BLOCK(4, false)
        case 5: BLASNET_GRADIENT_BLOCK(5, false)
        default: BLASNET_GRADIENT_BLOCK(6, false)
      }
    } else {
      switch (rows) {  // the last block ends with the ones row (at least 2 rows where m >= 2: blocks are even)
        case 1: BLASNET_GRADIENT_BLOCK(1, true)
        case 2: BLASNET_GRADIENT_BLOCK(2, true)
        case 3: BLASNET_GRADIENT_BLOCK(3, true)
        case 4: BLASNET_GRADIENT_BLOCK(4, true)
        case 5: BLASNET_GRADIENT_BLOCK(5, true)
        default: BLASNET_GRADIENT_BLOCK(6, true)
#undef BLASNET_GRADIENT_BLOCK
      }
    }
    i0 += rows;
  }
  return !Op::any(flags);
}

// gradientsAvx2 with the registers a row takes (NC) and the block's rows for n columns.
template <typename Op, bool Check, bool Update>
bool gradientsByWidth(size_t in, size_t n, size_t k, const typename Op::T* const* aRows, const typename Op::T* B,
                      typename Op::T* C, const typename Op::T* P, typename Op::T* Q, typename Op::T learningRate,
                      typename Op::T gradientLimit, typename Op::T parameterLimit) {
  const typename Op::T rate = learningRate, g = gradientLimit, p = parameterLimit;
  if constexpr (Op::kLanes == 8) {
    if (n <= 8) return gradientsAvx2<Op, 1, 6, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
    if (n <= 16) return gradientsAvx2<Op, 2, 6, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
    if (n <= 24) return gradientsAvx2<Op, 3, 4, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
    return gradientsAvx2<Op, 4, 3, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
  } else {
    if (n <= 8) return gradientsAvx2<Op, 2, 6, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
    if (n <= 12) return gradientsAvx2<Op, 3, 4, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
    return gradientsAvx2<Op, 4, 3, Check, Update>(in, n, k, aRows, B, C, P, Q, rate, g, p);
  }
}

template <typename Op>
bool dispatchGradientsAvx2(size_t in, size_t n, size_t k, const typename Op::T* const* aRows, const typename Op::T* B,
                           typename Op::T* C, const typename Op::T* P, typename Op::T* Q, typename Op::T learningRate,
                           typename Op::T gradientLimit, typename Op::T parameterLimit) {
  // 9-12 doubles in blocks of up to 4 rows (12 accumulators, B's 3 registers and a broadcast: 16, no spill
  // in objdump): workload A's 15 x 10 gradient (16 rows with the ones row) in 4 blocks instead of 6, 176 ->
  // 144-157 ns (What we tried, 77). The forward product's 4-row block was slower (146 -> 157 ns at 15 x 10).
  // The other widths as dispatchAvx2's blocks (5-8 doubles and 4-8 floats in blocks of up to 6 rows, 17-24
  // floats 4, 25-32 floats 3).
  if (P == nullptr) return gradientsByWidth<Op, false, false>(in, n, k, aRows, B, C, P, Q, 0, 0, 0);
  if (Q == nullptr)
    return gradientsByWidth<Op, true, false>(in, n, k, aRows, B, C, P, Q, 0, gradientLimit, parameterLimit);
  return gradientsByWidth<Op, false, true>(in, n, k, aRows, B, C, P, Q, learningRate, 0, 0);
}

template <typename Op>
void gemmAvx2(bool transA, bool transB, size_t m, size_t n, size_t k, typename Op::T alpha, const typename Op::T* A,
              const typename Op::T* B, typename Op::T beta, typename Op::T* C) {
  typename Op::T packed[kKernelMaxPacked];
  if (transB) {
    B = packTransposedAvx2(n, k, B, packed);
  }
  if (transA) {
    dispatchAvx2<Op, true>(m, n, k, alpha, A, B, beta, C);
  } else {
    dispatchAvx2<Op, false>(m, n, k, alpha, A, B, beta, C);
  }
}
#endif

}  // namespace

Isa isa() {
  static const Isa value = decideIsa();
  return value;
}

bool available() { return isa() != Isa::Off; }

const char* describe() { return decision(); }

void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, double alpha, const double* A, const double* B,
          double beta, double* C) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  if (isa() == Isa::Avx2) {
    gemmAvx2<Double4>(transA, transB, m, n, k, alpha, A, B, beta, C);
    return;
  }
  double packed[kMaxDepthTransposedB * 16];
  if (transB) B = packTransposed(n, k, B, packed);
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

void gemm(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* A, const float* B,
          float beta, float* C) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  gemmAvx2<Float8>(transA, transB, m, n, k, alpha, A, B, beta, C);
#else
  (void)transA, (void)transB, (void)m, (void)n, (void)k, (void)alpha, (void)A, (void)B, (void)beta, (void)C;
  std::abort();  // unreachable: available() is false in this build
#endif
}

#ifdef BLASNET_SMALL_GEMM_AVX512
namespace {
// The bias padded with zeros to whole registers (n rounded up to the lanes), so the stores' epilogue loads
// it unmasked.
// Copied register by register: written as a zeroed array and a loop, GCC made it `rep stosq` and
// `rep movsq`, whose start-up on AMD's cores was three quarters of gemmBias's and gemmBiasRows' own samples
// (What we tried, 64).
template <typename Op>
__attribute__((target("avx2,fma"))) void padBiasAvx2(size_t n, const typename Op::T* bias, typename Op::T* padded) {
  constexpr size_t L = Op::kLanes;
  for (size_t done = 0; done < n; done += L) {
    Op::store(padded + done, done + L <= n ? Op::load(bias + done) : Op::load(bias + done, Op::mask(n - done)));
  }
}

template <typename Op>
void gemmBiasAvx2(size_t m, size_t n, size_t k, const typename Op::T* A, const typename Op::T* B,
                  const typename Op::T* bias, typename Op::T* C) {
  alignas(32) typename Op::T padded[kKernelMaxColsFloat];
  padBiasAvx2<Op>(n, bias, padded);
  dispatchAvx2<Op, false>(m, n, k, typename Op::T(1), A, B, typename Op::T(0), C, padded);
}
}  // namespace
#endif

bool gemmBias(size_t m, size_t n, size_t k, const double* A, const double* B, const double* bias, double* C) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  if (isa() != Isa::Avx2 || !fitsAvx2(false, false, m, n, k)) return false;
  gemmBiasAvx2<Double4>(m, n, k, A, B, bias, C);
  return true;
#else
  (void)m, (void)n, (void)k, (void)A, (void)B, (void)bias, (void)C;
  return false;
#endif
}

bool gemmBias(size_t m, size_t n, size_t k, const float* A, const float* B, const float* bias, float* C) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  if (isa() == Isa::Off || !fitsAvx2Float(false, false, m, n, k)) return false;
  gemmBiasAvx2<Float8>(m, n, k, A, B, bias, C);
  return true;
#else
  (void)m, (void)n, (void)k, (void)A, (void)B, (void)bias, (void)C;
  return false;
#endif
}

bool gemmBiasRows(size_t m, size_t n, size_t k, const double* const* rows, const double* B, const double* bias,
                  double* C, bool relu) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  if (isa() != Isa::Avx2 || !fitsAvx2(false, false, m, n, k)) return false;
  alignas(32) double padded[kKernelMaxColsFloat];
  padBiasAvx2<Double4>(n, bias, padded);
  if (relu) {
    dispatchAvx2<Double4, false, true>(m, n, k, 1.0, nullptr, B, 0.0, C, padded, rows);
  } else {
    dispatchAvx2<Double4, false>(m, n, k, 1.0, nullptr, B, 0.0, C, padded, rows);
  }
  return true;
#else
  (void)m, (void)n, (void)k, (void)rows, (void)B, (void)bias, (void)C, (void)relu;
  return false;
#endif
}

#ifdef BLASNET_SMALL_GEMM_AVX512
namespace {
// Relu in place, `c > 0 ? c : 0` bit for bit: vmax returns its second operand, +0, for a NaN and for -0.
// Relu is idempotent, so the last register overlaps the one before where the length is not a multiple of 8
// (the same value written again) instead of a masked load and store (microcoded on Zen).
__attribute__((target("avx2,fma"))) void reluInPlaceAvx2(size_t count, float* c) {
  if (count < 8) {
    for (size_t i = 0; i < count; ++i) c[i] = c[i] > 0.0f ? c[i] : 0.0f;
    return;
  }
  const __m256 zero = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(c + i, _mm256_max_ps(_mm256_loadu_ps(c + i), zero));
  if (i < count) _mm256_storeu_ps(c + count - 8, _mm256_max_ps(_mm256_loadu_ps(c + count - 8), zero));
}
}  // namespace
#endif

#ifdef BLASNET_SMALL_GEMM_AVX512
namespace {
// float32's hidden Relu in the forward product's stores (gemmBiasRows with relu, 9-16 floats: two registers a
// row), replacing reluInPlaceAvx2's pass over the product. rowBlockAvx2 with its Relu had spilled an
// accumulator and the last-lane mask in the k loop of the 5- and 6-row float blocks (What we tried, 33):
// the mask is live there for B's last row, loaded masked. Here that row is peeled off the loop, so the mask,
// the zero and the bias exist only after it, and the loop keeps rowBlockAvx2's registers (R = 5: ten
// accumulators, five broadcasts, B's register; R = 6: twelve, B's two, one broadcast). The same operations
// in the same order: each element's k-ordered fused multiply-adds, + bias (rowBlockAvx2's 1 * sum is exact),
// then vmax(z, 0) as rowBlockAvx2's Relu and reluInPlaceAvx2 compute it, so the same bits.
template <int R>
__attribute__((target("avx2,fma"), always_inline)) inline void forwardReluBlockFloat(size_t i0, size_t m, size_t n,
                                                                                     size_t k, const float* B, float* C,
                                                                                     const float* bias,
                                                                                     const float* const* aRows) {
  const float* aRow[R];
  for (int r = 0; r < R; ++r) aRow[r] = aRows[i0 + r];
  __m256 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (size_t p = 0; p + 1 < k; ++p) {
    const float* row = B + p * n;
    if constexpr (R * 2 + R + 1 <= 16) {
      __m256 a[R];
      for (int r = 0; r < R; ++r) a[r] = _mm256_set1_ps(aRow[r][p]);
      for (int j = 0; j < 2; ++j) {
        const __m256 bj = _mm256_loadu_ps(row + j * 8);
        for (int r = 0; r < R; ++r) acc[r][j] = _mm256_fmadd_ps(a[r], bj, acc[r][j]);
      }
    } else {
      const __m256 b0 = _mm256_loadu_ps(row), b1 = _mm256_loadu_ps(row + 8);
      for (int r = 0; r < R; ++r) {
        const __m256 a = _mm256_set1_ps(aRow[r][p]);
        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
      }
    }
  }
  // B's last row: its second register masked (lanes past n would read beyond B). The mask and the zero are
  // made behind volatile asms, here: GCC otherwise makes both once before the loop and keeps them in
  // registers through it, which spilled an accumulator again (a load and a store of it each k step).
  size_t tail = n - 8;
  asm volatile("" : "+r"(tail));
  const __m256i last = Float8::mask(tail);
  {
    const size_t p = k - 1;
    const float* row = B + p * n;
    const __m256 b0 = _mm256_loadu_ps(row), b1 = _mm256_maskload_ps(row + 8, last);
    for (int r = 0; r < R; ++r) {
      const __m256 a = _mm256_set1_ps(aRow[r][p]);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
  }
  __m256 zero;
  asm volatile("vxorps %0, %0, %0" : "=x"(zero));
  const __m256 bias0 = _mm256_load_ps(bias), bias1 = _mm256_load_ps(bias + 8);  // padded to 16 (padBiasAvx2)
  for (int r = 0; r < R; ++r) {
    float* out = C + (i0 + r) * n;
    _mm256_storeu_ps(out, _mm256_max_ps(_mm256_add_ps(acc[r][0], bias0), zero));
    const __m256 c1 = _mm256_max_ps(_mm256_add_ps(acc[r][1], bias1), zero);
    // As rowBlockAvx2: a row's second register stored whole over the next row's head (which that row's own
    // stores overwrite after), but C's last row, masked.
    if (i0 + r + 1 == m) {
      _mm256_maskstore_ps(out + 8, last, c1);
    } else {
      _mm256_storeu_ps(out + 8, c1);
    }
  }
}

// Rows in blocks of at most 6, split evenly, as productAvx2's (15 rows: 5 + 5 + 5).
__attribute__((target("avx2,fma"))) void forwardReluFloat(size_t m, size_t n, size_t k, const float* const* rows,
                                                          const float* B, const float* padded, float* C) {
  const size_t blocks = (m + 5) / 6;
  const size_t base = m / blocks, extra = m % blocks;
  size_t i0 = 0;
  for (size_t block = 0; block < blocks; ++block) {
    const size_t count = base + (block < extra ? 1 : 0);
    switch (count) {
      case 1: forwardReluBlockFloat<1>(i0, m, n, k, B, C, padded, rows); break;
      case 2: forwardReluBlockFloat<2>(i0, m, n, k, B, C, padded, rows); break;
      case 3: forwardReluBlockFloat<3>(i0, m, n, k, B, C, padded, rows); break;
      case 4: forwardReluBlockFloat<4>(i0, m, n, k, B, C, padded, rows); break;
      case 5: forwardReluBlockFloat<5>(i0, m, n, k, B, C, padded, rows); break;
      default: forwardReluBlockFloat<6>(i0, m, n, k, B, C, padded, rows); break;
    }
    i0 += count;
  }
}
}  // namespace
#endif

bool gemmBiasRows(size_t m, size_t n, size_t k, const float* const* rows, const float* B, const float* bias, float* C,
                  bool relu) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  if (isa() == Isa::Off || !fitsAvx2Float(false, false, m, n, k)) return false;
  alignas(32) float padded[kKernelMaxColsFloat];
  padBiasAvx2<Float8>(n, bias, padded);
  if (relu && n > 8 && n <= 16) {
    // Two registers a row: the Relu in the stores, B's last row peeled off the k loop (forwardReluFloat).
    forwardReluFloat(m, n, k, rows, B, padded, C);
    return true;
  }
  dispatchAvx2<Float8, false>(m, n, k, 1.0f, nullptr, B, 0.0f, C, padded, rows);
  // Other widths: the Relu in one pass over the product just written, still in L1 (in rowBlockAvx2's stores
  // GCC spilled an accumulator and the mask in the k loop of its 5- and 6-row float blocks, What we tried 33).
  if (relu) reluInPlaceAvx2(m * n, C);
  return true;
#else
  (void)m, (void)n, (void)k, (void)rows, (void)B, (void)bias, (void)C, (void)relu;
  return false;
#endif
}

bool layerGradientsFit(size_t in, size_t n, size_t k, bool float32) {
  if (isa() == Isa::Off || (!float32 && isa() != Isa::Avx2)) return false;
  return k >= 1 && fitsAvx2Dtype(true, false, in, n, k, float32);
}

bool layerGradients(size_t in, size_t n, size_t k, const double* const* aRows, const double* B, double* C,
                    const double* P, double gradientLimit, double parameterLimit, double* Q, double learningRate) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  return dispatchGradientsAvx2<Double4>(in, n, k, aRows, B, C, P, Q, learningRate, gradientLimit, parameterLimit);
#else
  (void)in, (void)n, (void)k, (void)aRows, (void)B, (void)C, (void)P, (void)gradientLimit, (void)parameterLimit;
  (void)Q, (void)learningRate;
  std::abort();  // unreachable: layerGradientsFit is false in this build
#endif
}

bool layerGradients(size_t in, size_t n, size_t k, const float* const* aRows, const float* B, float* C, const float* P,
                    float gradientLimit, float parameterLimit, float* Q, float learningRate) {
#ifdef BLASNET_SMALL_GEMM_AVX512
  return dispatchGradientsAvx2<Float8>(in, n, k, aRows, B, C, P, Q, learningRate, gradientLimit, parameterLimit);
#else
  (void)in, (void)n, (void)k, (void)aRows, (void)B, (void)C, (void)P, (void)gradientLimit, (void)parameterLimit;
  (void)Q, (void)learningRate;
  std::abort();
#endif
}

}  // namespace blasnet::kernels::small
