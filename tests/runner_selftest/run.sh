#!/usr/bin/env bash
# run.sh RUNNER — checks the script runner against /bin/sh standing in for tiny:
# every pass_*.tiny here must pass and every fail_*.tiny must fail, and nothing under
# helpers/ (modules for tests to import) may run at all.
set -u
runner=$1
dir=$(dirname "$0")
out=$(TINY_JOBS=4 "$runner" --tiny /bin/sh --dir "$dir" --timeout 2 2>&1)
bad=0
for f in "$dir"/*.tiny; do
    case $(basename "$f") in
        pass_*) want=OK ;;
        fail_*) want=FAILED ;;
        *) continue ;;
    esac
    if ! grep -q -F "[$( [ $want = OK ] && echo '       OK ' || echo '  FAILED  ')] $f" <<<"$out"; then
        echo "runner self-test: $f should be $want"
        bad=$((bad + 1))
    fi
done
if grep -q -F "$dir/helpers/" <<<"$out"; then
    echo "runner self-test: $dir/helpers/ holds modules, not tests, yet the runner ran them"
    bad=$((bad + 1))
fi
# the filters of the arguments and of TINY_FILTER (make test TESTS=...) select alike:
# commas or spaces between substrings of the path
ran() { grep -c -E '^\[ RUN      \]' <<<"$1"; }
for how in args_comma args_space env_comma env_space; do
    case $how in
        args_comma) sel=$("$runner" --tiny /bin/sh --dir "$dir" --timeout 2 pass_stdout,pass_empty 2>&1) ;;
        args_space) sel=$("$runner" --tiny /bin/sh --dir "$dir" --timeout 2 pass_stdout pass_empty 2>&1) ;;
        env_comma) sel=$(TINY_FILTER=pass_stdout,pass_empty "$runner" --tiny /bin/sh --dir "$dir" --timeout 2 2>&1) ;;
        env_space) sel=$(TINY_FILTER="pass_stdout pass_empty" "$runner" --tiny /bin/sh --dir "$dir" --timeout 2 2>&1) ;;
    esac
    if [ "$(ran "$sel")" != 2 ]; then
        echo "runner self-test: filters given as $how should select 2 scripts:"
        echo "$sel"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -ne 0 ]; then
    echo "$out"
    echo "runner self-test: $bad wrong"
    exit 1
fi
echo "runner self-test: all $(ls "$dir"/*.tiny | wc -l) cases behave"
