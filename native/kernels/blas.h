// The one place that names CBLAS routines. Overloads by element type let every kernel above be a
// template: float32 (cblas_s*) is already here, so adding a float32 mode needs no kernel rewrite.
#pragma once

#include <cblas.h>

namespace blasnet::blas {

inline void gemm(bool transA, bool transB, int m, int n, int k, double alpha, const double* A, int lda, const double* B,
                 int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

inline void gemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

// y = alpha * A^T x + beta * y for a row-major A of rows x cols (x has rows elements, y cols).
inline void gemvTransposed(int rows, int cols, double alpha, const double* A, const double* x, double beta, double* y) {
  cblas_dgemv(CblasRowMajor, CblasTrans, rows, cols, alpha, A, cols, x, 1, beta, y, 1);
}
inline void gemvTransposed(int rows, int cols, float alpha, const float* A, const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, CblasTrans, rows, cols, alpha, A, cols, x, 1, beta, y, 1);
}

inline void axpy(int n, double alpha, const double* x, double* y) { cblas_daxpy(n, alpha, x, 1, y, 1); }
inline void axpy(int n, float alpha, const float* x, float* y) { cblas_saxpy(n, alpha, x, 1, y, 1); }

inline double dot(int n, const double* x, const double* y) { return cblas_ddot(n, x, 1, y, 1); }
inline float dot(int n, const float* x, const float* y) { return cblas_sdot(n, x, 1, y, 1); }

// OpenBLAS's thread count (process-wide; setNumThreads changes it).
inline int threads() { return openblas_get_num_threads(); }

}  // namespace blasnet::blas
