// Plain SGD without a whole-network gradient vector: networkSteps' lean path (issue 20, B's peak RSS).
//
// networkSteps (network.h) forms every layer's gradient into a vector as large as the parameters, checks
// the whole update and only then writes it, so that a refused update leaves the parameters as they were.
// Here each layer's gradient is formed in turn in a scratch as large as the largest layer (784-512-512-10:
// 401,920 elements instead of 669,706, 2.1 MB less; or 262,656 when the scratch lies right before the
// workspace, since layer 0's gradient, the last, can then run on into the workspace regions dead by then:
// leanScratchSize; or, below a Relu first layer, only the minibatch's inputs, every gradient then lying in
// the workspace: inputsAheadFit) and applied at once, which is only safe if no later
// layer's update can be refused. So before anything is written, a bound on every layer's update is
// computed from the largest |activation| entering it, the largest |delta| leaving the output layer (and
// an upper bound on the deltas below, through each layer's largest |parameter|) and the learning rate:
// when it shows every result finite, the update is written layer by layer; when it cannot (values near
// overflow, or parameters that are not finite), the exact path runs: a backward pass that checks every
// layer's update and writes nothing, then, if it passed, the minibatch again with the writes.
//
// The bits are networkGradients' bits: the same products with the same shapes and the same operands, in
// the same order (the weight gradient of a layer, its column sums, the delta below it, the activation's
// derivative), only the weight gradient lands in the scratch instead of the vector, and each element's
// update is the same `p - learningRate * g` (test/backend/network-steps.test.ts compares both paths bit
// for bit). Tiling a layer's product into smaller blocks was measured and not taken: OpenBLAS's edge
// kernels and its split over threads make a row block of A^T B differ from the whole product in the last
// bits (bench/README.md, "What we tried").
#pragma once

#include <climits>
#include <cmath>
#include <cstddef>
#include <limits>

#include "blas.h"
#include "network.h"
#include "optimizers.h"
#include "simd.h"

namespace blasnet::kernels {

inline size_t layerSize(const NetworkLayout& layout, size_t i) {
  return layout.units[i] * layout.units[i + 1] + layout.units[i + 1];
}

// The most parameters one layer has (W_i and b_i): the lean path's scratch.
inline size_t largestLayer(const NetworkLayout& layout) {
  size_t largest = 0;
  for (size_t i = 0; i < layout.layers; ++i) largest = layerSize(layout, i) > largest ? layerSize(layout, i) : largest;
  return largest;
}

// The workspace elements that are dead when layer 0's gradient is formed, last of the backward pass, in a
// network of two layers or more: every a_i, z_L and a_L, [0, scratch(capacity)). (delta_0 is formed in
// the scratch region and stays there, and layer 0's input is the gathered rows after it.)
inline size_t deadAtLayerZero(const NetworkLayout& layout, size_t capacity) {
  return layout.layers >= 2 ? layout.scratch(capacity) : 0;
}

// The scratch before the workspace that the lean path takes with layer 0's gradient running on into the
// dead workspace: the largest of the layers above the first, and of what layer 0's gradient needs beyond
// the dead workspace (784-512-512-10 at 256 rows: 262,656 elements instead of 401,920).
inline size_t leanScratchBehind(const NetworkLayout& layout, size_t capacity) {
  const size_t dead = deadAtLayerZero(layout, capacity);
  size_t least = layerSize(layout, 0) > dead ? layerSize(layout, 0) - dead : 0;
  for (size_t i = 1; i < layout.layers; ++i) least = layerSize(layout, i) > least ? layerSize(layout, i) : least;
  return least;
}

// The inputs-ahead arrangement (issue 20, B's peak RSS at 2 threads): the scratch before the workspace
// holds only the gathered minibatch inputs, so the workspace's own inputs region is dead all step, and every
// layer's gradient lies in the workspace: layer i >= 2's from the inputs region on; layer 1's right after
// a_1 (which then holds delta_1; a_2 .. a_L, z_L, the delta scratch and the inputs region are dead), then
// its Relu mask (a_0 > 0, one byte a unit, kept before delta_0's product overwrites a_0, so that delta_0
// takes a_0's region and not the delta scratch); layer 0's right after a_0 (delta_0), over the regions
// dead by then. Layers' products, operands and order are the other arrangements' (the same bits); only
// where they land differs. 784-512-512-10 at 256 rows: a 200,704-element scratch instead of 262,656, and the
// pages the step touches are 736,768 elements' instead of 864,256 (the workspace past layer 0's gradient
// and before the targets is never written). It takes three layers or more, a Relu first layer (whose
// backward needs only a_0 > 0) and room in the workspace for each gradient; the mask's room is counted
// for float32 (a quarter element a unit), so the rule does not depend on the element type.
inline size_t inputsAheadMask(const NetworkLayout& layout, size_t capacity) {
  return (capacity * layout.units[1] + 3) / 4;
}
inline size_t inputsAheadLayerOne(const NetworkLayout& layout, size_t capacity) {
  return capacity * (layout.units[1] + layout.units[2]);
}
inline bool inputsAheadFit(const NetworkLayout& layout, size_t capacity) {
  if (layout.layers < 3 || layout.activations[0] != ActivationCode::Relu || capacity == 0) return false;
  const size_t end = layout.workspaceSize(capacity);
  for (size_t i = 2; i < layout.layers; ++i) {
    if (layout.gatheredInputs(capacity) + layerSize(layout, i) > end) return false;
  }
  return inputsAheadLayerOne(layout, capacity) + layerSize(layout, 1) + inputsAheadMask(layout, capacity) <= end &&
         capacity * layout.units[1] + layerSize(layout, 0) <= end;
}

// The least layer scratch the lean path takes: the largest layer's size; or, for a scratch that ends where
// the workspace begins (one buffer, the scratch first: `adjacent`), leanScratchBehind's, or the minibatch's
// inputs where the inputs-ahead arrangement fits and that is less.
inline size_t leanScratchSize(const NetworkLayout& layout, size_t capacity, bool adjacent) {
  if (!adjacent || deadAtLayerZero(layout, capacity) == 0) return largestLayer(layout);
  const size_t behind = leanScratchBehind(layout, capacity);
  const size_t ahead = capacity * layout.inputs();
  return inputsAheadFit(layout, capacity) && ahead < behind ? ahead : behind;
}

// Where one minibatch's lean step puts its inputs and each layer's gradient.
template <typename T>
struct LeanPlan {
  bool ahead = false;  // the inputs-ahead arrangement
  T* inputs = nullptr;
  T* scratch = nullptr;  // the layers' gradients (not ahead)
  T* first = nullptr;    // layer 0's gradient (not ahead)

