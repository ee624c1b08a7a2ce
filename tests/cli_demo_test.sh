#!/usr/bin/env bash
# cli_demo_test.sh REGENSIM: the program's global options and the demo
# command: exit codes (0 ok, 2 usage), messages, and a small run's figures.
set -u
bin=$1
fail=0
expect() { # expect CODE DESCRIPTION -- ARGS...
  local want=$1 what=$2; shift 3
  "$bin" "$@" >/tmp/rs_cli_out.$$ 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat /tmp/rs_cli_out.$$; fail=1
  fi
}
contains() { grep -q -- "$1" /tmp/rs_cli_out.$$ || { echo "FAIL: output lacks '$1'"; cat /tmp/rs_cli_out.$$; fail=1; }; }

expect 0 "version" -- --version;                      contains "regensim [0-9]"
expect 0 "help" -- --help;                            contains "commands:"
expect 2 "no command" --
expect 2 "unknown command" -- frobnicate;             contains "unknown command 'frobnicate'"
expect 0 "demo help" -- demo --help;                  contains "usage: regensim demo"
expect 2 "demo unknown option" -- demo --bogus 1;     contains "unknown option '--bogus'"
expect 2 "demo missing value" -- demo --size;         contains "needs a value"
expect 2 "demo bad size" -- demo --size 3;            contains "--size 3"
expect 2 "demo negative dt" -- demo --dt -1;          contains "--dt -1"
expect 2 "demo unknown solver" -- demo --solver multigrid; contains "unknown solver 'multigrid'"
expect 2 "demo too many steps" -- demo --size 8 --dims 2 --minutes 1e6 --dt 1e-4
contains "expected at most 1e9"
expect 2 "demo unstable explicit dt" -- demo --solver explicit --dt 10 --size 16
contains "stability limit"
expect 0 "demo small run" -- demo --size 48 --minutes 10
contains "reach of the cytokine"
expect 0 "demo 2D spectral" -- demo --size 32 --dims 2 --solver spectral --minutes 5
expect 0 "help for a command" -- help run;          contains "usage: regensim run"
expect 2 "help for no such command" -- help frobnicate; contains "unknown command 'frobnicate'"
expect 2 "two output directories" -- run model.yaml -o /tmp/a -o /tmp/b
contains "-o given twice"
# Output that cannot be written is a failure, not a silent success.
if [ -w /dev/full ]; then
    "$bin" --version > /dev/full 2> /tmp/rs_cli_out.$$
    rc=$?
    if [ $rc -ne 1 ] || ! grep -q "cannot write the output to stdout" /tmp/rs_cli_out.$$; then
        echo "FAIL: --version > /dev/full: exit $rc: $(cat /tmp/rs_cli_out.$$)"
        fail=1
    fi
fi
rm -f /tmp/rs_cli_out.$$
[ $fail -eq 0 ] && echo "cli_demo_test: ok"
exit $fail
