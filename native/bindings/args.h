// Reading and validating a kernel call's arguments. Every check happens before any memory is touched, and
// a failed check leaves a pending TypeError or RangeError that names the kernel and the argument.
//
// The kernels use raw N-API callbacks rather than Napi::CallbackInfo: CallbackInfo keeps 6 arguments on the
// stack and heap-allocates beyond that, and gemm takes 10 (networkSteps 14). Here the argument vector is a fixed stack
// array, so a call allocates nothing. Messages are only formatted once a check has failed.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace blasnet::binding {

constexpr size_t kMaxArgs = 16;

// FLT_MAX, as a double.
constexpr double kFloatMax = 3.4028234663852886e38;

// BLAS takes dimensions as int, so that is the largest dimension a kernel accepts.
constexpr double kMaxDimension = 2147483647.0;

enum class ElementType { Float64, Float32 };

template <typename T>
struct ElementTraits;
template <>
struct ElementTraits<double> {
  static constexpr napi_typedarray_type kType = napi_float64_array;
  static constexpr const char* kName = "Float64Array";
};
template <>
struct ElementTraits<float> {
  static constexpr napi_typedarray_type kType = napi_float32_array;
  static constexpr const char* kName = "Float32Array";
};

// A typed array's memory as the kernel will see it: the first element and the count the kernel may touch.
template <typename T>
struct Span {
  T* data = nullptr;
  size_t length = 0;  // elements in the array, at least `needed`
  size_t needed = 0;  // elements the kernel will touch
};

struct IndexSpan {
  const void* data = nullptr;
  bool isSigned = false;  // Int32Array rather than Uint32Array
  size_t length = 0;
};

class Call {
 public:
  Call(napi_env env, napi_callback_info info, const char* kernel);

  // False (with an exception pending) when the argument count is not `count`.
  bool expectCount(size_t count);
  // How many arguments the call passed.
  size_t argumentCount() const { return argc_; }

  bool flag(size_t index, const char* name, bool* out);
  // A non-negative integer no larger than kMaxDimension.
  bool dimension(size_t index, const char* name, size_t* out);
  // A finite number.
  bool scalar(size_t index, const char* name, double* out);
  // A finite number that a kernel over T can hold: for float, at most FLT_MAX in magnitude (a larger one
  // would become an infinity on conversion and make every result infinite or NaN, with signs that depend
  // on rounding).
  template <typename T>
  bool scalarFor(size_t index, const char* name, double* out) {
    if (!scalar(index, name, out)) return false;
    if (sizeof(T) == sizeof(float) && !(*out <= kFloatMax && *out >= -kFloatMax)) return outsideFloat(index, name);
    return true;
  }
  // An integer in [0, count): an activation or loss code.
  bool code(size_t index, const char* name, int count, int* out);

  // The element type of the typed array at `index` (the kernel's dtype), or false with a TypeError. The
  // argument's type is remembered, so reading that array later skips the (costly) type query.
  bool elementType(size_t index, const char* name, ElementType* out);

  // A typed array of T holding at least `needed` elements; `formula` says how `needed` was derived
  // (for example "m*k"), for the message.
  template <typename T>
  bool array(size_t index, const char* name, size_t needed, const char* formula, Span<T>* out) {
    void* data = nullptr;
    size_t length = 0;
    if (!typedArray(index, name, ElementTraits<T>::kType, ElementTraits<T>::kName, &data, &length)) return false;
    if (length < needed) return tooShort(name, ElementTraits<T>::kName, needed, formula, length);
    out->data = static_cast<T*>(data);
    out->length = length;
    out->needed = needed;
    return true;
  }

  bool indices(size_t index, const char* name, IndexSpan* out);

  // An Int32Array (a network layout).
  bool int32Array(size_t index, const char* name, const int32_t** data, size_t* length);

  // A Uint32Array (a generator's words, a row order), written by the kernel.
  bool uint32Array(size_t index, const char* name, uint32_t** data, size_t* length);

  // A Float64Array whatever the call's element type (losses are reported in double), at least `needed` long.
  bool float64Array(size_t index, const char* name, size_t needed, const char* formula, Span<double>* out);