  T* gradient(const NetworkLayout& layout, T* workspace, size_t capacity, size_t i) const {
    if (!ahead) return i == 0 ? first : scratch;
    if (i == 0) return workspace + capacity * layout.units[1];
    if (i == 1) return workspace + inputsAheadLayerOne(layout, capacity);
    return workspace + layout.gatheredInputs(capacity);
  }
};

// The Relu mask of a_0 (1 where a > 0, else 0: NaN gives 0, as Relu::backward's test does) and delta_0 from
// the product over a_0's region: delta = mask ? delta : 0, Relu::backward's select, element for element.
template <typename T>
BLASNET_MULTIVERSION void reluMaskOf(size_t n, const T* a, unsigned char* mask) {
  for (size_t j = 0; j < n; ++j) mask[j] = a[j] > T(0) ? 1 : 0;
}
template <typename T>
BLASNET_MULTIVERSION void reluMaskApply(size_t n, const unsigned char* mask, T* delta) {
  for (size_t j = 0; j < n; ++j) delta[j] = mask[j] != 0 ? delta[j] : T(0);
}

// The largest |value|, or infinity if any value is NaN or infinite (v * 0 is NaN exactly then).
template <typename T>
BLASNET_MULTIVERSION double maxAbsOrInfinity(size_t n, const T* values) {
  constexpr size_t kLanes = 16;
  T largest[kLanes] = {};
  T poison[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      const T v = values[i + lane];
      const T a = v < T(0) ? -v : v;
      largest[lane] = a > largest[lane] ? a : largest[lane];
      poison[lane] += v * T(0);
    }
  }
  for (; i < n; ++i) {
    const T v = values[i];
    const T a = v < T(0) ? -v : v;
    largest[0] = a > largest[0] ? a : largest[0];
    poison[0] += v * T(0);
  }
  double result = 0;
  for (size_t lane = 0; lane < kLanes; ++lane) {
    if (poison[lane] != T(0)) return std::numeric_limits<double>::infinity();
    if (double(largest[lane]) > result) result = double(largest[lane]);
  }
  return result;
}

// How much an activation's backward can enlarge the incoming gradient: |f'| <= 1 for the elementwise
// ones (ReLU, leaky ReLU, identity, tanh, sigmoid's 1/4), and softmax's a * (g - sum g a) at most 2|g|
// with a in [0, 1] summing to 1 (4 leaves room for rounding).
inline double backwardGain(ActivationCode code) { return code == ActivationCode::Softmax ? 4.0 : 1.0; }

// Per call: an upper bound on each layer's |parameters| (infinity when unknown or not finite), and the
// current step's bound on each layer's |learningRate * gradient|.
struct LayerBounds {
  double parameters[kMaxLayers];
  double update[kMaxLayers];
};

