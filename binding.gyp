# The canonical build (node-gyp): what `npm install` compiles when no prebuilt binary fits.
# CMakeLists.txt builds the same sources with the same settings for cmake-js; keep the two in step
# (test/native/build-files.test.ts checks that both list every native/ source).
{
  "targets": [
    {
      "target_name": "blasnet",
      "sources": [
        "native/addon.cc",
        "native/bindings/activations.cc",
        "native/bindings/args.cc",
        "native/bindings/blas_info.cc",
        "native/bindings/layers.cc",
        "native/bindings/linear_algebra.cc",
        "native/bindings/losses.cc",
        "native/bindings/network.cc",
        "native/bindings/optimizers.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node tools/find-openblas.js --include-dirs)"
      ],
      "libraries": ["<!@(node tools/find-openblas.js --libraries)"],
      # Exceptions off in both builds: node-addon-api then reports errors as pending JS exceptions.
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # -O3 for loop vectorisation; neither -fno-math-errno nor -fno-trapping-math changes a result, they
      # let loops over math vectorise.
      "cflags_cc": ["-fno-exceptions", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"],
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
