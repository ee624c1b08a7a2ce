#!/usr/bin/env bash
# run.sh: the one-command start (README). Installs what is missing, builds
# regensim (Release, in build/release) for the machine it runs on
# (-DREGENSIM_NATIVE=ON, i.e. -march=native: lod steps 13-48 % faster on the
# development machine; CMake's default stays portable, for packagers and
# scripts/test.sh), runs the default example and says where its output is.
# A first argument ending in .yaml names the model to run (e.g.
# scripts/run.sh models/ms/lesion.yaml); its output goes to out/<folder>/<name>/
# (out/ms/lesion/). Other arguments go to `regensim run` (e.g. --threads 2,
# --set D_tnf=2000).
#
# The default example is models/tutorial/cytokine_source.yaml (a cytokine
# spreading from a microglial cluster in a 2D slice; seconds to run), written
# to out/tutorial/ (replaced on each call). A regensim without the `run`
# command falls back to the built-in diffusion demo.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DREGENSIM_NATIVE=ON >/dev/null
cmake --build build/release -j "$jobs" --target regensim_cli >/dev/null

cli=./build/release/regensim
if "$cli" run --help >/dev/null 2>&1; then
    model=models/tutorial/cytokine_source.yaml
    out=out/tutorial
    if [[ $# -gt 0 && $1 == *.yaml ]]; then
        model=$1
        shift
        base=$(basename "$model" .yaml)
        out=out/$(basename "$(dirname "$model")")/$base
    fi
    "$cli" run "$model" -o "$out" --force "$@"
    echo
    echo "run.sh: output in $out/run.h5 and $out/run.xmf (ParaView: File > Open); plot it with"
    echo "run.sh:   /usr/bin/python3 scripts/plot.py $out/run.h5"
    echo "run.sh: the program is $cli (try: $cli --help; docs/running.md)"
else
    mkdir -p out/demo
    "$cli" demo "$@" | tee out/demo/demo.txt
    echo
    echo "run.sh: the figures above are saved in out/demo/demo.txt"
    echo "run.sh: the program is $cli (try: $cli --help)"
fi
