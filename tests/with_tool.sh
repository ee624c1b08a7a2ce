#!/usr/bin/env bash
# with_tool.sh TOOL ARGS...: runs TOOL ARGS (TOOL looked up on PATH when the
# test runs, so installing it later needs no reconfigure). When TOOL is not
# there the test must not read as passed: with CI set (and not "false" or
# "0") it fails; otherwise it exits 77, which ctest reports as Skipped
# (SKIP_RETURN_CODE 77 on the test).
[ $# -ge 1 ] || { echo "usage: with_tool.sh TOOL ARGS..." >&2; exit 2; }
tool=$1
shift
if path=$(command -v "$tool" 2>/dev/null); then
    exec "$path" "$@"
fi
case ${CI:-} in
    ''|false|0)
        echo "with_tool: $tool not found (scripts/install-deps.sh installs it): SKIPPED" >&2
        exit 77 ;;
    *)
        echo "with_tool: FAIL: $tool not found and CI is set: scripts/install-deps.sh must install it" >&2
        exit 1 ;;
esac
