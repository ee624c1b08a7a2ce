#!/usr/bin/env bash
# run.sh: the one-command start (README). Installs what is missing, builds
# regensim (Release, in build/release), runs the default example and says
# where its output is. Extra arguments go to the example.
#
# Until the model loader and HDF5 output land, the default example is the
# built-in diffusion demo (`regensim demo`): cytokine released by a
# microglial cluster; its figures are printed and saved to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$jobs" --target regensim_cli >/dev/null

mkdir -p out/demo
./build/release/regensim demo "$@" | tee out/demo/demo.txt
echo
echo "run.sh: the figures above are saved in out/demo/demo.txt"
echo "run.sh: the program is build/release/regensim (try: build/release/regensim --help)"
