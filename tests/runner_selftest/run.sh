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
if [ "$bad" -ne 0 ]; then
    echo "$out"
    echo "runner self-test: $bad wrong"
    exit 1
fi
echo "runner self-test: all $(ls "$dir"/*.tiny | wc -l) cases behave"
