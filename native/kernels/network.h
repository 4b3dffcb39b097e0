// Whole-network passes built from the layer kernels: one native call runs a forward pass, a loss, or the
// gradients of a minibatch, so the per-call cost of crossing into native code is paid once per step
// rather than once per layer operation.
//
// Buffers are flat and their layout is fixed by the network's shape (lib/backend/layout.ts computes the
// same offsets):
//   layout     Int32Array [L, d_0, ..., d_L, f_1, ..., f_L]: L layers, unit counts, activation codes
//   parameters for each layer i: W_i (d_{i-1} x d_i, row-major) then b_i (d_i)
//   gradients  shaped like parameters
//   workspace  for `capacity` rows: each hidden layer's a_i (capacity x d_i, i < L), the output layer's
//              z_L and a_L, a scratch region (capacity x the widest hidden layer), then the gathered
//              inputs (capacity x d_0) and targets (capacity x d_L)
//
// A hidden layer keeps no z: forward computes z in a_i's buffer and applies the activation in place, since
// every activation's derivative comes from a (activations.h). The output layer keeps z_L because the
// cross-entropies are computed from it. Backward reuses the buffers as they fall free: delta_L goes over
// z_L, each delta_{i-1} = (delta_i W_i^T) * f'(a_{i-1}) is formed in the scratch region and lands over
// a_{i-1}, once a_{i-1}'s last use (dW_i = a_{i-1}^T delta_i) is done. For 784-512-512-10 at 256 rows that
// is 4.6 MB instead of the 7.6 MB of keeping z, a and delta for every layer.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "activations.h"
#include "elementwise.h"
#include "gemm.h"
#include "losses.h"
#include "optimizers.h"

namespace blasnet::kernels {

// The most layers a layout may declare: a sanity bound that keeps the offset tables on the stack.
constexpr size_t kMaxLayers = 256;

// The tables are deliberately left uninitialised: only the first `layers` entries are ever written and
// read, and zeroing 8 KB on every kernel call showed up as a tenth of a small call's time.
struct NetworkLayout {
  size_t layers = 0;
  size_t units[kMaxLayers + 1];
  ActivationCode activations[kMaxLayers];
  size_t parameterCount = 0;
  size_t weightOffset[kMaxLayers];
  size_t biasOffset[kMaxLayers];
  size_t unitSum = 0;       // sum of d_1..d_L
  size_t widestHidden = 0;  // max of d_1..d_{L-1}, 0 for one layer

  size_t inputs() const { return units[0]; }
  size_t outputs() const { return units[layers]; }

  // Workspace offsets for a given capacity; all sizes were overflow-checked by the binding.
  // a(capacity, i) is layer i's activations (0-based); z exists for the output layer only.
  size_t a(size_t capacity, size_t layer) const {
    return layer + 1 == layers ? outputZ(capacity) + capacity * outputs() : capacity * partialSum(layer);
  }
  size_t outputZ(size_t capacity) const { return capacity * partialSum(layers - 1); }
  size_t scratch(size_t capacity) const { return outputZ(capacity) + capacity * 2 * outputs(); }
  size_t gatheredInputs(size_t capacity) const { return scratch(capacity) + capacity * widestHidden; }
  size_t gatheredTargets(size_t capacity) const { return gatheredInputs(capacity) + capacity * units[0]; }
  size_t workspaceSize(size_t capacity) const { return gatheredTargets(capacity) + capacity * units[layers]; }

