#include "args.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace blasnet::binding {

namespace {

// Node's own codes for the same situations, so callers can branch on err.code as they do for core APIs.
constexpr const char* kTypeCode = "ERR_INVALID_ARG_TYPE";
constexpr const char* kRangeCode = "ERR_OUT_OF_RANGE";

const char* typedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "a typed array";
  }
}

// Numbers as JavaScript prints them (NaN, Infinity, the shortest digits that read back the same), so the
// messages match the js backend's.
void formatNumber(double value, char* out, size_t size) {
  if (std::isnan(value)) {
    std::snprintf(out, size, "NaN");
    return;
  }
  if (std::isinf(value)) {
    std::snprintf(out, size, value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (std::trunc(value) == value && std::fabs(value) < 1e21) {
    std::snprintf(out, size, "%.0f", value);
    return;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(out, size, "%.*g", precision, value);
    if (std::strtod(out, nullptr) == value) break;
  }
  // C writes exponents as e-07; JavaScript as e-7.
  char* exponent = std::strchr(out, 'e');
  if (exponent != nullptr) {
    char* digits = exponent + 2;
    char* firstNonZero = digits;
    while (*firstNonZero == '0' && firstNonZero[1] != '\0') ++firstNonZero;
    std::memmove(digits, firstNonZero, std::strlen(firstNonZero) + 1);
  }
}

bool throwWith(napi_env env, bool range, const char* code, const char* format, va_list args) {
  char message[320];
  std::vsnprintf(message, sizeof message, format, args);
  if (range) {
    napi_throw_range_error(env, code, message);
  } else {
    napi_throw_type_error(env, code, message);
  }
  return false;
}

}  // namespace

Call::Call(napi_env env, napi_callback_info info, const char* kernel) : env_(env), kernel_(kernel) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) argc_ = 0;
}

bool Call::rangeError(const char* format, ...) {
  va_list args;
  va_start(args, format);
  throwWith(env_, true, kRangeCode, format, args);
  va_end(args);
  return false;
}

bool Call::typeError(const char* format, ...) {
  va_list args;
  va_start(args, format);
  throwWith(env_, false, kTypeCode, format, args);
  va_end(args);
  return false;
}

bool Call::expectCount(size_t count) {
  if (argc_ == count) return true;
  return typeError("%s expects %zu arguments but received %zu", kernel_, count, argc_);
}

// A short account of a value for messages: its type, and the value itself where it is small.
const char* Call::describe(size_t index) {
  napi_value value = argv_[index];
  napi_valuetype type = napi_undefined;
  napi_typeof(env_, value, &type);
  switch (type) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: {
      bool b = false;
      napi_get_value_bool(env_, value, &b);
      return b ? "true" : "false";
    }
    case napi_number: {
      double d = 0;
      napi_get_value_double(env_, value, &d);
      formatNumber(d, description_, sizeof description_);
      return description_;
    }
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_bigint: return "a bigint";
    case napi_function: return "a function";
    default: break;
  }
  bool is = false;
  if (napi_is_typedarray(env_, value, &is) == napi_ok && is) {
    napi_typedarray_type arrayType;
    size_t length = 0;
    napi_get_typedarray_info(env_, value, &arrayType, &length, nullptr, nullptr, nullptr);
    return typedArrayName(arrayType);
  }
  if (napi_is_array(env_, value, &is) == napi_ok && is) return "an Array";
  if (napi_is_arraybuffer(env_, value, &is) == napi_ok && is) return "an ArrayBuffer";
  if (napi_is_dataview(env_, value, &is) == napi_ok && is) return "a DataView";
  return "an object";
}

bool Call::flag(size_t index, const char* name, bool* out) {
  if (napi_get_value_bool(env_, argv_[index], out) == napi_ok) return true;
  return typeError("%s: expected %s to be a boolean but received %s", kernel_, name, describe(index));
}

bool Call::dimension(size_t index, const char* name, size_t* out) {
  double value = 0;
  if (napi_get_value_double(env_, argv_[index], &value) != napi_ok) {
    return typeError("%s: expected %s to be a non-negative integer but received %s", kernel_, name, describe(index));
  }
  // The comparisons are written so that NaN fails them.
  if (!(value >= 0 && value <= kMaxDimension) || std::trunc(value) != value) {
    return rangeError("%s: expected %s to be an integer from 0 to %.0f but received %s", kernel_, name, kMaxDimension,
                      describe(index));
  }
  *out = static_cast<size_t>(value);
  return true;
}

bool Call::scalar(size_t index, const char* name, double* out) {
  if (napi_get_value_double(env_, argv_[index], out) != napi_ok) {
    return typeError("%s: expected %s to be a number but received %s", kernel_, name, describe(index));
  }
  if (!std::isfinite(*out)) {
    return rangeError("%s: expected %s to be a finite number but received %s", kernel_, name, describe(index));
  }
  return true;
}

bool Call::outsideFloat(size_t index, const char* name) {
  return rangeError(
      "%s: expected %s to be within float32's range (|x| <= 3.4028234663852886e+38) for Float32Array "
      "arguments but received %s",
      kernel_, name, describe(index));
}