template <typename T>
void measureParameters(const NetworkLayout& layout, const T* params, LayerBounds* bounds) {
  for (size_t i = 0; i < layout.layers; ++i) {
    const size_t size = layout.units[i] * layout.units[i + 1] + layout.units[i + 1];
    bounds->parameters[i] = maxAbsOrInfinity<T>(size, params + layout.weightOffset[i]);
  }
}

// Whether every layer's update, as networkGradients would compute it from the current forward pass and
// delta_L (over z_L), is certainly finite; fills bounds->update. Rounding: with n * eps <= 1/8 a computed
// sum of n products is within a factor 1.15 of the exact sum of their magnitudes, so each factor 2 or 4
// below covers a product's or an operation's rounding.
template <typename T>
bool updateIsBounded(const NetworkLayout& layout, const T* workspace, size_t capacity, const T* inputs, size_t rows,
                     T learningRate, LayerBounds* bounds) {
  constexpr double eps = std::numeric_limits<T>::epsilon();
  constexpr double max = double(std::numeric_limits<T>::max());
  constexpr double limit = max / 16;
  if (double(rows) * eps > 0.125) return false;
  const size_t last = layout.layers - 1;
  double delta = maxAbsOrInfinity<T>(rows * layout.outputs(), workspace + layout.outputZ(capacity));
  for (size_t step = 0; step < layout.layers; ++step) {
    const size_t i = last - step;
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    if (double(in) * eps > 0.125 || double(units) * eps > 0.125) return false;
    const T* previous = i == 0 ? inputs : workspace + layout.a(capacity, i - 1);
    // The bias gradient is a column sum of delta: as if its input were 1.
    const double input = std::fmax(1.0, maxAbsOrInfinity<T>(rows * in, previous));
    const double gradient = 2.0 * double(rows) * input * delta;
    const double update = 2.0 * double(learningRate) * gradient;
    // NaN compares false: a NaN or infinite bound is no bound.
    if (!(bounds->parameters[i] + update <= limit)) return false;
    bounds->update[i] = update;
    if (i > 0) delta = 4.0 * double(units) * delta * bounds->parameters[i] * backwardGain(layout.activations[i - 1]);
  }
  return true;
}

enum class LayerPass { Check, Write };

// networkGradients' backward pass from delta_L (over z_L), layer by layer, each layer's gradient formed
// where `plan` says (in the scratch, layer 0's at `first`, which may lie over the dead workspace; or, inputs
// ahead, in the workspace: leanScratchSize). Check: returns whether every layer's update stays finite,
// writing no parameter. Write: applies each layer's update once the delta below it has been formed from the
// old weights (split over blasnet's second thread where that pays, with the one-thread loop's bits:
// optimizers.h, sgdApplySplit).
template <typename T>
bool layerBackward(const NetworkLayout& layout, T* params, const LeanPlan<T>& plan, T* workspace, size_t capacity,
                   size_t rows, T learningRate, LayerPass pass) {
  const size_t last = layout.layers - 1;
  T* deltaScratch = workspace + layout.scratch(capacity);
  T* delta = workspace + layout.outputZ(capacity);
  for (size_t step = 0; step < layout.layers; ++step) {
    const size_t i = last - step;
    const size_t in = layout.units[i];
    const size_t units = layout.units[i + 1];
    const size_t size = in * units + units;
    T* layer = params + layout.weightOffset[i];
    T* previous = i == 0 ? plan.inputs : workspace + layout.a(capacity, i - 1);
    T* gradient = plan.gradient(layout, workspace, capacity, i);
    gemm<T>(true, false, in, units, rows, T(1), previous, delta, T(0), gradient);
    columnSums<T>(rows, units, delta, gradient + in * units);
    if (pass == LayerPass::Check && !sgdStaysFinite<T>(size, learningRate, layer, gradient)) return false;
    if (i == 1 && plan.ahead) {
      // a_0's last use as a value was the product above: keep its mask, then delta_0 takes its region.
      unsigned char* mask = reinterpret_cast<unsigned char*>(gradient + size);
      reluMaskOf<T>(rows * in, previous, mask);
      gemm<T>(false, true, rows, in, units, T(1), delta, layer, T(0), previous);
      reluMaskApply<T>(rows * in, mask, previous);
      delta = previous;
    } else if (i > 0) {
      gemm<T>(false, true, rows, in, units, T(1), delta, layer, T(0), deltaScratch);
      // delta_{i-1} over a_{i-1} (its last use was the product above), but delta_0 stays in the scratch
      // region, so that every activation is dead when layer 0's gradient is formed (the same values).
      T* below = i == 1 ? deltaScratch : previous;
      activation<T>(layout.activations[i - 1]).backward(rows, in, previous, deltaScratch, below);
      delta = below;
    }
    if (pass == LayerPass::Write) sgdApplySplit<T>(size, learningRate, layer, gradient);
  }
  return true;
}

