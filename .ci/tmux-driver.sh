#!/bin/sh
# tmux driver for real-terminal checks of the charrnn shell (notes/readline.md §6).
# Source it, then:
#   tt_start  SESSION 'COMMAND' [COLS] [ROWS]   start COMMAND in a detached tmux pane (kept after exit)
#   tt_wait   SESSION REGEX [TIMEOUT_S]          poll the screen until REGEX (grep -E) matches
#   tt_send   SESSION KEYS...                    tmux send-keys, then a short settle pause
#   tt_type   SESSION TEXT                       send TEXT literally (no key-name lookup)
#   tt_capture SESSION                           print the visible screen (trailing spaces dropped)
#   tt_assert SESSION REGEX [MESSAGE]            fail unless the screen matches REGEX
#   tt_refute SESSION REGEX [MESSAGE]            fail if the screen matches REGEX
#   tt_last_line SESSION                         print the last non-empty screen line
#   tt_cursor SESSION                            print "x,y" of the cursor
#   tt_stop   SESSION                            kill the session
# Rules learnt the hard way: poll, never sleep a fixed time for startup; send text and C-c in
# separate tt_send calls (SIGINT flushes unread input); capture drops trailing spaces, so a prompt
# "charrnn> " reads back as "charrnn>"; use kill-session, not kill-server.
# Failures print the screen and return 1; tt_fail_count counts them.
#
# Example (adapt for the real binary):
#   . .ci/tmux-driver.sh
#   tt_start cr ".build/release/charrnn"
#   tt_wait cr 'charrnn>' 10 || exit 1
#   tt_type cr 'sa'; tt_send cr Tab; tt_assert cr 'charrnn> sample'
#   tt_send cr C-u; tt_type cr 'abc'; tt_send cr C-c; tt_wait cr '\^C$' 2; tt_assert cr 'charrnn>$'
#   tt_send cr C-d; tt_wait cr 'EXITED rc=0' 5
#   tt_stop cr; [ "$tt_fail_count" -eq 0 ]

TT_SETTLE=${TT_SETTLE:-0.3}
tt_fail_count=0

tt_start() {
    _s=$1; _cmd=$2; _w=${3:-100}; _h=${4:-30}
    tmux kill-session -t "$_s" 2>/dev/null
    tmux new-session -d -s "$_s" -x "$_w" -y "$_h" \
        "$_cmd; echo EXITED rc=\$?; sleep 600"
}

tt_capture() { tmux capture-pane -p -t "$1"; }

tt_wait() {
    _s=$1; _re=$2; _t=${3:-10}
    _n=$(awk "BEGIN { print int($_t * 10) }")
    _i=0
    while [ "$_i" -lt "$_n" ]; do
        if tt_capture "$_s" | grep -Eq -- "$_re"; then return 0; fi
        sleep 0.1; _i=$((_i + 1))
    done
    echo "tt_wait: timeout after ${_t}s waiting for /$_re/ on screen:" >&2
    tt_capture "$_s" >&2
    tt_fail_count=$((tt_fail_count + 1))
    return 1
}

tt_send() { _s=$1; shift; tmux send-keys -t "$_s" "$@"; sleep "$TT_SETTLE"; }
tt_type() { tmux send-keys -t "$1" -l -- "$2"; sleep "$TT_SETTLE"; }

tt_assert() {
    if tt_capture "$1" | grep -Eq -- "$2"; then echo "ok: ${3:-/$2/}"; return 0; fi
    echo "FAIL: ${3:-expected /$2/} — screen:" >&2; tt_capture "$1" >&2
    tt_fail_count=$((tt_fail_count + 1)); return 1
}

tt_refute() {
    if ! tt_capture "$1" | grep -Eq -- "$2"; then echo "ok: ${3:-no /$2/}"; return 0; fi
    echo "FAIL: ${3:-unexpected /$2/} — screen:" >&2; tt_capture "$1" >&2
    tt_fail_count=$((tt_fail_count + 1)); return 1
}

tt_last_line() { tt_capture "$1" | grep -v '^[[:space:]]*$' | tail -n 1; }
tt_cursor() { tmux display-message -p -t "$1" '#{cursor_x},#{cursor_y}'; }
tt_stop() { tmux kill-session -t "$1" 2>/dev/null; }
