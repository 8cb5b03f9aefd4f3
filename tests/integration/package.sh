#!/usr/bin/env bash
# integration.package: `cmake --install` and `cpack -G DEB` give what a user installs: the four
# programs, their man pages (man finds them), the shell completions where the shells look,
# and a Debian package whose dependencies are the shared libraries the programs link.
source "$(dirname "$0")/lib.sh"
build=$1
hc_need cpack dpkg-deb dpkg-shlibdeps man

# cmake --install into a prefix.
prefix=$HC_TMP/prefix
cmake --install "$build" --prefix "$prefix" >"$HC_TMP/install.log" ||
    hc_fail "cmake --install failed: $(tail -5 "$HC_TMP/install.log")"
for p in hcload hcwarm hcmon hcserver; do
    [ -x "$prefix/bin/$p" ] || hc_fail "cmake --install put no $p in bin/"
    [ -f "$prefix/share/man/man1/$p.1" ] || hc_fail "no man page for $p"
    [ -f "$prefix/share/bash-completion/completions/$p" ] || hc_fail "no bash completion for $p"
    [ -f "$prefix/share/zsh/vendor-completions/_$p" ] || hc_fail "no zsh completion for $p"
    [ -f "$prefix/share/fish/vendor_completions.d/$p.fish" ] || hc_fail "no fish completion for $p"
done
"$prefix/bin/hcload" --version | grep -q "^hcload " || hc_fail "the installed hcload has no --version"
found=$(man -M "$prefix/share/man" -w hcload) || hc_fail "man does not find the installed hcload(1)"
[ "$found" = "$prefix/share/man/man1/hcload.1" ] || hc_fail "man -w hcload found $found"

# The Debian package.
(cd "$build" && cpack -G DEB -B "$HC_TMP/pkg" >"$HC_TMP/cpack.log" 2>&1) ||
    hc_fail "cpack failed: $(tail -5 "$HC_TMP/cpack.log")"
deb=$(ls "$HC_TMP"/pkg/hc_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libsqlite3-0 libjansson4; do
    case "$depends" in
    *"$lib "* | *"$lib,"* | *"$lib") ;;
    *) hc_fail "the package's Depends lacks $lib: $depends" ;;
    esac
done
[ "$(dpkg-deb -f "$deb" Package)" = hc ] || hc_fail "the package is not named hc"
root=$HC_TMP/deb
dpkg-deb -x "$deb" "$root"
for p in hcload hcwarm hcmon hcserver; do
    [ -x "$root/usr/bin/$p" ] || hc_fail "the package has no /usr/bin/$p"
    [ -f "$root/usr/share/man/man1/$p.1" ] || hc_fail "the package has no $p(1)"
done
"$root/usr/bin/hcserver" --version | grep -q "^hcserver " || hc_fail "the packaged hcserver has no --version"
echo "ok: installed tree and package $(basename "$deb") (Depends: $depends)"
