#!/usr/bin/env bash
# run_suite.sh TINY BUILD [UNIT_TEST_BINARY...]
# Runs the unit tests, the REPL (pty) test and the script tests against the binary TINY,
# shows what failed (full logs in BUILD/test-logs/), and ends with one summary of all of
# it in cmocka's format. Totals also go to BUILD/test-logs/totals ("passed failed").
# TINY_FILTER (comma-separated substrings of script paths) restricts the script tests.
# Exit status 0 only when everything passed.
set -u
tiny=$1
build=$2
shift 2
logs=$build/test-logs
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs/totals"

total_pass=0
total_fail=0
failed_names=()

# run_part NAME COMMAND...: runs one cmocka program, streaming its output without the
# per-test RUN/OK lines, and adds its results to the totals.
run_part() {
    local name=$1
    shift
    local log=$logs/${name//\//_}.log
    echo "[----------] $name"
    timeout -k 10 2400 "$@" 2>&1 | tee "$log" |
        grep -v -E '^\[ RUN      \]|^\[       OK \]|^\[==========\] Running'
    local rc=${PIPESTATUS[0]}
    local pass fails
    pass=$(grep -c -E '^\[       OK \]' "$log")
    mapfile -t fails < <(sed -n -E 's/^\[  FAILED  \] (.*)$/\1/p' "$log" |
        grep -v -E '^([a-zA-Z_]+: )?[0-9]+ test\(s\)' | awk '!seen[$0]++')
    if [ "$rc" -ne 0 ] && [ "${#fails[@]}" -eq 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            fails=("$name (timed out)")
        else
            fails=("$name (exited with status $rc)")
        fi
    fi
    if ! grep -q -E '^\[==========\] .*[0-9]+ test\(s\) run\.' "$log" && [ "$rc" -eq 0 ]; then
        fails+=("$name (no cmocka summary)")
    fi
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + ${#fails[@]}))
    local f
    for f in "${fails[@]}"; do failed_names+=("$name: $f"); done
}

for bin in "$@"; do
    run_part "unit/$(basename "$bin")" "$bin"
done
if [ -z "${TINY_FILTER:-}" ]; then
    run_part repl_pty "$build/tests/repl_pty" "$tiny"
fi
run_part scripts "$build/tests/run_scripts" --tiny "$tiny"

echo "$total_pass $total_fail" > "$logs/totals"
echo "[==========] all ($tiny): $((total_pass + total_fail)) test(s) run."
echo "[  PASSED  ] $total_pass test(s)."
if [ "$total_fail" -gt 0 ]; then
    echo "[  FAILED  ] $total_fail test(s), listed below:"
    for f in "${failed_names[@]}"; do echo "[  FAILED  ] $f"; done
    echo
    echo " $total_fail FAILED TEST(S)"
    exit 1
fi
exit 0
