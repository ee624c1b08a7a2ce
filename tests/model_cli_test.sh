#!/usr/bin/env bash
# model_cli_test.sh CLI SOURCE_DIR: `regensim validate` and `regensim info`
# exit 0 with a summary on good models, 2 with every error on bad ones (each
# file of the catalogue tests/models/bad, whose EXPECTED must list exactly
# the directory's .yaml files), and the resolved model they print validates
# again.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: model_cli_test.sh CLI SOURCE_DIR" >&2; exit 2; }
cli=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }
expect() { # code command...: runs the command, output in $tmp/out and $tmp/err
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $(cat "$tmp/err")"
}

for m in "$src"/models/tutorial/*.yaml; do
    expect 0 "$cli" validate "$m"
    grep -q ": ok: model" "$tmp/out" || fail "validate $m printed: $(cat "$tmp/out")"
    expect 0 "$cli" info "$m"
    grep -q "^explicit dt max" "$tmp/out" || fail "info $m printed no stability limit"
    grep -q "^memory estimate" "$tmp/out" || fail "info $m printed no memory estimate"
    # every tutorial has cells: their mechanics limit, as the loader checks it
    grep -q "^mechanics dt max [0-9.e+-]* min (scheduled: " "$tmp/out" ||
        fail "info $m printed no mechanics limit: $(cat "$tmp/out")"
    expect 0 "$cli" info "$m" --resolved
    cp "$tmp/out" "$tmp/resolved.yaml"
    expect 0 "$cli" validate "$tmp/resolved.yaml"
    expect 0 "$cli" info "$tmp/resolved.yaml" --resolved
    tail -n +2 "$tmp/resolved.yaml" > "$tmp/a"
    tail -n +2 "$tmp/out" > "$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || fail "resolved model of $m does not round-trip"
done

m=$src/models/tutorial/demyelination.yaml
expect 0 "$cli" validate "$m" --set k_damage=0.004 --set substrates.cytokine.diffusion=2000
expect 2 "$cli" validate "$m" --set k_damag=0.004
grep -q "^regensim: --set: k_damag: unknown parameter (did you mean 'k_damage'?)" "$tmp/err" ||
    fail "unknown --set parameter: $(cat "$tmp/err")"
expect 0 "$cli" info "$m" --resolved --set k_damage=0.004
grep -q "^  k_damage: 0.004$" "$tmp/out" || fail "--set not in the resolved model"

cd "$src/tests/models/bad" || exit 1
# Every file of the catalogue: exit 2, the expected first error on stderr;
# and EXPECTED lists exactly the .yaml files here.
listed=0
while IFS=$'\t' read -r file want; do
    case $file in ''|\#*) continue ;; esac
    listed=$((listed + 1))
    [ -f "$file" ] || { fail "EXPECTED lists $file, which does not exist"; continue; }
    expect 2 "$cli" validate "$file"
    got=$(head -n 1 "$tmp/err")
    # {MEMORY_GB} stands for this machine's memory (the figure after "has")
    case $want in *'{MEMORY_GB}'*)
        got=$(printf '%s' "$got" | sed -E 's/has [0-9.e+]+ GB/has {MEMORY_GB} GB/') ;;
    esac
    [ "$got" = "regensim: $want" ] ||
        fail "validate $file: first error '$(head -n 1 "$tmp/err")', expected 'regensim: $want'"
done < EXPECTED
files=$(ls -1 -- *.yaml | wc -l)
[ "$listed" -eq "$files" ] || fail "EXPECTED lists $listed files, the directory holds $files"
for file in *.yaml; do
    grep -q "^$file	" EXPECTED || fail "$file is not in EXPECTED"
done
[ "$files" -ge 40 ] || fail "only $files bad models: the catalogue is missing"
echo "model_cli_test: $listed bad models checked"
expect 2 "$cli" validate negative_diffusion.yaml
grep -qx "regensim: negative_diffusion.yaml:6:25: substrates.cytokine.diffusion: -3 is negative; expected a diffusion coefficient >= 0 (um^2/min)" "$tmp/err" ||
    fail "validate of a bad model printed: $(cat "$tmp/err")"
expect 2 "$cli" info negative_diffusion.yaml
expect 2 "$cli" validate /nonexistent.yaml
expect 2 "$cli" validate
expect 2 "$cli" validate a.yaml b.yaml
expect 2 "$cli" validate --frobnicate x.yaml
expect 0 "$cli" validate --help
grep -q "usage: regensim validate" "$tmp/out" || fail "validate --help"
expect 0 "$cli" info --help
grep -q "usage: regensim info" "$tmp/out" || fail "info --help"

[ $status -eq 0 ] && echo "model_cli_test: ok"
exit $status
