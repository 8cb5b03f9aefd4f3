#!/usr/bin/env bash
# scripts/test.sh: install what is missing, build hc, and run every test.
#
# Usage: scripts/test.sh [PRESET...]   (default: dev asan tsan)
# Each preset (see CMakePresets.json) gets its own build directory, build/<preset>, configured
# with warnings as errors. ctest prints its summary line last.
set -euo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(dev asan tsan)

scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
status=0
for preset in "${presets[@]}"; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" -DHC_WERROR=ON >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    echo "== $preset: test"
    if ! ctest --preset "$preset" -j "$jobs"; then
        status=1
    fi
done
exit $status
