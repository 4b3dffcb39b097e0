// Gives freed native memory back to the operating system. Typed arrays' stores come from malloc; once freed,
// a chunk that sits below a live allocation cannot be returned by glibc's automatic trim (which only cuts the
// top of the heap), so a process that trained many networks keeps megabytes it no longer uses in its RSS.
// malloc_trim(0) walks every arena and releases the free pages wherever they are. Not on any hot path.
#include "bindings.h"
#include "napi.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace blasnet::binding {

// Returns whether any memory was released (always false where the C library has no malloc_trim).
napi_value ReleaseFreeMemory(napi_env env, napi_callback_info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(env, malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(env, false);
#endif
}

}  // namespace blasnet::binding
