#!/usr/bin/env bash
# install_test.sh: installs a finished build into a scratch prefix and uses
# the installed copy the ways a user would:
#   1. cmake --install <build> --prefix <tmp>/prefix; checks the layout
#   2. examples/ with CMake: find_package(regensim) via CMAKE_PREFIX_PATH
#   3. examples/ with make: pkg-config via PKG_CONFIG_PATH
#   4. <prefix>/bin/regensim --version, and pkg-config --modversion
# Run by ctest (test install_and_use, tests/install.cmake), which passes the
# paths. The scratch directory is removed on success and kept on failure.
set -euo pipefail

usage() {
    echo "usage: install_test.sh --build-dir=D --source-dir=D --version=V --cc=CC" \
         "--work-dir=D [--cmake=CMAKE] [--generator=G] [--config=C]" \
         "[--libdir=L] [--bindir=B]" >&2
    exit 2
}
# --key=value, so that an empty value (e.g. no build type) stays in place.
build='' src='' version='' cc='' work='' cmake=cmake generator='' config='' libdir=lib bindir=bin
for arg in "$@"; do
    case $arg in
        --build-dir=*) build=${arg#*=} ;;
        --source-dir=*) src=${arg#*=} ;;
        --version=*) version=${arg#*=} ;;
        --cc=*) cc=${arg#*=} ;;
        --work-dir=*) work=${arg#*=} ;;
        --cmake=*) cmake=${arg#*=} ;;
        --generator=*) generator=${arg#*=} ;;
        --config=*) config=${arg#*=} ;;
        --libdir=*) libdir=${arg#*=} ;;
        --bindir=*) bindir=${arg#*=} ;;
        *) usage ;;
    esac
done
if [ -z "$build" ] || [ -z "$src" ] || [ -z "$version" ] || [ -z "$cc" ] || [ -z "$work" ]; then
    usage
fi

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
step() { echo "== $* ==" >&2; }

