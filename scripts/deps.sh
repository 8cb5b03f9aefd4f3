#!/usr/bin/env bash
# scripts/deps.sh: install, from Debian 12's own packages, everything hc needs to build, test
# and benchmark. Installs only what is missing, so a second run is quick and offline.
# Run as root (or with sudo available). Usage: scripts/deps.sh
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format git ca-certificates
    # libraries hc links
    zlib1g-dev libhttp-parser-dev libinih-dev libjansson-dev libcurl4-openssl-dev libncurses-dev
    libsqlite3-dev libhiredis-dev libmariadb-dev libyaml-dev libmemcached-dev libssl-dev libnghttp2-dev
    # tests: unit framework, HdrHistogram's own tools for interop, shells for completions,
    # man page checks, real servers started by integration tests, tmux to drive hcmon's screen
    libcmocka-dev default-jre-headless libhdrhistogram-java zsh fish groff-base man-db
    nginx redis-server memcached mariadb-server sqlite3 procps iproute2 curl python3 strace openssl
    tmux libxml2-utils chromium
    # benchmarks: the anchors hc is measured against
    wrk hyperfine glances nghttp2-client
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "deps: missing packages and not root: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Installing a server package must not start it: tests start their own on ports they choose.
policy_added=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    policy_added=1
fi
trap '[ -n "$policy_added" ] && $sudo rm -f /usr/sbin/policy-rc.d' EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
