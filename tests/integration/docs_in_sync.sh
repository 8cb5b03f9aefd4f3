#!/usr/bin/env bash
# docs_in_sync.sh: the committed man pages and completions match what the programs generate,
# and they work: the bash completion answers, zsh and fish accept their scripts, and groff
# formats each man page without a warning. Also checks the programs' common exit codes
# (0 for --help/--version, 2 for a usage error), which the generated docs promise.
#
#   tests/integration/docs_in_sync.sh <build-dir> <source-dir>
set -uo pipefail

build=$1
src=$2
programs=(hcload hcwarm hcmon hcserver)
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

problem() {
    echo "FAIL: $*" >&2
    fail=1
}

for prog in "${programs[@]}"; do
    if [[ ! -x $build/$prog/$prog ]]; then
        echo "FAIL: $build/$prog/$prog is not built" >&2
        exit 1
    fi
done

# 1. Exit codes and output of the built-ins.
for prog in "${programs[@]}"; do
    bin=$build/$prog/$prog
    "$bin" --help >"$tmp/out" 2>&1 || problem "$prog --help exited $?"
    grep -q "^Usage: $prog " "$tmp/out" || problem "$prog --help prints no usage line"
    [[ $("$bin" --version) == "$prog "* ]] || problem "$prog --version prints no version"
    # hcserver with no arguments serves on 127.0.0.1:8080 (its embedded default), so only the
    # programs that need an argument are run bare.
    if [[ $prog != hcserver ]]; then
        timeout 10 "$bin" >/dev/null 2>"$tmp/err"
        rc=$?
        [[ $rc == 2 ]] || problem "$prog with no arguments exited $rc, not 2"
        grep -q "^Usage: $prog " "$tmp/err" || problem "$prog with no arguments printed no usage"
    fi
    "$bin" --no-such-option >/dev/null 2>"$tmp/err"
    rc=$?
    [[ $rc == 2 ]] || problem "$prog --no-such-option exited $rc, not 2"
    grep -q "unknown option --no-such-option" "$tmp/err" || problem "$prog: no unknown-option message"
    "$bin" --gen-completion tcsh >/dev/null 2>&1
    rc=$?
    [[ $rc == 2 ]] || problem "$prog --gen-completion tcsh exited $rc, not 2"
done

# 2. The committed files are what the programs generate now.
bash "$src/scripts/gen-docs.sh" "$build" "$tmp/gen" || problem "gen-docs.sh failed"
for prog in "${programs[@]}"; do
    for f in docs/man/$prog.1 completions/$prog.bash completions/_$prog completions/$prog.fish; do
        if ! diff -u "$src/$f" "$tmp/gen/$f"; then
            problem "$f is out of date: run scripts/gen-docs.sh $build and commit the result"
        fi
    done
done

# 3. The bash completion works: options, files for FILE values, nothing for hidden options.
mkdir -p "$tmp/cwd"
touch "$tmp/cwd/settings.conf"
for prog in "${programs[@]}"; do
    out=$(cd "$tmp/cwd" && bash -c '
        source "$1"
        fn=$(complete -p "$2" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
        ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); "$fn"; echo "${COMPREPLY[*]}"; }
        ask "$2" --vers
        ask "$2" --config sett
        ask "$2" --config = sett
        ask "$2" --gen
        ask "$2" -
    ' _ "$src/completions/$prog.bash" "$prog" 2>&1)
    # "-" completes to exactly the options --help lists (both come from the one table).
    helped=$("$build/$prog/$prog" --help | grep -oE '^ +(-[A-Za-z0-9], )?--[a-z0-9-]+' |
        tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' ')
    offered=$(sed -n 5p <<<"$out" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')
    want=$(printf '%s\n' "--version" "settings.conf" "settings.conf" "")
    if [[ $(head -n 4 <<<"$out") != "$want" ]]; then
        problem "bash completion for $prog answered:"$'\n'"$out"$'\n'"wanted:"$'\n'"$want"
    fi
    if [[ -z $helped || $offered != "$helped" ]]; then
        problem "bash completion of '-' for $prog offers [$offered], --help lists [$helped]"
    fi
done

# 4. zsh and fish accept their scripts (skipped for a shell that is not installed).
for prog in "${programs[@]}"; do
    if command -v zsh >/dev/null; then
        zsh -n "$src/completions/_$prog" || problem "zsh rejects completions/_$prog"
    fi
    if command -v fish >/dev/null; then
        fish -n "$src/completions/$prog.fish" || problem "fish rejects completions/$prog.fish"
        got=$(fish -c "source $src/completions/$prog.fish; complete -C'$prog --vers'" | cut -f1)
        [[ $got == --version ]] || problem "fish completion for $prog answered '$got'"
    fi
done
command -v zsh >/dev/null || echo "note: zsh not installed, its check skipped"
command -v fish >/dev/null || echo "note: fish not installed, its check skipped"

# 5. The man pages format without warnings.
if command -v groff >/dev/null; then
    for prog in "${programs[@]}"; do
        warnings=$(groff -man -Tutf8 -ww -z "$src/docs/man/$prog.1" 2>&1)
        [[ -z $warnings ]] || problem "groff warns about docs/man/$prog.1: $warnings"
        grep -q '^\.SH NAME' "$src/docs/man/$prog.1" || problem "docs/man/$prog.1 has no NAME"
    done
else
    echo "note: groff not installed, man page check skipped"
fi

exit $fail
