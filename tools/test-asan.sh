#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer and runs the
# suites that exercise native code (kernels, the export table, workers, networks and the fuzzer) with
# the sanitizer runtimes preloaded into node, which is not itself instrumented. Any memory error or
# undefined behaviour aborts the process and fails the run. The normal build is restored afterwards.
#
# Needs GCC's sanitizer runtimes (libasan.so and libubsan.so, part of Debian's g++ packages).
set -uo pipefail
cd "$(dirname "$0")/.."

asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
for lib in "$asan" "$ubsan"; do
  [ -f "$lib" ] || { echo "test:asan: $lib not found (install g++ with its sanitizer runtimes)"; exit 1; }
done

# The sanitizer flags exported below must not reach the restoring build: node-gyp would instrument it
# again, and the next program to load the addon without the preloaded runtimes (CI's bench smoke run)
# would abort with "ASan runtime does not come first".
restore() { env -u CXXFLAGS -u LDFLAGS npm run --silent build:native >/dev/null 2>&1 || echo "test:asan: could not restore the normal build"; }
trap restore EXIT

# node-gyp's Makefiles append CXXFLAGS/LDFLAGS from the environment. -fno-sanitize-recover turns every
# UBSan finding into an abort; target_clones is off under ASan (simd.h), since ifunc resolvers run
# before the sanitizer runtime is ready.
export CXXFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
export LDFLAGS="-fsanitize=address,undefined"
npm run --silent build:native || exit 1

# detect_leaks=0: node itself leaks on purpose at exit (its heap is freed by the OS); leaks in blasnet
# are the leak test's business, measured on RSS.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OPENBLAS_NUM_THREADS=1
LD_PRELOAD="$asan $ubsan" npx jest --ci test/backend test/native test/network test/fuzz "$@"
