#!/usr/bin/env bash
# The lessons' claims about their samples and curves, at training length: `swift test` cuts every
# lesson `train` to 1.5 s, so the `check:` lines about the samples at iterations 100, 300, … and
# about the trained model's curves and primed samples (`at iteration N …`) are skipped there.
# - shakespeare: `charrnn lesson shakespeare --demo` with seeds 1–5, each `train` going no further
#   than iteration CAP (default 700: the first `train` runs whole, every check runs on real
#   samples; the later `train --until 2000` has nothing left to do).
# - c-code and latex: seeds FULL_SEEDS (default all five) at full length, so every check runs; on a
#   loaded machine FULL_SEEDS="1 2" caps the other seeds at iteration CAP_SHORT (default 500: the
#   checks up to 500 run, the later ones are skipped and counted).
# - SHAKESPEARE_SEEDS (default 1 2 3 4 5): the shakespeare seeds (.ci/run names three on a slow machine).
# - DEADLINE (seconds since the epoch; .ci/run sets it): a c-code or latex seed that would end too
#   close to it (its last seed's time, plus RESERVE, default 150 s, for gradients and bptt) stops at
#   CAP_SHORT too, and says so.
# Usage: bash .ci/lesson-samples.sh [CHARRNN-BINARY]   (default .build/release/charrnn)
# Budget: 3½ minutes measured with the release build on 2 quiet cores (lessons/README.md, "At length").
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/charrnn}
cap=${CAP:-700}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
started=$(date +%s)
for seed in ${SHAKESPEARE_SEEDS:-1 2 3 4 5}; do
    seed_start=$(date +%s)
    log="$home/shakespeare-$seed.txt"
    if ! HOME="$home" COLUMNS=200 CHARRNN_LESSON_TRAIN_UNTIL="$cap" "$binary" lesson shakespeare --demo --seed "$seed" \
        > "$log" 2>&1; then
        grep -E -B2 -A14 "── sample at iteration" "$log" | tail -80
        grep -E "failed|error:" "$log" | head -5
        echo "lesson shakespeare --demo --seed $seed failed (log above)"
        exit 1
    fi
    skipped=$(grep -c "the check is skipped" "$log" || true)
    echo "seed $seed: passed in $(( $(date +%s) - seed_start )) s ($skipped check(s) skipped past iteration $cap)"
done
full_seeds=${FULL_SEEDS:-1 2 3 4 5}
cap_short=${CAP_SHORT:-500}
deadline=${DEADLINE:-0}
reserve=${RESERVE:-150}
last_full=60  # seconds a full-length seed took (the last one)
for lesson in c-code latex; do
    for seed in 1 2 3 4 5; do
        seed_start=$(date +%s)
        log="$home/$lesson-$seed.txt"
        limit=()
        case " $full_seeds " in *" $seed "*) ;; *) limit=(CHARRNN_LESSON_TRAIN_UNTIL="$cap_short") ;; esac
        if [ ${#limit[@]} -eq 0 ] && [ "$deadline" -gt 0 ] && [ $((seed_start + last_full + reserve)) -gt "$deadline" ]; then
            echo "$lesson seed $seed: to iteration $cap_short, so that CI ends in time"
            limit=(CHARRNN_LESSON_TRAIN_UNTIL="$cap_short")
        fi
        if ! env HOME="$home" COLUMNS=200 "${limit[@]}" "$binary" lesson "$lesson" --demo --seed "$seed" > "$log" 2>&1; then
            grep -E -A12 "── sample (at iteration|from)" "$log" | tail -60
            grep -E "^iteration [0-9]+ " "$log" | tail -10
            grep -E "failed|error:" "$log" | head -5
            echo "lesson $lesson --demo --seed $seed failed (log above)"
            exit 1
        fi
        skipped=$(grep -c "the check is skipped" "$log" || true)
        [ ${#limit[@]} -eq 0 ] && last_full=$(( $(date +%s) - seed_start ))
        echo "$lesson seed $seed: passed in $(( $(date +%s) - seed_start )) s" \
            "(${limit[*]:-full length}; $skipped check(s) skipped)"
    done
done
echo "== lesson samples checked in $(( $(date +%s) - started )) s"

# play_at_full_length LESSON SHOWN: the demo of LESSON with seeds 1–5 and no limit set (a `train`
# that stopped early would fail a `check: at iteration N …`, not skip it); SHOWN is an extended
# regular expression for the lines of each log to print (and on failure, with the error).
play_at_full_length() {
    local lesson=$1 shown=$2 seed log
    started=$(date +%s)
    for seed in 1 2 3 4 5; do
        log="$home/$lesson-full-$seed.txt"
        if ! HOME="$home" COLUMNS=200 "$binary" lesson "$lesson" --demo --seed "$seed" > "$log" 2>&1; then
            grep -E "failed|error:|$shown" "$log" | head -8 || true
            echo "lesson $lesson --demo --seed $seed failed (log above)"
            exit 1
        fi
        echo "$lesson seed $seed: $(grep -E "$shown" "$log" | tr -s ' ' | tr '\n' ';')"
    done
    echo "== $lesson lesson checked at full length in $(( $(date +%s) - started )) s"
}

# The gradients lesson's claim about the trained RNN (`check: at iteration 2000 gradient ratio 25 …`):
# `swift test` cuts its `train 2000` by time, which skips the claim; here it trains the full 2000
# iterations. Budget: 1–2 s a seed with the release build (7 s for the five, measured on 2 shared cores).
play_at_full_length gradients "^rnn: from t = 25 back to t = 1, ‖∂L/∂h‖"

# The bptt lesson's comparison (`check: at iteration 100000 not val loss below 0.18` for T = 5,
# `check: at iteration 10000 val loss below 0.185` for T = 50): `swift test` caps its training at
# 2000 iterations, which skips both. Budget: about 10 s a seed with the release build.
play_at_full_length bptt "^ +T = (5|50) +validation loss"
