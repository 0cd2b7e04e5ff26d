#!/usr/bin/env bash
# Configures and builds floecat into ./build (or $FLOECAT_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${FLOECAT_BUILD_DIR:-$root/build}"

"$root/scripts/bootstrap.sh"
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${FLOECAT_BUILD_TYPE:-RelWithDebInfo}" \
  ${FLOECAT_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