bool Call::code(size_t index, const char* name, int count, int* out) {
  double value = 0;
  if (napi_get_value_double(env_, argv_[index], &value) != napi_ok) {
    return typeError("%s: expected %s to be an integer code but received %s", kernel_, name, describe(index));
  }
  if (!(value >= 0 && value < count) || std::trunc(value) != value) {
    return rangeError("%s: expected %s to be an integer from 0 to %d but received %s", kernel_, name, count - 1,
                      describe(index));
  }
  *out = static_cast<int>(value);
  return true;
}

bool Call::elementType(size_t index, const char* name, ElementType* out) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env_, argv_[index], &type, nullptr, nullptr, nullptr, nullptr) == napi_ok) {
    typedIndex_ = index;
    typedType_ = type;
    // Each element type listed here needs its template instantiations in the bindings that dispatch on it.
    if (type == napi_float64_array) {
      *out = ElementType::Float64;
      return true;
    }
    if (type == napi_float32_array) {
      *out = ElementType::Float32;
      return true;
    }
  }
  return typeError("%s: expected %s to be a Float64Array or Float32Array but received %s", kernel_, name,
                   describe(index));
}

bool Call::typedArray(size_t index, const char* name, napi_typedarray_type expected, const char* expectedName,
                      void** data, size_t* length) {
  napi_typedarray_type type;
  // A failed call (not a typed array) leaves `type` unset; the status says so.
  const napi_status status = index == typedIndex_
                                 ? napi_get_typedarray_info(env_, argv_[index], nullptr, length, data, nullptr, nullptr)
                                 : napi_get_typedarray_info(env_, argv_[index], &type, length, data, nullptr, nullptr);
  if (index == typedIndex_) type = typedType_;
  if (status != napi_ok || type != expected) {
    return typeError("%s: expected %s to be a %s but received %s", kernel_, name, expectedName, describe(index));
  }
  if (*data == nullptr) {
    // Either an empty array or a detached one; only the detached case is an error. The buffer is looked
    // up only here, off the common path.
    napi_value buffer;
    bool detached = false;
    if (napi_get_typedarray_info(env_, argv_[index], &type, length, data, &buffer, nullptr) == napi_ok &&
        napi_is_detached_arraybuffer(env_, buffer, &detached) == napi_ok && detached) {
      return typeError("%s: %s is a %s whose buffer is detached (transferred or structured-cloned away)", kernel_, name,
                       expectedName);
    }
  }
  return true;
}

bool Call::tooShort(const char* name, const char* typeName, size_t needed, const char* formula, size_t length) {
  return rangeError("%s: expected %s to hold at least %s = %zu elements but the %s has %zu", kernel_, name, formula,
                    needed, typeName, length);
}

bool Call::indices(size_t index, const char* name, IndexSpan* out) {
  napi_typedarray_type type;
  void* data = nullptr;
  if (napi_get_typedarray_info(env_, argv_[index], &type, &out->length, &data, nullptr, nullptr) != napi_ok ||
      (type != napi_uint32_array && type != napi_int32_array)) {
    return typeError("%s: expected %s to be a Uint32Array or Int32Array but received %s", kernel_, name,
                     describe(index));
  }
  out->data = data;
  out->isSigned = type == napi_int32_array;
  if (data == nullptr) {
    napi_value buffer;
    bool detached = false;
    if (napi_get_typedarray_info(env_, argv_[index], &type, &out->length, &data, &buffer, nullptr) == napi_ok &&
        napi_is_detached_arraybuffer(env_, buffer, &detached) == napi_ok && detached) {
      return typeError("%s: %s's buffer is detached (transferred or structured-cloned away)", kernel_, name);
    }
  }
  return true;
}

bool Call::int32Array(size_t index, const char* name, const int32_t** data, size_t* length) {
  void* raw = nullptr;
  if (!typedArray(index, name, napi_int32_array, "Int32Array", &raw, length)) return false;
  *data = static_cast<const int32_t*>(raw);
  return true;
}

bool Call::uint32Array(size_t index, const char* name, uint32_t** data, size_t* length) {
  void* raw = nullptr;
  if (!typedArray(index, name, napi_uint32_array, "Uint32Array", &raw, length)) return false;
  *data = static_cast<uint32_t*>(raw);
  return true;
}

bool Call::float64Array(size_t index, const char* name, size_t needed, const char* formula, Span<double>* out) {
  void* data = nullptr;
  size_t length = 0;
  if (!typedArray(index, name, napi_float64_array, "Float64Array", &data, &length)) return false;
  if (length < needed) return tooShort(name, "Float64Array", needed, formula, length);
  out->data = static_cast<double*>(data);
  out->length = length;
  out->needed = needed;
  return true;
}

bool Call::overlapError(const char* outName, const char* inName, bool allowSame) {
  return rangeError(allowSame ? "%s: %s partly overlaps %s; it may be the very same elements (in place) or separate "
                                "memory, not a partial overlap"
                              : "%s: %s overlaps %s; the output must be separate memory",
                    kernel_, outName, inName);
}

}  // namespace blasnet::binding
