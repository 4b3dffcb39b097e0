# The canonical build (node-gyp): what `npm install` compiles when no prebuilt binary fits.
# CMakeLists.txt builds the same sources with the same settings for cmake-js; keep the two in step
# (test/native/build-files.test.ts checks that both list every native/ source).
{
  "variables": {
    # 1 builds the prebuilt binary (tools/prebuild.js sets it through GYP_DEFINES): OpenBLAS linked
    # statically, so a machine without OpenBLAS can load the addon. The source build stays dynamic, so it
    # uses the machine's own OpenBLAS (and whatever CPU support that one has).
    "static_openblas%": 0
  },
  "targets": [
    {
      "target_name": "blasnet",
      "sources": [
        "native/addon.cc",
        "native/bindings/activations.cc",
        "native/bindings/args.cc",
        "native/bindings/blas_info.cc",
        "native/bindings/memory.cc",
        "native/bindings/layers.cc",
        "native/bindings/linear_algebra.cc",
        "native/bindings/losses.cc",
        "native/bindings/network.cc",
        "native/bindings/optimizers.cc",
        "native/bindings/random.cc",
        "native/kernels/second_thread.cc",
        "native/kernels/small_gemm.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node tools/find-openblas.js --include-dirs)"
      ],
      "conditions": [
        ["static_openblas==1", {
          "libraries": ["<!@(node tools/find-openblas.js --static-libraries)"],
          "conditions": [
            ["OS=='linux'", {
              # OpenBLAS's symbols stay inside the addon, so they cannot clash with another BLAS loaded in
              # the same process, and the addon exports the N-API entry points and nothing else.
              "ldflags": ["-Wl,--exclude-libs,ALL", "-Wl,--version-script=<(module_root_dir)/native/exports.map"]
            }]
          ]
        }, {
          "libraries": ["<!@(node tools/find-openblas.js --libraries)"]
        }]
      ],
      # Exceptions off in both builds: node-addon-api then reports errors as pending JS exceptions.
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # -O3 for loop vectorisation; neither -fno-math-errno nor -fno-trapping-math changes a result, they
      # let loops over math vectorise. GCC contracts a * b + c into fused multiply-adds where the target
      # has them (the AVX-512 clones of simd.h), so those clones round less often than the baseline clone
      # and the js backend: results agree to rounding, not bit for bit, across CPUs (as OpenBLAS's own
      # kernels, chosen per CPU, already do). -ffp-contract=off would make every clone compute what the
      # source says, at 7% of workload A's time (bench/README.md).
      # Hidden visibility: only NAPI_MODULE_INIT's entry points (marked default by node_api.h) are exported.
      "cflags_cc": ["-fno-exceptions", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden",
                    "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"],
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
