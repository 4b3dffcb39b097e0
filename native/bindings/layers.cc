// The non-product steps of a dense layer: bias broadcast, bias gradients and minibatch gathering.
#include <cstdint>

#include "../kernels/elementwise.h"
#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

// addBias(rows, cols, bias, Z): Z[i, :] += bias
template <typename T>
napi_value addBias(Call& call) {
  size_t rows = 0, cols = 0;
  Span<T> bias, Z;
  if (!call.dimension(0, "rows", &rows) || !call.dimension(1, "cols", &cols) ||
      !call.array(2, "bias", cols, "cols", &bias) || !call.array(3, "Z", rows * cols, "rows*cols", &Z) ||
      !call.disjoint("Z", Z, "bias", bias, false)) {
    return nullptr;
  }
  kernels::addBias<T>(rows, cols, bias.data, Z.data);
  return nullptr;
}

// columnSums(rows, cols, A, out): out[j] = sum_i A[i, j]
template <typename T>
napi_value columnSums(Call& call) {
  size_t rows = 0, cols = 0;
  Span<T> A, out;
  if (!call.dimension(0, "rows", &rows) || !call.dimension(1, "cols", &cols) ||
      !call.array(2, "A", rows * cols, "rows*cols", &A) || !call.array(3, "out", cols, "cols", &out) ||
      !call.disjoint("out", out, "A", A, false)) {
    return nullptr;
  }
  kernels::columnSums<T>(rows, cols, A.data, out.data);
  return nullptr;
}

// Every index must name a row of X; checked in full before the first row is copied.
template <typename Index>
bool checkIndices(Call& call, const Index* indices, size_t count, size_t offset, size_t sourceRows) {
  for (size_t i = 0; i < count; ++i) {
    const int64_t row = static_cast<int64_t>(indices[i]);
    if (row < 0 || static_cast<uint64_t>(row) >= sourceRows) {
      return call.rangeError("gatherRows: indices[%zu] = %lld is not a row of X (X has %zu rows)", offset + i,
                             static_cast<long long>(row), sourceRows);
    }
  }
  return true;
}

// gatherRows(rows, cols, X, indices, indexOffset, out): out[i, :] = X[indices[indexOffset + i], :]
template <typename T>
napi_value gatherRows(Call& call) {
  size_t rows = 0, cols = 0, offset = 0;
  Span<T> X, out;
  IndexSpan indices;
  if (!call.dimension(0, "rows", &rows) || !call.dimension(1, "cols", &cols) || !call.array(2, "X", 0, "0", &X) ||
      !call.indices(3, "indices", &indices) || !call.dimension(4, "indexOffset", &offset) ||
      !call.array(5, "out", rows * cols, "rows*cols", &out)) {
    return nullptr;
  }
  if (offset + rows > indices.length) {
    call.rangeError("gatherRows: expected indices to hold at least indexOffset+rows = %zu entries but it has %zu",
                    offset + rows, indices.length);
    return nullptr;
  }
  if (rows == 0 || cols == 0) return nullptr;
  const size_t sourceRows = X.length / cols;
  X.needed = sourceRows * cols;
  if (!call.disjoint("out", out, "X", X, false)) return nullptr;
  withIndices(indices.data, indices.isSigned, offset, [&](auto index) {
    if (checkIndices(call, index, rows, offset, sourceRows))
      kernels::gatherRows<T>(rows, cols, X.data, index, out.data);
    return 0;
  });
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(AddBias, addBias, "addBias", 4, 2, "bias")
BLASNET_TYPED_ENTRY(ColumnSums, columnSums, "columnSums", 4, 2, "A")
BLASNET_TYPED_ENTRY(GatherRows, gatherRows, "gatherRows", 6, 2, "X")
}  // namespace blasnet::binding
