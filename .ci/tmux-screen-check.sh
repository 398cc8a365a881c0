#!/usr/bin/env bash
# Every line fits the learner's terminal (issue 11), in a real 80 × 24 terminal:
#   the hello lesson, stepped through with `skip`, leaves no wrapped row;
#   `help settings`, `lessons` and `toy` leave no wrapped row;
#   a 4-second `train` redraws its progress line in place: exactly one progress line is left,
#   no wrapped row, and its time budget is said in words ("s budget"), not "(s)".
# A wrapped row is found by capturing the whole history twice, with and without joining
# wrapped lines (`capture-pane -J`): the counts differ by the number of wrapped rows.
# Usage: bash .ci/tmux-screen-check.sh [PATH-TO-CHARRNN]   (default .build/release/charrnn)
#   SCREEN_SIZE=140x45 checks another terminal size.
set -u
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-.build/release/charrnn}")
. .ci/tmux-driver.sh
scratch=$(mktemp -d)
s=cscreen
trap 'tt_stop $s; rm -rf "$scratch"' EXIT

# Rows wrapped by the terminal in the whole history of the pane.
wrapped_rows() {
    plain=$(tmux capture-pane -p -S - -t "$s" | wc -l)
    joined=$(tmux capture-pane -p -J -S - -t "$s" | wc -l)
    echo $((plain - joined))
}
expect_no_wrap() {
    n=$(wrapped_rows)
    if [ "$n" -eq 0 ]; then echo "ok: no wrapped row ($1)"; return 0; fi
    echo "FAIL: $n wrapped row(s) after $1 — history:" >&2
    tmux capture-pane -p -S - -t "$s" | tail -60 >&2
    tt_fail_count=$((tt_fail_count + 1))
}

size=${SCREEN_SIZE:-80x24}
tt_start $s "cd $PWD && HOME=$scratch TERM=xterm-256color $binary lesson hello" "${size%x*}" "${size#*x}"
tmux set-option -t $s history-limit 50000 >/dev/null
tt_wait $s 'hello 1/[0-9]+> *$' 20 || exit 1

# The hello lesson: `skip` runs each step's solution (or shows the answer) and goes on.
step=1
while [ $step -lt 30 ]; do
    tt_type $s 'skip'; tt_send $s Enter
    if tt_capture $s | grep -Eq 'is finished'; then break; fi
    step=$((step + 1))
    tt_wait $s '(hello [0-9]+/[0-9]+|charrnn)> *$' 30 || break
done
tt_wait $s 'is finished' 30
expect_no_wrap "the hello lesson"

# Tables and prose of the commands a newcomer meets first.
for command in 'help settings' 'lessons' 'toy'; do
    tt_type $s "$command"; tt_send $s Enter
    tt_wait $s '> *$' 10
done
expect_no_wrap "help settings, lessons, toy"

# A 4-second train: the progress line is redrawn in place.
tt_send $s C-l
tmux clear-history -t $s
tt_type $s 'train --seconds 4'; tt_send $s Enter
tt_wait $s 'trained [0-9]+ iterations' 20
tt_wait $s '> *$' 5
history=$(tmux capture-pane -p -J -S - -t $s)
progress=$(printf '%s\n' "$history" | grep -c 'training .*[█░]')
if [ "$progress" -eq 1 ]; then echo "ok: one progress line left after train"; else
    echo "FAIL: $progress progress lines left after train:" >&2; printf '%s\n' "$history" >&2
    tt_fail_count=$((tt_fail_count + 1))
fi
printf '%s\n' "$history" | grep -q 's budget' && echo "ok: the budget is said in words" || {
    echo "FAIL: no 's budget' in the progress line" >&2; tt_fail_count=$((tt_fail_count + 1)); }
printf '%s\n' "$history" | grep -q '(s)' && { echo "FAIL: '(s)' is back" >&2; tt_fail_count=$((tt_fail_count + 1)); }
expect_no_wrap "train --seconds 4"

tt_type $s 'quit'; tt_send $s Enter
tt_wait $s 'Quit\? \[y/n/save\]' 5
expect_no_wrap "the quit question"
tt_type $s 'y'; tt_send $s Enter
tt_wait $s 'EXITED rc=0' 10
echo "tmux screen check: $tt_fail_count failure(s)"
[ "$tt_fail_count" -eq 0 ]
