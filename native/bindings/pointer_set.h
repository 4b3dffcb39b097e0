// A set of pointers on malloc: open addressing with linear probing, erased slots kept as tombstones.
//
// Why not std::unordered_set: with GCC 12, std::allocator's allocate needs
// std::__throw_bad_array_new_length, a GLIBCXX_3.4.29 symbol, newer than the libstdc++ that Node 20's own
// binaries ask for (GLIBCXX_3.4.21), which the prebuilt binaries keep to (tools/check-prebuild.js). And
// with exceptions off, a failed allocation has to be an answer (insert returns false), not an abort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace blasnet {

class PointerSet {
 public:
  PointerSet() = default;
  PointerSet(const PointerSet&) = delete;
  PointerSet& operator=(const PointerSet&) = delete;
  ~PointerSet() { std::free(slots_); }

  // False only when memory for a larger table could not be had; the set is then unchanged.
  bool insert(const void* pointer) {
    if ((used_ + 1) * 2 > capacity_ && !rehash(live_ * 4 < 16 ? 16 : live_ * 4)) return false;
    size_t at = home(pointer);
    size_t tomb = capacity_;
    for (;; at = (at + 1) & (capacity_ - 1)) {
      if (slots_[at] == pointer) return true;
      if (slots_[at] == tombstone() && tomb == capacity_) tomb = at;
      if (slots_[at] == nullptr) break;
    }
    if (tomb != capacity_) {
      at = tomb;
    } else {
      ++used_;
    }
    slots_[at] = pointer;
    ++live_;
    return true;
  }

  void erase(const void* pointer) {
    const size_t at = find(pointer);
    if (at == capacity_) return;
    slots_[at] = tombstone();
    --live_;
  }

  bool contains(const void* pointer) const { return pointer != nullptr && find(pointer) != capacity_; }

 private:
  // Never an object's address: those are aligned.
  static const void* tombstone() { return reinterpret_cast<const void*>(static_cast<uintptr_t>(1)); }

  size_t home(const void* pointer) const {
    // Fibonacci hashing of the address without its alignment bits.
    const uint64_t key = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer) >> 4);
    return static_cast<size_t>(key * 0x9E3779B97F4A7C15ull) & (capacity_ - 1);
  }

  size_t find(const void* pointer) const {
    if (capacity_ == 0) return capacity_;
    for (size_t at = home(pointer);; at = (at + 1) & (capacity_ - 1)) {
      if (slots_[at] == pointer) return at;
      if (slots_[at] == nullptr) return capacity_;
    }
  }

  // A table of at least `wanted` slots (a power of two), holding the live pointers and no tombstones.
  bool rehash(size_t wanted) {
    size_t capacity = 16;
    while (capacity < wanted) capacity *= 2;
    const void** slots = static_cast<const void**>(std::calloc(capacity, sizeof(const void*)));
    if (slots == nullptr) return false;
    const void** old = slots_;
    const size_t oldCapacity = capacity_;
    slots_ = slots;
    capacity_ = capacity;
    used_ = 0;
    live_ = 0;
    for (size_t i = 0; i < oldCapacity; ++i) {
      const void* p = old[i];
      if (p == nullptr || p == tombstone()) continue;
      size_t at = home(p);
      while (slots_[at] != nullptr) at = (at + 1) & (capacity_ - 1);
      slots_[at] = p;
      ++used_;
      ++live_;
    }
    std::free(old);
    return true;
  }

  const void** slots_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;  // live pointers and tombstones: what stops a probe
  size_t live_ = 0;
};

}  // namespace blasnet
