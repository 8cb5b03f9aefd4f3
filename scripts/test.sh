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

# package_check: in CI (a throw-away machine, as root) the Debian package built from build/dev
# is also installed the way a user installs it, run, and removed again.
package_check() {
    local pkgdir
    pkgdir=$(mktemp -d)
    echo "== package: build, apt-get install, run"
    if (cd build/dev && cpack -G DEB -B "$pkgdir" >/dev/null 2>&1) &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkgdir"/hc_*.deb >/dev/null 2>&1 &&
        /usr/bin/hcload --version && [ "$(man -w hcload)" = /usr/share/man/man1/hcload.1 ]; then
        echo "package: installed, hcload runs, man -w hcload finds its page"
    else
        echo "package: FAILED to build, install or run" >&2
        status=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq hc >/dev/null 2>&1 || true
    rm -rf "$pkgdir"
}

jobs=$(nproc 2>/dev/null || echo 2)
# One test more than there are cores: most integration tests spend their time waiting on the
# servers they started (start-ups, polls, timeouts), and the tests pass on a loaded machine.
tests_at_once=$((jobs + 1))
status=0
for preset in "${presets[@]}"; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" -DHC_WERROR=ON >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    echo "== $preset: test"
    if ! ctest --preset "$preset" -j "$tests_at_once"; then
        status=1
    fi
    if [ "$preset" = dev ] && [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then
        package_check
    fi
done
exit $status