 private:
  size_t partialSum(size_t layer) const {
    size_t sum = 0;
    for (size_t i = 0; i < layer; ++i) sum += units[i + 1];
    return sum;
  }
};

// z = input W + bias for `rows` rows (one layer's forward product), and with `relu` (a hidden Relu layer)
// z = max(z, 0) where the small kernel applies it. Returns whether it did; the caller applies the
// activation otherwise. Where the small kernel's AVX2 clone takes the layer's shape at min(rows, 64) rows
// (small_gemm.h, fitsAvx2 and fitsAvx2Float: 5-16 units in float64, 4-32 in float32 on AVX2-only CPUs,
// depth <= 256), the product runs on it in slabs of at most 64 rows,
// split evenly (65 rows: 33 + 32, not 64 + 1, whose 1-row block would run slowly), the bias added in its
// stores and a Relu in them too (gemmBiasRows; in float32 too since What we tried 86). A loss
// report's or a predict's chunk of up to 1,024 rows through a 15- or 10-unit layer had gone to OpenBLAS,
// which ran such shapes at ~15 GFLOP/s where the clone runs ~35 (bench/README.md, What we tried 69).
// The clone sums each element over k in order whatever rows surround it, so a row's z is the same bits in
// any slab as alone. Against OpenBLAS: the same bits in float64 where OpenBLAS works in whole 4-row blocks,
// the last bits differ in the last row of an odd row count (its 1-row edge kernel) and in some float32
// elements (69). Otherwise the bias is broadcast into z and OpenBLAS adds input W with beta = 1.
template <typename T>
bool layerForwardProduct(size_t rows, size_t units, size_t in, const T* input, const T* W, const T* bias, T* z,
                         bool relu) {
  const size_t slabs = (rows + small::kAvx2MaxRows - 1) / small::kAvx2MaxRows;
  const size_t base = slabs == 0 ? 0 : rows / slabs, extra = slabs == 0 ? 0 : rows % slabs;
  const T* table[small::kAvx2MaxRows];
  size_t start = 0;
  for (size_t slab = 0; slab < slabs; ++slab) {
    const size_t count = base + (slab < extra ? 1 : 0);
    bool done;
    if (relu) {
      for (size_t r = 0; r < count; ++r) table[r] = input + (start + r) * in;
      done = small::gemmBiasRows(count, units, in, table, W, bias, z + start * units, true);
    } else {
      done = small::gemmBias(count, units, in, input + start * in, W, bias, z + start * units);
    }
    // Only the first slab, the largest, can be refused: the rule depends on the rows only through <= 64.
    if (!done) break;
    start += count;
  }
  if (start == rows) return relu;
  broadcastRows<T>(rows, units, bias, z);
  gemm<T>(false, false, rows, units, in, T(1), input, W, T(1), z);
  return false;
}

// Runs `rows` rows of X (rows x d_0) through the network. The last layer's activations go to `out`
// (rows x d_L) when it is given, otherwise to the workspace's a_L.
template <typename T>
void networkForward(const NetworkLayout& layout, const T* params, T* workspace, size_t capacity, const T* X,
                    size_t rows, T* out) {
  const T* input = X;
  const size_t last = layout.layers - 1;
  for (size_t i = 0; i < layout.layers; ++i) {
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    // Hidden layers compute z where a goes and apply the activation in place (see the file comment).
    T* z = workspace + (i == last ? layout.outputZ(capacity) : layout.a(capacity, i));
    T* a = (out != nullptr && i == last) ? out : workspace + layout.a(capacity, i);
    const bool relu = i != last && layout.activations[i] == ActivationCode::Relu;
    if (!layerForwardProduct<T>(rows, units, in, input, params + layout.weightOffset[i], params + layout.biasOffset[i],
                                z, relu)) {
      activation<T>(layout.activations[i]).forward(rows, units, z, a);
    }
    input = a;
  }
}

// The loss of the last forward pass (made without `out`) against `rows` rows of targets Y.
template <typename T>
double networkLossOfForward(const NetworkLayout& layout, LossCode loss, const T* workspace, size_t capacity, const T* Y,
                            size_t rows) {
  return lossValue<T>(loss, rows, layout.outputs(), workspace + layout.outputZ(capacity),
                      workspace + layout.a(capacity, layout.layers - 1), Y);
}

// The parameter count from which sgdStepIfFinite may take OpenBLAS's threaded route (optimizers.h); the
// small-network step below stays under it, where the update is always the one-thread pass.
constexpr size_t kSmallStepMaxParameters = size_t(1) << 16;

// Whether networkGradients can take the small-network step: every product of the step is one the small
// kernel's AVX2 clone takes (the forward products as gemmBias, the weight gradients as layerGradients; the
// deltas below are gemm calls either way), so the step's arithmetic is the general path's, operation for
// operation.
template <typename T>
bool smallStepFits(const NetworkLayout& layout, size_t rows) {
  constexpr bool float32 = sizeof(T) == 4;
  if (rows == 0 || layout.parameterCount >= kSmallStepMaxParameters) return false;
  for (size_t i = 0; i < layout.layers; ++i) {
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    if (!small::layerGradientsFit(in, units, rows, float32) ||
        !small::fitsAvx2Dtype(false, false, rows, units, in, float32)) {
      return false;
    }
  }
  return true;
}

// Layer i's delta carried below it: (delta W_i^T) * f'(a_{i-1}), formed in the scratch region and written
// over a_{i-1} (`below`), whose last use was layer i's weight gradient.
template <typename T>
void deltaBelow(const NetworkLayout& layout, size_t i, size_t rows, const T* delta, const T* params, T* scratch,
                T* below) {
  const size_t in = layout.units[i];
  gemm<T>(false, true, rows, in, layout.units[i + 1], T(1), delta, params + layout.weightOffset[i], T(0), scratch);
  activation<T>(layout.activations[i - 1]).backward(rows, in, below, scratch, below);
}

// networkGradients for a network whose every product is the small kernel's (issue 20, workload A: a step of
// ~4 µs, where each pass over a buffer counts). Three passes of the general path are folded into the
// products: the minibatch's inputs are read in place through a table of row pointers, by the first layer's
// forward product and its weight gradient, instead of gathered into the workspace; each layer's bias
// gradient is one more row of its weight-gradient product (layerGradients); and the SGD update's
// finiteness check becomes a bound read in that product's stores: when every gradient is within
// max / (4 learningRate) and every parameter within max / 4, every p - learningRate g is finite however it
// is rounded, so the update is written without its checking pass; otherwise the exact check decides, as
// before. The same operations on the same values as networkGradients' general path, so the same bits,
// loss and refusals (test/backend/*bits*, layer-steps and network-steps tests).
//
// With `next` (networkSteps' second parameter buffer, laid out as params; only where sgdApplyRoundsTwice)
// the update itself is written there, in the weight-gradient products' stores, instead of the gradients,
// and checked there exactly (every result finite), params left as they were: when it is, *updated says so
// and `next` holds what sgdApply would have made of params (the caller swaps the two); when it is not, the
// step runs again without `next` from the untouched params, which stores the gradients and refuses the
// update (as rare as values near overflow). The delta below each layer still reads that layer's old
// weights in params (What we tried, 61-63).
template <typename T, typename Index>
double smallStep(const NetworkLayout& layout, LossCode loss, T* params, T* gradients, T* workspace, size_t capacity,
                 const T* X, const T* Y, const Index* indices, size_t rows, T learningRate, T* next = nullptr,
                 bool* updated = nullptr) {
  // Y's rows are gathered after the forward pass (only the loss reads them), asked for now: the gather's
  // loads of random rows waited on the cache (What we tried, 57). Its region is the workspace's own.
  const size_t outputs = layout.outputs();
  for (size_t r = 0; r < rows; ++r) {
    const T* target = Y + static_cast<size_t>(indices[r]) * outputs;
    __builtin_prefetch(target);
    __builtin_prefetch(target + outputs - 1);
  }
  // Row pointers (rows <= 64, the forward product's rule): the minibatch's inputs where they lie in X, and
  // a hidden layer's activations for its weight gradient.
  const T* inputRows[small::kAvx2MaxRows];
  const T* table[small::kAvx2MaxRows];
  for (size_t r = 0; r < rows; ++r) inputRows[r] = X + static_cast<size_t>(indices[r]) * layout.inputs();
  const size_t last = layout.layers - 1;
  for (size_t i = 0; i < layout.layers; ++i) {
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    T* z = workspace + (i == last ? layout.outputZ(capacity) : layout.a(capacity, i));
    T* a = workspace + layout.a(capacity, i);
    const T* W = params + layout.weightOffset[i];
    const T* b = params + layout.biasOffset[i];
    if (i == 0) {
      // A hidden Relu layer's activation inside gemmBiasRows (z is a's buffer there): in the product's stores
      // (What we tried, 33; float32's since 86, with B's last row peeled off the k loop).
      const bool relu = i != last && layout.activations[i] == ActivationCode::Relu;
      small::gemmBiasRows(rows, units, in, inputRows, W, b, z, relu);
      if (relu) continue;
    } else {
      small::gemmBias(rows, units, in, workspace + layout.a(capacity, i - 1), W, b, z);
    }
    activation<T>(layout.activations[i]).forward(rows, units, z, a);
  }
  T* targets = workspace + layout.gatheredTargets(capacity);
  T* delta = workspace + layout.outputZ(capacity);
  const T* outputA = workspace + layout.a(capacity, last);
  gatherRows<T, Index>(rows, outputs, Y, indices, targets);
  double value;
  // Squared error's loss and delta read only A and the targets (not z): one pass (squaredErrorOutput, where
  // the AVX2 clones whose bits it has are chosen). The cross-entropies' loss reads z, which the delta
  // overwrites, so they keep loss, then delta.
#ifdef BLASNET_AVX2_CHAINS
  if (loss == LossCode::MeanSquaredError && avx2CloneChosen()) {
    value = squaredErrorOutput<T>(layout.activations[last], rows, outputs, outputA, targets, delta);
  } else
#endif
  {
    value = networkLossOfForward<T>(layout, loss, workspace, capacity, targets, rows);
    outputDelta<T>(loss, layout.activations[last], rows, outputs, outputA, targets, delta);
  }

  const bool update = learningRate > T(0) && std::isfinite(value);
  constexpr double max = double(std::numeric_limits<T>::max());
  const T parameterLimit = T(max / 4);
  const T gradientLimit = T(std::fmin(max / 4 / double(learningRate), max));
  bool bounded = true;
  T* scratch = workspace + layout.scratch(capacity);
  for (size_t step = 0; step < layout.layers; ++step) {
    const size_t i = last - step;
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    T* previous = i == 0 ? nullptr : workspace + layout.a(capacity, i - 1);
    if (i > 0) {
      for (size_t r = 0; r < rows; ++r) table[r] = previous + r * in;
    }
    bounded &=
        small::layerGradients(in, units, rows, i == 0 ? inputRows : table, delta, gradients + layout.weightOffset[i],
                              update ? params + layout.weightOffset[i] : nullptr, gradientLimit, parameterLimit,
                              update && next != nullptr ? next + layout.weightOffset[i] : nullptr, learningRate);
    if (i > 0) {
      deltaBelow<T>(layout, i, rows, delta, params, scratch, previous);
      delta = previous;
    }
  }
  if (!update) return value;
  if (next != nullptr) {
    // `bounded` is the exact check here: false only for an update sgdStepIfFinite refuses too.
    if (!bounded)
      return smallStep<T, Index>(layout, loss, params, gradients, workspace, capacity, X, Y, indices, rows,
                                 learningRate);
    *updated = true;  // written in layerGradients' stores
  } else if (bounded) {
    sgdApply<T>(layout.parameterCount, learningRate, params, gradients);  // what the checked pass would write
  } else if (!sgdStepIfFinite<T>(layout.parameterCount, learningRate, params, gradients)) {
    return std::numeric_limits<double>::infinity();
  }
  return value;
}

// Gathers rows `indices[0..rows)` of X and Y into the workspace, runs forward and backward, writes
// d(loss)/d(parameters) into `gradients` and returns the minibatch loss. With learningRate > 0 it then
// also takes a plain SGD step, params -= learningRate * gradients: the numpy reference program's training
// step in one call (a separate update call cost as much as a small step's arithmetic). The step is
// skipped when the loss is not finite, and refused when it would make any parameter non-finite, which is
// reported as an infinite loss; either way params are left exactly as they were.
template <typename T, typename Index>
double networkGradients(const NetworkLayout& layout, LossCode loss, T* params, T* gradients, T* workspace,
                        size_t capacity, const T* X, const T* Y, const Index* indices, size_t rows, T learningRate) {
  if (smallStepFits<T>(layout, rows)) {
    return smallStep<T, Index>(layout, loss, params, gradients, workspace, capacity, X, Y, indices, rows, learningRate);
  }
  T* inputs = workspace + layout.gatheredInputs(capacity);
  T* targets = workspace + layout.gatheredTargets(capacity);
  gatherRows<T, Index>(rows, layout.inputs(), X, indices, inputs);
  gatherRows<T, Index>(rows, layout.outputs(), Y, indices, targets);
  networkForward<T>(layout, params, workspace, capacity, inputs, rows, nullptr);
  const double value = networkLossOfForward<T>(layout, loss, workspace, capacity, targets, rows);

  const size_t last = layout.layers - 1;
  T* scratch = workspace + layout.scratch(capacity);
  // delta_L over z_L, which the loss was the last to need.
  T* delta = workspace + layout.outputZ(capacity);
  outputDelta<T>(loss, layout.activations[last], rows, layout.outputs(), workspace + layout.a(capacity, last), targets,
                 delta);
  for (size_t step = 0; step < layout.layers; ++step) {
    const size_t i = last - step;
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    T* previous = i == 0 ? inputs : workspace + layout.a(capacity, i - 1);
    // dW = previous^T delta, db = column sums of delta.
    gemm<T>(true, false, in, units, rows, T(1), previous, delta, T(0), gradients + layout.weightOffset[i]);
    columnSums<T>(rows, units, delta, gradients + layout.biasOffset[i]);
    if (i > 0) {
      deltaBelow<T>(layout, i, rows, delta, params, scratch, previous);
      delta = previous;
    }
  }
  if (learningRate > T(0) && std::isfinite(value) &&
      !sgdStepIfFinite<T>(layout.parameterCount, learningRate, params, gradients)) {
    return std::numeric_limits<double>::infinity();
  }
  return value;
}

// Consecutive minibatches of plain SGD in one call: rows indices[0..rows) in batches of batchSize (the last
// one shorter), each a networkGradients call with its update, each batch's loss written to losses[b]. It
// stops after the first batch whose loss is not finite or whose update was refused (reported as an
// infinite loss; either way that batch's update was skipped) and returns
// how many batches it ran, that one included. The arithmetic of each batch is exactly networkGradients',
// so any split of an epoch into calls gives the same bits.
//
// `spare` (parameterCount elements apart from everything else, or null) is a second parameter buffer for
// the small-network step's update in the gradient product's stores (smallStep with `next`): each such
// batch reads the current buffer and writes the other, so the delta below a layer still sees its old
// weights and a refused update has touched neither. Where the parameters end in the spare, they are copied
// back once, at the end of the call. The same values as sgdApply's pass over the vector, so the same bits;
// only where sgdApply rounds as the stores do (sgdApplyRoundsTwice: not on AVX-512 CPUs, where its clone
// fuses the multiply-add and the batches keep sgdApply's pass). Those stores leave no gradients behind, so
// the call's last batch keeps the stored gradients and sgdApply's pass: `gradients` holds the last batch's,
// as without the spare (a batch that stops the call early stored them too: smallStep).
template <typename T, typename Index>
size_t networkSteps(const NetworkLayout& layout, LossCode loss, T* params, T* gradients, T* workspace, size_t capacity,
                    const T* X, const T* Y, const Index* indices, size_t batchSize, size_t rows, T learningRate,
                    double* losses, T* spare = nullptr) {
  const bool fuse = spare != nullptr && learningRate > T(0) && sgdApplyRoundsTwice();
  T* current = params;
  size_t batch = 0;
  for (size_t start = 0; start < rows; start += batchSize) {
    const size_t count = rows - start < batchSize ? rows - start : batchSize;
    double value;
    if (fuse && start + count < rows && smallStepFits<T>(layout, count)) {
      T* other = current == params ? spare : params;
      bool updated = false;
      value = smallStep<T, Index>(layout, loss, current, gradients, workspace, capacity, X, Y, indices + start, count,
                                  learningRate, other, &updated);
      if (updated) current = other;
    } else {
      value = networkGradients<T, Index>(layout, loss, current, gradients, workspace, capacity, X, Y, indices + start,
                                         count, learningRate);
    }
    losses[batch++] = value;
    if (!std::isfinite(value)) break;
  }
  if (current != params) std::memcpy(params, current, layout.parameterCount * sizeof(T));
  return batch;
}

}  // namespace blasnet::kernels
