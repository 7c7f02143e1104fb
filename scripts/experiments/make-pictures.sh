#!/bin/bash
# Makes every picture of docs/experiments.md that is not made elsewhere (timeline-04.svg
# and sweep-gil_cpu.svg: see docs/gil.md), from the repository root:
#     scripts/experiments/make-pictures.sh [OUTDIR]     (default docs/img)
# Takes one to two minutes. Runs everything under nice, so it can share a machine; the
# pictures show what happened on the machine and under the load of the run, no more.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-docs/img}
TINY=${TINY:-./tiny}
E=scripts/experiments
mkdir -p "$OUT"
run() { echo "+ $*" >&2; nice -n 19 "$@"; }

# 1. The lost update: race.tiny (no lock, 20000 updates per thread) under the random
#    schedule, seed 1 (the same interleaving, and balance, on every run); compare with
#    timeline-04.svg (seed program 04: the same with a lock).
run "$TINY" --schedule=random --seed=1 --gil-timeline "$OUT/timeline-race.svg" $E/race.tiny

# 2. Two CPU-bound threads under the default policy (io-priority, 5 ms): they take turns.
run "$TINY" --gil-timeline "$OUT/timeline-cpu2.svg" $E/cpu2.tiny

# 3. The convoy effect: round trips with a slow echo server beside a CPU hog.
run scripts/gil-sweep -q --intervals 1000,1ms,5ms --policies ticks,timed,fifo,io-priority \
    --runs 1 --figures with_hog_per_s,kept --out "$OUT" --name sweep-convoy $E/convoy.tiny
for p in timed io-priority; do
    run "$TINY" --gil=$p --gil-timeline "$OUT/timeline-convoy-$p.svg" $E/convoy.tiny 0.05
done

# 4. Wake-up latency of a 1 ms sleeper beside one, then two CPU hogs.
run scripts/gil-sweep -q --intervals 1000,1ms,5ms --policies ticks,timed,fifo,io-priority \
    --runs 1 --figures median_ms,p99_ms --out "$OUT" --name sweep-latency $E/latency.tiny 1
run scripts/gil-sweep -q --intervals 1000,1ms,5ms --policies ticks,timed,fifo,io-priority \
    --runs 1 --figures median_ms,p99_ms --out "$OUT" --name sweep-latency2 $E/latency.tiny 2

# 5. The GIL battle: two CPU-bound threads under ticks, then fifo, every 1000 instructions.
#    These two short runs (under half a second) are NOT niced: under nice -n 19, on a
#    machine busy with other work, fifo's hand-offs were delayed by the kernel and its
#    picture showed 4 ms turns instead of a switch every 1000 instructions.
for p in ticks fifo; do
    echo "+ $TINY --gil=$p ..." >&2; "$TINY" --gil=$p --switch-interval 1000 --gil-stats \
        --gil-timeline "$OUT/timeline-battle-$p.svg" $E/cpu2.tiny 2000000
done
