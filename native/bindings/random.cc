// The training loop's shuffle: permutation(state, order), Random.permutation's draws in native code
// (kernels/random.h). The generator's words travel in a Uint32Array the kernel updates in place.
#include "../kernels/random.h"

#include <cstdint>

#include "args.h"
#include "bindings.h"

namespace blasnet::binding {

namespace {

// A Uint32Array of length up to 2^32 holds every index it needs; a longer one would not (Random.integer
// draws up to 2^32).
constexpr size_t kMaxPermutation = size_t(1) << 32;

}  // namespace

// permutation(state, order): order[0 .. order.length) = a permutation of 0 .. order.length - 1, drawn from
// xoshiro128** words state[0 .. 4), which are left as the generator's state after the draws.
napi_value Permutation(napi_env env, napi_callback_info info) {
  Call call(env, info, "permutation");
  uint32_t* state = nullptr;
  uint32_t* order = nullptr;
  size_t stateLength = 0, length = 0;
  if (!call.expectCount(2) || !call.uint32Array(0, "state", &state, &stateLength) ||
      !call.uint32Array(1, "order", &order, &length)) {
    return nullptr;
  }
  if (stateLength < 4) {
    call.rangeError("permutation: expected state to hold at least 4 elements (xoshiro128**'s words) but it has %zu",
                    stateLength);
    return nullptr;
  }
  if ((state[0] | state[1] | state[2] | state[3]) == 0) {
    call.rangeError("permutation: expected state's 4 words not to be all 0 (xoshiro128** would draw only zeros)");
    return nullptr;
  }
  if (length > kMaxPermutation) {
    call.rangeError("permutation: expected order to hold at most 2^32 elements but it has %zu", length);
    return nullptr;
  }
  const Span<uint32_t> words{state, stateLength, 4};
  const Span<uint32_t> rows{order, length, length};
  if (!call.disjoint("order", rows, "state", words, false)) return nullptr;
  kernels::Xoshiro128StarStar random{state[0], state[1], state[2], state[3]};
  kernels::permutation(random, order, length);
  state[0] = random.s0;
  state[1] = random.s1;
  state[2] = random.s2;
  state[3] = random.s3;
  return nullptr;
}

}  // namespace blasnet::binding
