#!/usr/bin/env bash
# gen-docs.sh: regenerate the man pages and shell completions of hc's programs from the built
# binaries, so they always say what each program's options table says.
#
#   scripts/gen-docs.sh <build-dir> [<out-dir>]
#
# Writes <out-dir>/docs/man/<prog>.1 and <out-dir>/completions/<prog>.bash, _<prog> (zsh) and
# <prog>.fish for each program; <out-dir> defaults to the source tree this script lives in.
# tests/integration/docs_in_sync.sh runs it into a scratch directory and fails when the
# committed files differ, so run it (and commit the result) after changing any options.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 <build-dir> [<out-dir>]" >&2
    exit 2
fi
build=$1
out=${2:-$(cd "$(dirname "$0")/.." && pwd)}
programs=(hcload hcwarm hcmon hcserver)

mkdir -p "$out/docs/man" "$out/completions"
for prog in "${programs[@]}"; do
    bin=$build/$prog/$prog
    if [[ ! -x $bin ]]; then
        echo "$0: $bin is not built (cmake --build $build --target $prog)" >&2
        exit 1
    fi
    # Write to a temporary name first: a failing generator must not leave half a file.
    "$bin" --gen-man >"$out/docs/man/$prog.1.tmp"
    "$bin" --gen-completion bash >"$out/completions/$prog.bash.tmp"
    "$bin" --gen-completion zsh >"$out/completions/_$prog.tmp"
    "$bin" --gen-completion fish >"$out/completions/$prog.fish.tmp"
    mv "$out/docs/man/$prog.1.tmp" "$out/docs/man/$prog.1"
    mv "$out/completions/$prog.bash.tmp" "$out/completions/$prog.bash"
    mv "$out/completions/_$prog.tmp" "$out/completions/_$prog"
    mv "$out/completions/$prog.fish.tmp" "$out/completions/$prog.fish"
done
