#!/usr/bin/env bash
# install-deps.sh: install every Debian package regensim's build, tests
# (ParaView included: under CI a missing tool fails its test), benchmarks
# and analysis scripts need. Idempotent: installs only what is
# missing, and does nothing (not even apt-get update) when all is present.
# Run as root (or with sudo available) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libhdf5-dev hdf5-tools libfftw3-dev libcmocka-dev libyaml-dev
  libopenmpi-dev openmpi-bin
  python3-numpy python3-h5py python3-matplotlib python3-netcdf4 python3-xarray python3-h5netcdf
  # pandas: the cells_output test runs docs/output.md's DataFrame snippets (also
  # a dependency of python3-xarray; named because regensim uses it directly)
  python3-pandas
  # tests/scenarios/variants_test.py reads the model files to compare variants with their base
  python3-yaml
  clang libclang-rt-14-dev libomp-14-dev afl++
  valgrind linux-perf hyperfine
  # io_paraview (ParaView's XDMF reader; pvpython is in python3-paraview,
  # only a Recommends of paraview); xvfb and xauth for rendering (xvfb-run)
  paraview python3-paraview xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present" >&2
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
