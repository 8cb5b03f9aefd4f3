# tests/integration/lib_tmux.sh: a terminal program driven as a person would, sourced after
# lib.sh: a tmux server on a socket of our own in $HC_TMP (its server tracked and stopped by
# PID at exit), one session "t" running a clean bash, keys sent with send-keys and the screen
# read with capture-pane.
#
#   hc_tmux_start COLS ROWS    # the session; then:
#   tm ARGS...                 # tmux on our socket
#   screen                     # the screen's text now
#   wait_for TEXT [SECONDS]    # until the screen shows TEXT (default 10 s), or fail
#   row TEXT                   # the first screen line containing TEXT

hc_tmux_start() {
    HC_TMUX_SOCK=$HC_TMP/tmux.sock
    tm -f /dev/null new-session -d -s t -x "$1" -y "$2" \
        "env -i PATH=$PATH HOME=$HC_TMP TERM=screen LANG=C.UTF-8 HISTFILE=/dev/null bash --norc --noprofile"
    hc_track "$(tm display -p -t t '#{pid}')"
}

tm() { tmux -S "$HC_TMUX_SOCK" "$@"; }

screen() { tm capture-pane -p -t t; }

wait_for() {
    local tries=$((${2:-10} * 10))
    while [ $tries -gt 0 ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    screen >&2
    hc_fail "the screen never showed \"$1\""
}

row() { screen | grep -F -- "$1" | head -1; }
