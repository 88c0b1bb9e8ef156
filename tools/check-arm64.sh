#!/usr/bin/env bash
# Cross-builds the engine and its C++ tests for arm64 and runs them under qemu: proves the
# portable (scalar) path builds and passes where no x86 kernels exist. Not part of `npm test`
# (it needs ~300 MB of Debian packages); run it after changing anything under native/src.
#   sudo apt-get install g++-aarch64-linux-gnu qemu-user && tools/check-arm64.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TMPDIR:-/tmp}/amaas-build-arm64"
toolchain="$build.cmake"
mkdir -p "$build"
cat > "$toolchain" <<'CMAKE'
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
CMAKE
cmake -S "$root/native" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DAMAAS_BUILD_ADDON=OFF -DAMAAS_CUDA=OFF -DAMAAS_BUILD_TESTS=ON
cmake --build "$build" --parallel 2
ctest --test-dir "$build" --output-on-failure