  // Outputs may be exactly an input (in place) where `allowSame` is true, but never a partial overlap:
  // a kernel that reads what it has already overwritten would compute garbage.
  template <typename A, typename B>
  bool disjoint(const char* outName, const Span<A>& out, const char* inName, const Span<B>& in, bool allowSame) {
    const uintptr_t outStart = reinterpret_cast<uintptr_t>(out.data);
    const uintptr_t inStart = reinterpret_cast<uintptr_t>(in.data);
    const uintptr_t outEnd = outStart + out.needed * sizeof(A);
    const uintptr_t inEnd = inStart + in.needed * sizeof(B);
    if (out.needed == 0 || in.needed == 0 || outEnd <= inStart || inEnd <= outStart) return true;
    if (allowSame && outStart == inStart && outEnd == inEnd) return true;
    return overlapError(outName, inName, allowSame);
  }

  bool rangeError(const char* format, ...);
  bool typeError(const char* format, ...);

  napi_env env() const { return env_; }
  // `value` as a JavaScript number: what a kernel returns (a loss, a batch count, a row index).
  napi_value number(double value) const {
    napi_value result = nullptr;
    napi_create_double(env_, value, &result);
    return result;
  }
  const char* kernel() const { return kernel_; }
  napi_value arg(size_t index) const { return argv_[index]; }

 private:
  bool typedArray(size_t index, const char* name, napi_typedarray_type expected, const char* expectedName, void** data,
                  size_t* length);
  bool tooShort(const char* name, const char* typeName, size_t needed, const char* formula, size_t length);
  bool overlapError(const char* outName, const char* inName, bool allowSame);
  bool outsideFloat(size_t index, const char* name);
  const char* describe(size_t index);

  napi_env env_;
  const char* kernel_;
  // napi_get_typedarray_info's type query walks V8's typed-array kinds one by one (~50 ns, most of a small
  // call's cost); elementType() records the answer for its argument so it is asked once.
  size_t typedIndex_ = kMaxArgs;
  napi_typedarray_type typedType_ = napi_int8_array;
  size_t argc_ = kMaxArgs;
  napi_value argv_[kMaxArgs];
  char description_[96];
};

}  // namespace blasnet::binding

namespace blasnet::binding {

// Which argument decides a typed kernel's element type, and how many arguments it takes.
struct EntrySpec {
  const char* kernel;    // the name messages use
  size_t count;          // the arguments it takes
  size_t typeIndex;      // the typed array whose type (Float64Array or Float32Array) picks the dtype
  const char* typeName;  // that argument's name
};

// The N-API entry point of every typed kernel (better-sqlite3's REQUIRE_ARGUMENT_* habit, as a template):
// checks the argument count and the deciding array's type, then runs Float64 or Float32 on the same Call.
template <napi_value (*Float64)(Call&), napi_value (*Float32)(Call&)>
napi_value typedEntry(napi_env env, napi_callback_info info, const EntrySpec& spec) {
  Call call(env, info, spec.kernel);
  ElementType type;
  if (!call.expectCount(spec.count) || !call.elementType(spec.typeIndex, spec.typeName, &type)) return nullptr;
  return type == ElementType::Float32 ? Float32(call) : Float64(call);
}

// Defines the entry point `Name` of the typed kernel `impl` (a template over double and float) with the
// EntrySpec fields that follow; one line per kernel in each bindings file.
#define BLASNET_TYPED_ENTRY(Name, impl, ...)                                \
  napi_value Name(napi_env env, napi_callback_info info) {                  \
    return typedEntry<impl<double>, impl<float>>(env, info, {__VA_ARGS__}); \
  }

// Runs fn with an index array as the integer type it holds (const int32_t* for an Int32Array, const
// uint32_t* for a Uint32Array), from element `offset`, so one body serves both index types.
template <typename Fn>
auto withIndices(const void* data, bool isSigned, size_t offset, Fn&& fn) {
  if (isSigned) return fn(static_cast<const int32_t*>(data) + offset);
  return fn(static_cast<const uint32_t*>(data) + offset);
}

}  // namespace blasnet::binding
