#!/usr/bin/env bash
# A real terminal: drives the charrnn binary in tmux as a learner would and asserts on the screen.
#   Tab completes `sa` to `sample` and `set l` to `set lr`; Ctrl-C at the prompt clears the line;
#   Ctrl-C during a long `train` returns to the prompt with the model intact; `quit` asks about the
#   unsaved model and `save` saves it and leaves; the next session finds it with `load
#   ~/.charrnn/saved/` and Tab, and loads it.
# Usage: bash .ci/tmux-check.sh [PATH-TO-CHARRNN]   (default .build/release/charrnn)
set -u
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-.build/release/charrnn}")
. .ci/tmux-driver.sh
scratch=$(mktemp -d)
trap 'tt_stop ct; rm -rf "$scratch"' EXIT
s=ct

tt_start $s "cd $PWD && HOME=$scratch TERM=xterm-256color $binary" 110 40
tt_wait $s 'charrnn>' 20 || exit 1
tt_assert $s 'lessons' "the welcome points at lessons"

# Tab completion.
tt_type $s 'sa'; tt_send $s Tab
tt_assert $s 'charrnn> sample $|charrnn> sample$' "Tab completes 'sa' to 'sample'"
tt_send $s C-u
tt_type $s 'set l'; tt_send $s Tab
tt_assert $s 'charrnn> set lr' "Tab completes 'set l' to 'set lr'"
tt_send $s C-u

# Ctrl-C at the prompt clears the line: the next command runs alone.
tt_type $s 'abc def'; tt_send $s C-c
tt_type $s 'model'; tt_send $s Enter
tt_wait $s 'parameters' 5
tt_refute $s 'unknown command .abc' "Ctrl-C cleared the half-typed line"

# Ctrl-C during a long train: back at the prompt, model intact and usable.
tt_send $s C-l
tt_type $s 'train 100000000'; tt_send $s Enter
tt_wait $s 'training .*chars/s' 10
sleep 1
tt_send $s C-c
tt_wait $s 'interrupted|stopped' 10
tt_wait $s 'charrnn> *$' 10
tt_send $s C-l
tt_type $s 'gradcheck'; tt_send $s Enter
tt_wait $s 'b_y .*(pass|below float32 noise|FAIL)' 20
tt_refute $s 'FAIL|nan|NaN' "the gradients check out after the interrupted train"
tt_type $s 'sample 30'; tt_send $s Enter
tt_wait $s 'charrnn> sample 30' 5
tt_type $s 'status'; tt_send $s Enter
tt_wait $s 'iteration|trained' 5
tt_refute $s 'nan|NaN|inf' "the model is intact after Ctrl-C (status)"

# quit asks about the trained, unsaved model; `save` saves it under ~/.charrnn/saved/ and leaves with status 0.
tt_type $s 'quit'; tt_send $s Enter
tt_wait $s 'Quit\? \[y/n/save\]' 5
tt_assert $s 'Your model is not saved since iteration 0' "quit asks before unsaved training is lost"
tt_type $s 'save'; tt_send $s Enter
tt_wait $s 'EXITED rc=0' 10
tt_assert $s 'saved the model at iteration [0-9]+' "save at the quit question saves the model"
if ls "$scratch"/.charrnn/saved/hello-iteration-*.safetensors >/dev/null 2>&1; then echo "ok: the file is under ~/.charrnn/saved/"; else
    echo "FAIL: no file under ~/.charrnn/saved/" >&2; tt_fail_count=$((tt_fail_count + 1)); fi

# The next day: `load ~/.charrnn/saved/` and Tab complete the file's name, and it loads.
tt_start $s "cd $PWD && HOME=$scratch TERM=xterm-256color $binary" 110 40
tt_wait $s 'charrnn>' 20 || exit 1
tt_type $s 'load ~/.charrnn/saved/'; tt_send $s Tab
tt_assert $s 'charrnn> load ~/\.charrnn/saved/hello-iteration-[0-9]+-[0-9-]+\.safetensors' "Tab completes the saved model under ~/"
tt_send $s Enter
tt_wait $s 'loaded .*hello-iteration' 5
tt_assert $s 'loaded .*/\.charrnn/saved/hello-iteration-[0-9]+-[0-9-]+\.safetensors: rnn' "load ~/.charrnn/saved/… loads the model saved at quit"
tt_type $s 'quit'; tt_send $s Enter
tt_wait $s 'EXITED rc=0' 10
tt_assert $s 'EXITED rc=0' "the loaded model, not trained since, quits without a question"

if [ "$tt_fail_count" -eq 0 ]; then
    echo "tmux check: all passed"
else
    echo "tmux check: $tt_fail_count failed"
    exit 1
fi
