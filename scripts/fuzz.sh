#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer harnesses (tests/fuzz, clang + ASan + UBSan)
# in build/fuzz and runs each for SECONDS seconds from its checked-in corpus
# (tests/fuzz/corpus/TARGET/). Prints per target the executions, exec/s,
# corpus size and crashes; exits 1 if any crash, leak, timeout or
# out-of-memory input was found (saved under build/fuzz/artifacts/TARGET/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() {
    cat <<'EOF'
usage: scripts/fuzz.sh [options] SECONDS [TARGET...]

Builds the fuzz harnesses in build/fuzz with clang (-fsanitize=fuzzer,
address,undefined) and runs each TARGET (default: every harness that is
built: expr, model) for SECONDS seconds with libFuzzer.

Targets:
  expr    the expression compiler and evaluator (tests/fuzz/fuzz_expr.c)
  model   the YAML model loader (tests/fuzz/fuzz_model.c); built once
          src/model/ and include/regensim/model.h exist

Each run starts from tests/fuzz/corpus/TARGET/ (the model target is also
seeded from models/**/*.yaml and tests/models/bad/*.yaml) in a temporary
copy, so the tree is left as it was.

Options:
  --update-corpus  merge new inputs that add coverage into the checked-in
                   corpus tests/fuzz/corpus/TARGET/ (libFuzzer -merge=1)
  --keep-going     do not stop at the first crash (libFuzzer -fork=1
                   -ignore_crashes=1 ...): collect every crashing input
  --no-build       use the harnesses already in build/fuzz
  -h, --help       this text

Environment:
  ASAN_OPTIONS, UBSAN_OPTIONS  passed on (default: detect_leaks=1;
                   print_stacktrace=1:halt_on_error=1). To fuzz past a known,
                   reported UBSan finding, e.g.
                   UBSAN_OPTIONS=halt_on_error=1:suppressions=known.supp
                   with lines like "float-cast-overflow:model.c".
  FUZZ_CC          the compiler (default clang)

Output: per target, executions, exec/s, corpus size, and the crashes with
their reproducer paths; the full libFuzzer log is build/fuzz/logs/TARGET.log.
Reproduce a crash with: build/fuzz/fuzz_TARGET build/fuzz/artifacts/TARGET/crash-...
Exit status: 0 clean, 1 a crash/leak/timeout/oom was found, 2 bad usage or
build failure.
EOF
}

update=0
keep_going=0
build=1
seconds=
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --update-corpus) update=1 ;;
        --keep-going) keep_going=1 ;;
        --no-build) build=0 ;;
        -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *)
            if [ -z "$seconds" ]; then seconds=$1; else targets+=("$1"); fi ;;
    esac
    shift
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "fuzz.sh: expected SECONDS, a whole number >= 1 (see --help)" >&2
    exit 2
fi

bdir=$root/build/fuzz
jobs=$(nproc 2>/dev/null || echo 2)

for t in "${targets[@]}"; do
    case "$t" in expr|model) ;; *) echo "fuzz.sh: unknown target '$t' (expr, model)" >&2; exit 2 ;; esac
done

# ---- build ---------------------------------------------------------------
# A harness is configured when its library sources and header exist, and
# built on its own, so one still being written cannot stop the others.
# Requested by name, a harness that cannot be built is an error; by
# default it is skipped with a note.
requested=${#targets[@]}
if [ "$build" = 1 ]; then
    cc=${FUZZ_CC:-clang}
    rt=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -n1 || true)
    if ! command -v "$cc" >/dev/null 2>&1 || [ -z "$rt" ]; then
        if [ "$(id -u)" = 0 ] && [ -x scripts/install-deps.sh ]; then
            echo "fuzz.sh: clang or its libFuzzer runtime is missing; running scripts/install-deps.sh" >&2
            bash scripts/install-deps.sh >&2
        else
            echo "fuzz.sh: needs clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev)" >&2
            exit 2
        fi
    fi
    echo "== build (clang, libFuzzer + ASan + UBSan) in build/fuzz ==" >&2
    mkdir -p "$bdir"
    if ! CC=$cc cmake -S tests/fuzz -B "$bdir" -DCMAKE_C_COMPILER="$cc" >"$bdir/configure.log" 2>&1; then
        cat "$bdir/configure.log" >&2
        echo "fuzz.sh: configuring tests/fuzz failed" >&2
        exit 2
    fi
    grep 'fuzz: skipping' "$bdir/configure.log" | sed 's/^-- /fuzz.sh: /' >&2 || true
fi
configured=()
if [ -f "$bdir/targets.txt" ]; then
    while IFS= read -r t; do [ -n "$t" ] && configured+=("$t"); done <"$bdir/targets.txt"
fi
[ "$requested" -eq 0 ] && targets=("${configured[@]}")
built=()
for t in "${targets[@]}"; do
    if ! [[ " ${configured[*]-} " == *" $t "* ]]; then
        echo "fuzz.sh: target '$t' is not configured (its library sources or header are missing)" >&2
        exit 2
    fi
    if [ "$build" = 1 ] && ! cmake --build "$bdir" --target "fuzz_$t" -j "$jobs" >"$bdir/build-$t.log" 2>&1; then
        grep -E 'error|Error' "$bdir/build-$t.log" | head -n 20 >&2 || true
        if [ "$requested" -gt 0 ]; then
            echo "fuzz.sh: building fuzz_$t failed (build/fuzz/build-$t.log)" >&2
            exit 2
        fi
        echo "fuzz.sh: skipping $t: building fuzz_$t failed (build/fuzz/build-$t.log)" >&2
        continue
    fi
    if [ ! -x "$bdir/fuzz_$t" ]; then
        echo "fuzz.sh: build/fuzz/fuzz_$t is missing (run without --no-build)" >&2
        exit 2
    fi
    built+=("$t")
done
if [ ${#built[@]} -eq 0 ]; then
    echo "fuzz.sh: no harness could be built" >&2
    exit 2
fi
targets=("${built[@]}")

# ---- run -----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/regensim-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$bdir/logs"

max_len_of() {
    case "$1" in
        expr) echo 4112 ;;   # RS_EXPR_MAX_LENGTH + 16: reaches the too-long refusal
        model) echo 65536 ;;
    esac
}

# Seeds besides the checked-in corpus (read only), one directory per target.
seed_dirs() {
    local t=$1 d=$work/$1/seeds
    mkdir -p "$d"
    if [ "$t" = model ]; then
        local f i=0
        while IFS= read -r -d '' f; do
            i=$((i + 1))
            cp "$f" "$d/seed-$i-$(basename "$f")"
        done < <(find models tests/models/bad -name '*.yaml' -type f -print0 2>/dev/null | sort -z)
    fi
    echo "$d"
}

status=0
summary=()
for t in "${targets[@]}"; do
    bin=$bdir/fuzz_$t
    art=$bdir/artifacts/$t
    log=$bdir/logs/$t.log
    checked_in=$root/tests/fuzz/corpus/$t
    mkdir -p "$art" "$work/$t/corpus" "$checked_in"
    cp -R "$checked_in/." "$work/$t/corpus/"
    seeds=$(seed_dirs "$t")
    nstart=$(find "$work/$t/corpus" -type f | wc -l)
    nseeds=$(find "$seeds" -type f | wc -l)
    marker=$work/$t/start
    touch "$marker"

    opts=(-max_total_time="$seconds" -max_len="$(max_len_of "$t")" -timeout=5
          -rss_limit_mb=2048 -malloc_limit_mb=2048 -close_fd_mask=2
          -print_final_stats=1 -artifact_prefix="$art/")
    [ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="$root/tests/fuzz/$t.dict")
    [ "$keep_going" = 1 ] && opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

    echo "== fuzz $t for ${seconds}s (log: build/fuzz/logs/$t.log) ==" >&2
    t0=$(date +%s.%N)
    set +e
    (cd "$work/$t" &&
     OMP_NUM_THREADS=1 \
     ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
     UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
     "$bin" "${opts[@]}" "$work/$t/corpus" "$seeds") >"$log" 2>&1
    rc=$?
    set -e
    t1=$(date +%s.%N)

    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
    if [ -z "$runs" ]; then # fork mode: the last "#N" status line
        runs=$(sed -n 's/^#\([0-9][0-9]*\)[:\t ].*/\1/p' "$log" | tail -n1)
    fi
    runs=${runs:-0}
    rate=$(awk -v n="$runs" -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; printf "%.0f", (d > 0 ? n / d : 0) }')
    ncorpus=$(find "$work/$t/corpus" -type f | wc -l)
    mapfile -t found < <(find "$art" -maxdepth 1 -type f -newer "$marker" \
                            \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
                               -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)

    line="$t: $runs executions, $rate exec/s, corpus $ncorpus inputs (started from $nstart"
    [ "$nseeds" -gt 0 ] && line+=" + $nseeds seeds"
    line+="), ${#found[@]} crashes"
    summary+=("$line")
    for f in "${found[@]}"; do summary+=("  ${f#"$root/"}"); done
    if [ ${#found[@]} -gt 0 ]; then
        status=1
    elif [ "$rc" -ne 0 ]; then
        summary+=("  libFuzzer exited with status $rc and saved no input; see build/fuzz/logs/$t.log")
        status=1
    fi

    if [ "$update" = 1 ]; then
        before=$(find "$checked_in" -type f | wc -l)
        if (cd "$work/$t" && "$bin" -merge=1 -max_len="$(max_len_of "$t")" -timeout=5 \
                -rss_limit_mb=2048 -close_fd_mask=2 "$checked_in" "$work/$t/corpus" "$seeds") \
                >"$bdir/logs/$t.merge.log" 2>&1; then
            after=$(find "$checked_in" -type f | wc -l)
            summary+=("  corpus: merged $((after - before)) new inputs into tests/fuzz/corpus/$t/ (now $after)")
        else
            summary+=("  corpus: merge failed; see build/fuzz/logs/$t.merge.log")
            status=1
        fi
    fi
done

echo "== fuzz summary (${seconds}s per target) =="
printf '%s\n' "${summary[@]}"
exit "$status"
