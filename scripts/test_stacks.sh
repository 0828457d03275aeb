#!/usr/bin/env bash
# `make test`: every test on the main stack (venv $1), then the given suites on the Runtime 1.3
# stack (venv $2), each on two workers; prints how long each part and the whole took.
set -uo pipefail
main="$1" rt13="$2"
shift 2
start=$SECONDS
"$main/bin/pytest" -n 2 --dist loadfile --durations=15
main_rc=$?
main_s=$((SECONDS - start))
"$rt13/bin/pytest" -n 2 --dist loadfile --durations=5 "$@"
rt13_rc=$?
total=$((SECONDS - start))
echo "make test: main stack $(( main_s / 60 ))m$(( main_s % 60 ))s (exit $main_rc)," \
     "Runtime 1.3 stack $(( (total - main_s) / 60 ))m$(( (total - main_s) % 60 ))s (exit $rt13_rc)," \
     "total $(( total / 60 ))m$(( total % 60 ))s"
[ "$main_rc" -eq 0 ] && [ "$rt13_rc" -eq 0 ]
