// Optimizer updates: sgdStep and adamStep over a whole parameter vector.
#include "../kernels/optimizers.h"

#include <cmath>

#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

// sgdStep(n, learningRate, momentum, nesterov, weightDecay, params, gradients, velocity)
template <typename T>
napi_value sgdStep(Call& call) {
  size_t n = 0;
  double learningRate = 0, momentum = 0, weightDecay = 0;
  bool nesterov = false;
  Span<T> params, gradients, velocity;
  if (!call.dimension(0, "n", &n) || !call.scalarFor<T>(1, "learningRate", &learningRate) ||
      !call.scalarFor<T>(2, "momentum", &momentum) || !call.flag(3, "nesterov", &nesterov) ||
      !call.scalarFor<T>(4, "weightDecay", &weightDecay) || !call.array(5, "params", n, "n", &params) ||
      !call.array(6, "gradients", n, "n", &gradients) ||
      !call.array(7, "velocity", momentum != 0 ? n : 0, momentum != 0 ? "n (momentum is not 0)" : "0", &velocity) ||
      !call.disjoint("params", params, "gradients", gradients, false) ||
      !call.disjoint("velocity", velocity, "params", params, false) ||
      !call.disjoint("velocity", velocity, "gradients", gradients, false)) {
    return nullptr;
  }
  kernels::sgdStep<T>(n, static_cast<T>(learningRate), static_cast<T>(momentum), nesterov, static_cast<T>(weightDecay),
                      params.data, gradients.data, velocity.data);
  return nullptr;
}

// adamStep(n, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step, params, gradients, m, v)
template <typename T>
napi_value adamStep(Call& call) {
  size_t n = 0, step = 0;
  double learningRate = 0, beta1 = 0, beta2 = 0, epsilon = 0, weightDecay = 0;
  bool decoupled = false;
  Span<T> params, gradients, m, v;
  if (!call.dimension(0, "n", &n) || !call.scalarFor<T>(1, "learningRate", &learningRate) ||
      !call.scalarFor<T>(2, "beta1", &beta1) || !call.scalarFor<T>(3, "beta2", &beta2) ||
      !call.scalarFor<T>(4, "epsilon", &epsilon) || !call.scalarFor<T>(5, "weightDecay", &weightDecay) ||
      !call.flag(6, "decoupled", &decoupled) || !call.dimension(7, "step", &step)) {
    return nullptr;
  }
  // The bias corrections divide by 1 - beta^step: beta must be below 1 and step at least 1.
  if (step < 1 || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
    call.rangeError("adamStep: expected step >= 1 and 0 <= beta1, beta2 < 1 but received step %zu, beta1 %g, beta2 %g",
                    step, beta1, beta2);
    return nullptr;
  }
  if (!call.array(8, "params", n, "n", &params) || !call.array(9, "gradients", n, "n", &gradients) ||
      !call.array(10, "m", n, "n", &m) || !call.array(11, "v", n, "n", &v) ||
      !call.disjoint("params", params, "gradients", gradients, false) ||
      !call.disjoint("m", m, "params", params, false) || !call.disjoint("m", m, "gradients", gradients, false) ||
      !call.disjoint("v", v, "params", params, false) || !call.disjoint("v", v, "gradients", gradients, false) ||
      !call.disjoint("v", v, "m", m, false)) {
    return nullptr;
  }
  kernels::adamStep<T>(n, static_cast<T>(learningRate), static_cast<T>(beta1), static_cast<T>(beta2),
                       static_cast<T>(epsilon), static_cast<T>(weightDecay), decoupled, static_cast<double>(step),
                       params.data, gradients.data, m.data, v.data);
  return nullptr;
}

}  // namespace

BLASNET_TYPED_ENTRY(SgdStep, sgdStep, "sgdStep", 8, 5, "params")
BLASNET_TYPED_ENTRY(AdamStep, adamStep, "adamStep", 12, 8, "params")
}  // namespace blasnet::binding
