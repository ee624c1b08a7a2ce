#!/usr/bin/env bash
# xvfb_test.sh ARGS...: runs ARGS under xvfb-run (through with_tool.sh, so
# a missing xvfb-run skips, or fails in CI). xvfb-run -a picks the first
# free display from its start number, but two test suites starting at the
# same moment (parallel sessions on one machine) can pick the same one and
# one then dies with "bad X server connection": each attempt starts from a
# random display number, and a failure to reach the X server is retried.
here=$(cd "$(dirname "$0")" && pwd)
for attempt in 1 2 3; do
    log=$(mktemp)
    bash "$here/with_tool.sh" xvfb-run -a -n $((100 + RANDOM % 800)) \
        -s "-screen 0 1024x768x24" "$@" 2> >(tee "$log" >&2)
    rc=$?
    wait
    if [ "$rc" -ne 0 ] && grep -q "bad X server connection\|Xvfb failed to start" "$log"; then
        echo "xvfb_test: attempt $attempt could not reach its X server; retrying" >&2
        rm -f "$log"
        continue
    fi
    rm -f "$log"
    exit "$rc"
done
exit "$rc"
