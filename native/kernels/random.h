// The training loop's per-epoch shuffle in native code: lib/random.ts's Random.permutation (Fisher-Yates
// from the identity, xoshiro128** words, Lemire's bounded draw with rejection up to 2^21, a 53-bit uniform
// scaled beyond), draw for draw. The generator's four words come in and go out, so the JS Random continues
// exactly where this left it: the same orders and the same state after as the JS method (test/random.test.ts
// and test/backend/permutation.test.ts compare them). In JavaScript the draw is ~7.5 ns a row (workload A's
// 100 shuffles of 1,797 rows took 1.35 ms); here the multiply is one 64-bit product (bench/README.md, What
// we tried 70).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace blasnet::kernels {

// Up to this bound integer(n) takes one 32-bit draw (lib/random.ts, LEMIRE_LIMIT).
constexpr uint64_t kLemireLimit = uint64_t(1) << 21;

struct Xoshiro128StarStar {
  uint32_t s0, s1, s2, s3;

  static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

  // Random.nextUint32: the output from s1, then the state step.
  uint32_t next() {
    const uint32_t result = rotl(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  }

  // Random.integer(n) for 1 <= n <= 2^32. Lemire's multiply-shift with rejection up to 2^21 (the JS
  // product x * n is exact in doubles there, so its floor and remainder are this 64-bit product's high and
  // low words; its threshold (2^32 - n) % n is the same integer); beyond, Random.uniform() * n floored, in
  // the same double operations (a product and a division by 2^53 that are exact, one rounded multiply).
  uint64_t integer(uint64_t n) {
    if (n <= kLemireLimit) {
      const uint32_t bound = static_cast<uint32_t>(n);
      uint64_t product = uint64_t(next()) * bound;
      uint32_t low = static_cast<uint32_t>(product);
      if (low < bound) {
        const uint32_t threshold = static_cast<uint32_t>((uint64_t(1) << 32) - bound) % bound;
        while (low < threshold) {
          product = uint64_t(next()) * bound;
          low = static_cast<uint32_t>(product);
        }
      }
      return product >> 32;
    }
    const uint32_t high = next() >> 5;  // 27 bits
    const uint32_t low = next() >> 6;   // 26 bits
    const double uniform = (double(high) * 67108864.0 + double(low)) / 9007199254740992.0;
    return static_cast<uint64_t>(std::floor(uniform * double(n)));
  }
};

// Fills order[0 .. length) with a permutation of 0 .. length - 1 (length <= 2^32): the identity, then for
// i from length - 1 down to 1, swap order[i] with order[integer(i + 1)].
inline void permutation(Xoshiro128StarStar& random, uint32_t* order, size_t length) {
  for (size_t i = 0; i < length; ++i) order[i] = static_cast<uint32_t>(i);
  for (size_t i = length; i-- > 1;) {
    const size_t j = static_cast<size_t>(random.integer(uint64_t(i) + 1));
    const uint32_t swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
}

}  // namespace blasnet::kernels