rm -rf "$work"
mkdir -p "$work"
cleanup() {
    local rc=$?
    if [ "$rc" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "install_test: left $work for inspection" >&2
    fi
}
trap cleanup EXIT

prefix=$work/prefix
# Use only what this test sets up: no user or system regensim, no
# LD_LIBRARY_PATH pointing into the build tree.
unset LD_LIBRARY_PATH CMAKE_PREFIX_PATH PKG_CONFIG_PATH regensim_DIR || true

step "install into $prefix"
install_args=(--install "$build" --prefix "$prefix")
[ -n "$config" ] && install_args+=(--config "$config")
"$cmake" "${install_args[@]}"

case $libdir in /*) fail "absolute CMAKE_INSTALL_LIBDIR ($libdir) is not supported by this test" ;; esac
lib=$prefix/$libdir
major=${version%%.*}
for f in "$bindir/regensim" \
         include/regensim/regensim.h include/regensim/version.h \
         include/regensim/export.h include/regensim/diffusion.h \
         "$libdir/pkgconfig/regensim.pc" \
         "$libdir/cmake/regensim/regensimConfig.cmake" \
         "$libdir/cmake/regensim/regensimConfigVersion.cmake" \
         "$libdir/cmake/regensim/regensimTargets.cmake"; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
if [ -e "$lib/libregensim.so" ]; then  # shared (the default); else static
    [ -e "$lib/libregensim.so.$major" ] || fail "no libregensim.so.$major (SOVERSION)"
    [ -e "$lib/libregensim.so.$version" ] || fail "no libregensim.so.$version"
elif [ ! -e "$lib/libregensim.a" ]; then
    fail "no libregensim.so or libregensim.a in $lib"
fi
[ ! -e "$prefix/include/regensim/version.h.in" ] || fail "version.h.in installed"
grep -q "RS_VERSION_STRING \"$version\"" "$prefix/include/regensim/version.h" ||
    fail "installed version.h does not say $version"
# (The scratch prefix itself lies under the build directory: ignore it.)
pkgfiles=$(cat "$prefix/$libdir/pkgconfig/regensim.pc" "$prefix/$libdir/cmake/regensim/"*.cmake)
case ${pkgfiles//"$prefix"/} in
    *"$build"*) fail "installed package files mention the build directory $build" ;;
esac

# The package version file: find_package(regensim X.Y) accepts only the same
# major version, and no newer minor than this one.
for req in "$version:TRUE" "${version%.*}:TRUE" "$((major + 1)).0:FALSE" \
           "$major.$(( $(echo "$version" | cut -d. -f2) + 1 )):FALSE"; do
    cat > "$work/version-check.cmake" <<EOF2
# What find_package(regensim \${PACKAGE_FIND_VERSION}) sets before asking.
string(REPLACE "." ";" _v "\${PACKAGE_FIND_VERSION}.0.0")
list(GET _v 0 PACKAGE_FIND_VERSION_MAJOR)
list(GET _v 1 PACKAGE_FIND_VERSION_MINOR)
list(GET _v 2 PACKAGE_FIND_VERSION_PATCH)
include("$prefix/$libdir/cmake/regensim/regensimConfigVersion.cmake")
message("\${PACKAGE_VERSION_COMPATIBLE}")
EOF2
    compat=$("$cmake" -DPACKAGE_FIND_VERSION="${req%%:*}" -P "$work/version-check.cmake" 2>&1)
    [ "$compat" = "${req##*:}" ] ||
        fail "find_package(regensim ${req%%:*}) compatible = '$compat', expected ${req##*:}"
done

step "installed CLI"
out=$("$prefix/$bindir/regensim" --version) || fail "regensim --version failed"
echo "$out"
first=${out%%$'\n'*}
case $first in
    "regensim $version" | "regensim $version "*) ;;
    *) fail "regensim --version printed '$first', expected 'regensim $version'" ;;
esac
if [ -e "$lib/libregensim.so" ] && ! command -v ldd >/dev/null 2>&1; then
    # A check skipped for a missing tool must not read as a pass in CI.
    case ${CI:-} in ''|false|0) echo "install_test: ldd not found: library check skipped" >&2 ;;
                    *) fail "ldd not found and CI is set" ;; esac
elif [ -e "$lib/libregensim.so" ]; then
    deps=$(ldd "$prefix/$bindir/regensim")
    loaded=$(printf '%s\n' "$deps" | awk -v so="libregensim.so.$major" '$1 == so { print $3 }')
    if [ -z "$loaded" ] ||
       [ "$(realpath "$loaded")" != "$(realpath "$lib/libregensim.so.$major")" ]; then
        fail "installed CLI does not load $lib/libregensim.so.$major: $deps"
    fi
fi

# Builds of examples/ happen in copies, never in the source tree.
step "examples with CMake (find_package)"
cmake_args=(-S "$src/examples" -B "$work/cmake-build"
            -DCMAKE_PREFIX_PATH="$prefix"
            -DCMAKE_C_COMPILER="$cc"
            -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
[ -n "$generator" ] && cmake_args+=(-G "$generator")
[ -n "$config" ] && cmake_args+=(-DCMAKE_BUILD_TYPE="$config")
"$cmake" "${cmake_args[@]}" | tee "$work/cmake-configure.log"
grep -q "Found regensim $version in $prefix/" "$work/cmake-configure.log" ||
    fail "find_package(regensim) did not find version $version under $prefix"
build_args=(--build "$work/cmake-build")
[ -n "$config" ] && build_args+=(--config "$config")
"$cmake" "${build_args[@]}"
exe=$(find "$work/cmake-build" -name diffuse -type f -perm -u+x | head -n 1)
[ -n "$exe" ] || fail "CMake build produced no diffuse program"
"$exe" || fail "diffuse (CMake build) failed"

step "examples with make (pkg-config)"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not found"
command -v make >/dev/null 2>&1 || fail "make not found"
export PKG_CONFIG_PATH=$lib/pkgconfig
pcver=$(pkg-config --modversion regensim) || fail "pkg-config cannot find regensim"
[ "$pcver" = "$version" ] || fail "pkg-config --modversion regensim = '$pcver', expected '$version'"
pkg-config --atleast-version="$version" regensim || fail "pkg-config --atleast-version"
echo "pkg-config: regensim $pcver: $(pkg-config --cflags --libs regensim)"
[ "$(pkg-config --variable=prefix regensim)" = "$prefix" ] ||
    fail "regensim.pc prefix is '$(pkg-config --variable=prefix regensim)', expected '$prefix'"
mkdir -p "$work/make-build"
cp "$src/examples/diffuse.c" "$src/examples/Makefile" "$work/make-build/"
make_args=(-C "$work/make-build" CC="$cc")
[ -e "$lib/libregensim.so" ] || make_args+=(STATIC=1)
make "${make_args[@]}"
"$work/make-build/diffuse" || fail "diffuse (make build) failed"

echo "install_test: all checks passed" >&2
