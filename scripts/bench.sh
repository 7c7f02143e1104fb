#!/usr/bin/env bash
# bench.sh [TINY] [DIR...] — times every *.tiny program in the DIRs (default:
# scripts/bench and ../shared/bench when present) under TINY (default ./tiny) and under
# CPython 3.11 ($PYTHON, else /usr/bin/python3.11, else python3.11 on PATH), BENCH_RUNS
# runs of each (default 3), keeping the fastest. Prints tiny seconds, python
# seconds and their ratio per program, then the geometric mean of the ratios (and that of
# the ../shared/bench programs alone). Programs named gil_*, pool_* or proc_* print their own
# metrics: both outputs are shown side by side instead. Programs tiny fails are skipped
# with a note. BENCH_TIMEOUT (seconds, default 300) bounds each run.
set -u
tiny=${1:-./tiny}
shift || true
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
    dirs=(scripts/bench)
    [ -d ../shared/bench ] && dirs+=(../shared/bench)
fi
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x /usr/bin/python3.11 ]; then python=/usr/bin/python3.11
    else python=$(command -v python3.11 || true)
    fi
fi
limit=${BENCH_TIMEOUT:-300}
runs=${BENCH_RUNS:-3}
if [ ! -x "$tiny" ]; then
    echo "bench: $tiny is not built (run make)" >&2
    exit 1
fi
[ -z "$python" ] && echo "bench: python3.11 not found; timing tiny alone" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_timed OUT ERR CMD...: runs CMD, prints its wall seconds; returns its status.
run_timed() {
    local out=$1 err=$2
    shift 2
    local t0=$EPOCHREALTIME
    timeout -k 5 "$limit" "$@" >"$out" 2>"$err" </dev/null
    local rc=$?
    local t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
    return $rc
}

programs=()
for d in "${dirs[@]}"; do
    [ -d "$d" ] || continue
    while IFS= read -r f; do programs+=("$f"); done < <(find "$d" -maxdepth 1 -name '*.tiny' | sort)
done
if [ ${#programs[@]} -eq 0 ]; then
    echo "bench: no programs found in ${dirs[*]}" >&2
    exit 1
fi

# best_of OUT ERR CMD...: the fastest of $runs runs (wall seconds); the status of the last.
best_of() {
    local out=$1 err=$2 best="" t rc=0
    shift 2
    for ((i = 0; i < runs; i++)); do
        t=$(run_timed "$out" "$err" "$@")
        rc=$?
        [ $rc -ne 0 ] && break
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    printf '%s' "${best:-$t}"
    return $rc
}

ratios=()
shared_ratios=()
printf '%-40s %9s %9s %7s\n' program "tiny s" "python s" ratio
for f in "${programs[@]}"; do
    name=$(basename "$f")
    case $f in
    */shared/bench/* | ../shared/bench/*) label="shared/bench/$name" ;;
    *) label=$f ;;
    esac
    case $name in
    gil_* | pool_* | proc_*)
        run_timed "$tmp/t.out" "$tmp/t.err" "$tiny" "$f" >/dev/null
        trc=$?
        prc=0
        if [ -n "$python" ]; then
            run_timed "$tmp/p.out" "$tmp/p.err" "$python" "$f" >/dev/null
            prc=$?
        else
            : >"$tmp/p.out"
        fi
        echo "== $label (its own metrics; tiny exit $trc, python exit $prc)"
        if [ $trc -ne 0 ]; then
            echo "   tiny failed: $(grep -v '^\s*$' "$tmp/t.err" | tail -1)"
        fi
        printf '   %-44s | %s\n' "tiny (default: $("$tiny" -c 'import sys; print(sys.getgilpolicy())'), 5ms)" "python"
        paste -d '\t' "$tmp/t.out" "$tmp/p.out" | while IFS=$'\t' read -r a b; do
            printf '   %-44s | %s\n' "$a" "$b"
        done
        case $name in
        gil_*)
            # the same program under every policy, so the trade-offs show side by side
            # (BENCH_POLICY_TIMEOUT, default 60 s: under ticks a sleeper beside two CPU
            # hogs can starve for minutes, which is the point, not a reason to wait)
            for pol in $("$tiny" -c 'import sys; print(*sys.getgilpolicies())'); do
                limit=${BENCH_POLICY_TIMEOUT:-60} TINY_GIL=$pol run_timed "$tmp/g.out" "$tmp/g.err" "$tiny" "$f" >/dev/null
                grc=$?
                if [ $grc -eq 124 ] || [ $grc -eq 137 ]; then
                    printf '   %-12s %s\n' "$pol:" "did not finish within ${BENCH_POLICY_TIMEOUT:-60} s"
                    continue
                fi
                printf '   %-12s %s\n' "$pol:" "$(tr '\n' ';' <"$tmp/g.out" | sed 's/;$//; s/;/; /g')"
            done
            ;;
        esac
        continue
        ;;
    esac
    ts=$(best_of "$tmp/t.out" "$tmp/t.err" "$tiny" "$f")
    trc=$?
    if [ $trc -ne 0 ]; then
        printf '%-40s skipped: tiny exited %d (%s)\n' "$label" "$trc" \
            "$(grep -v '^\s*$' "$tmp/t.err" | tail -1 | cut -c1-60)"
        continue
    fi
    if [ -z "$python" ]; then
        printf '%-40s %9s %9s %7s\n' "$label" "$ts" - -
        continue
    fi
    ps=$(best_of "$tmp/p.out" "$tmp/p.err" "$python" "$f")
    prc=$?
    if [ $prc -ne 0 ]; then
        printf '%-40s %9s skipped: python exited %d\n' "$label" "$ts" "$prc"
        continue
    fi
    ratio=$(awk -v t="$ts" -v p="$ps" 'BEGIN { if (p <= 0) p = 0.001; printf "%.2f", t / p }')
    note=""
    cmp -s "$tmp/t.out" "$tmp/p.out" || note="  (output differs from python)"
    printf '%-40s %9s %9s %7s%s\n' "$label" "$ts" "$ps" "$ratio" "$note"
    ratios+=("$ratio")
    case $label in shared/bench/*) shared_ratios+=("$ratio") ;; esac
done
if [ ${#ratios[@]} -gt 0 ]; then
    printf '%s\n' "${ratios[@]}" | awk '
        { if ($1 <= 0) $1 = 0.01; s += log($1); n++ }
        END { printf "geometric mean of tiny/python ratios (%d programs): %.2f\n", n, exp(s / n) }'
fi
if [ ${#shared_ratios[@]} -gt 0 ] && [ ${#shared_ratios[@]} -lt ${#ratios[@]} ]; then
    printf '%s\n' "${shared_ratios[@]}" | awk '
        { if ($1 <= 0) $1 = 0.01; s += log($1); n++ }
        END { printf "geometric mean of the shared/bench ratios (%d programs): %.2f\n", n, exp(s / n) }'
fi
