// blasnet's own second thread, for the plain SGD update over large vectors when OpenBLAS runs several
// threads (issue 20, B's peak RSS at 2 threads).
//
// The update used to go to OpenBLAS's threaded ddot and daxpy, which round the last few elements of each
// thread's share without a fused multiply-add: one call over the whole vector and one call per layer gave
// different bits, so the layer-by-layer update (layer_steps.h) could not be taken at 2 threads, and a fit
// at 2 threads ended with other parameters than one at 1 thread. OpenBLAS does not lend its threads, so
// the split loop runs on a thread of ours: each half runs the same compiled loop as the one-thread update,
// and an element's result depends on that element alone, so every split gives the one-thread bits.
//
// The thread is made on first use (never in a process that keeps OpenBLAS at one thread) and then waits
// for work; nothing is allocated per call. It is one per process: a caller that finds it busy with
// another JS thread's update runs the whole loop itself (the same bits). It is stopped and joined when
// the addon is unloaded (a static destructor, which also runs at process exit).
#pragma once

#include <cstddef>

#include "blas.h"

namespace blasnet::kernels {

// body(context, begin, end) over [0, n): [0, split) on the calling thread and [split, n) on the second
// thread, or all of it here when the second thread is taken. Returns when both halves are done; the
// return value is first && second of what the halves returned.
using SplitBody = bool (*)(void* context, size_t begin, size_t end);
bool runOnTwoThreads(size_t n, SplitBody body, void* context);

// Whether an update over n elements is worth splitting: OpenBLAS set to several threads (setNumThreads,
// OPENBLAS_NUM_THREADS), and enough elements that the handover (a few microseconds) is small beside the
// loop's half (below 32,768 float64 elements the one-thread loop takes ~20 us). Inline: small networks ask
// it every step.
constexpr size_t kSplitFrom = size_t(1) << 15;
inline bool splitPays(size_t n) { return n >= kSplitFrom && blas::threads() > 1; }

}  // namespace blasnet::kernels