// One minibatch of networkSteps' lean path: networkGradients with learningRate, `scratch` of
// leanScratchSize elements instead of a gradient vector (layer 0's gradient at `first`). The same loss,
// the same refusals (Infinity, params untouched) and the same parameters afterwards, bit for bit.
template <typename T, typename Index>
double layerStep(const NetworkLayout& layout, LossCode loss, T* params, const LeanPlan<T>& plan, T* workspace,
                 size_t capacity, const T* X, const T* Y, const Index* indices, size_t rows, T learningRate,
                 LayerBounds* bounds) {
  T* inputs = plan.inputs;
  T* targets = workspace + layout.gatheredTargets(capacity);
  const size_t last = layout.layers - 1;
  auto forwardAndDelta = [&]() {
    gatherRows<T, Index>(rows, layout.inputs(), X, indices, inputs);
    gatherRows<T, Index>(rows, layout.outputs(), Y, indices, targets);
    networkForward<T>(layout, params, workspace, capacity, inputs, rows, nullptr);
    const double value = networkLossOfForward<T>(layout, loss, workspace, capacity, targets, rows);
    outputDelta<T>(loss, layout.activations[last], rows, layout.outputs(), workspace + layout.a(capacity, last),
                   targets, workspace + layout.outputZ(capacity));
    return value;
  };
  const double value = forwardAndDelta();
  // No update, nothing to compute: the lean path leaves no gradients behind.
  if (!(learningRate > T(0)) || !std::isfinite(value)) return value;
  constexpr double grow = 1 + 4 * double(std::numeric_limits<T>::epsilon());
  if (updateIsBounded<T>(layout, workspace, capacity, inputs, rows, learningRate, bounds)) {
    layerBackward<T>(layout, params, plan, workspace, capacity, rows, learningRate, LayerPass::Write);
    for (size_t i = 0; i < layout.layers; ++i)
      bounds->parameters[i] = (bounds->parameters[i] + bounds->update[i]) * grow;
    return value;
  }
  // The exact path: check every layer's update without writing, then redo the minibatch (the check pass
  // wrote each delta over the activations it replaces) and write.
  if (!layerBackward<T>(layout, params, plan, workspace, capacity, rows, learningRate, LayerPass::Check)) {
    return std::numeric_limits<double>::infinity();
  }
  forwardAndDelta();
  layerBackward<T>(layout, params, plan, workspace, capacity, rows, learningRate, LayerPass::Write);
  measureParameters<T>(layout, params, bounds);
  return value;
}

// networkSteps with a layer scratch instead of a gradient vector: the same batches, losses and stops.
// `scratchLength` is at least leanScratchSize(layout, capacity, scratch + scratchLength == workspace).
template <typename T, typename Index>
size_t layerSteps(const NetworkLayout& layout, LossCode loss, T* params, T* scratch, size_t scratchLength, T* workspace,
                  size_t capacity, const T* X, const T* Y, const Index* indices, size_t batchSize, size_t rows,
                  T learningRate, double* losses) {
  LeanPlan<T> plan;
  const bool adjacent = scratch + scratchLength == workspace;
  // Inputs ahead where the scratch is too short for the other arrangements (leanScratchSize gives no more).
  plan.ahead = adjacent && layout.layers >= 2 && scratchLength < leanScratchBehind(layout, capacity) &&
               inputsAheadFit(layout, capacity) && scratchLength >= capacity * layout.inputs();
  if (plan.ahead) {
    plan.inputs = scratch;
  } else {
    plan.inputs = workspace + layout.gatheredInputs(capacity);
    plan.scratch = scratch;
    // Layer 0's gradient: in the scratch where it fits, else ending where the dead workspace ends (and
    // beginning in the scratch, which then lies right before the workspace).
    const size_t size0 = layerSize(layout, 0);
    plan.first =
        scratchLength >= size0 ? scratch : scratch + (scratchLength + deadAtLayerZero(layout, capacity) - size0);
  }
  LayerBounds bounds;
  measureParameters<T>(layout, params, &bounds);
  size_t batch = 0;
  for (size_t start = 0; start < rows; start += batchSize, ++batch) {
    const size_t count = rows - start < batchSize ? rows - start : batchSize;
    const double value = layerStep<T, Index>(layout, loss, params, plan, workspace, capacity, X, Y, indices + start,
                                             count, learningRate, &bounds);
    losses[batch] = value;
    if (!std::isfinite(value)) return batch + 1;
  }
  return batch;
}

}  // namespace blasnet::kernels
