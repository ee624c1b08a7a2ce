#!/usr/bin/env bash
# layers_test.sh: the folders of src/ are layers, and no #include points
# upward. The build already enforces this (cmake/layers.cmake gives each
# layer only the headers below it); this test states the same rule over the
# include lines so that it is visible, and names the offending line.
#
#   core < field < expr < model < cells < sim < run < sweep < cli
#   io: beside them, on core and field's grid.h only
#
# A file of layer L may include
#   - "regensim/X.h" when X.h belongs to L or to a layer below L,
#   - "L/..." (its own folder's private headers), never another folder's.
# The public headers (include/regensim) follow the same rule.
#
# usage: layers_test.sh SOURCE_DIR BUILD_DIR
#        layers_test.sh --self-test SOURCE_DIR BUILD_DIR
# Which layer owns which public header is read from BUILD_DIR/layers/
# (written by cmake/layers.cmake), so a new header without a layer fails
# here.
set -u

order=(core field expr model cells sim run sweep cli)
rank() {
    local i
    for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done
    echo -1
}

# check SRC LAYERS_DIR: prints every violation; exit 1 if any.
check() {
    local src=$1 layers=$2 bad=0 owners
    owners=$(mktemp)
    for d in "$layers"/*/public/regensim; do
        [ -d "$d" ] || continue
        local layer
        layer=$(basename "$(dirname "$(dirname "$d")")")
        for h in "$d"/*.h; do [ -e "$h" ] && echo "$(basename "$h") $layer"; done
    done > "$owners"
    if [ ! -s "$owners" ]; then
        echo "layers: no layer tables under $layers (configure the build first)"
        rm -f "$owners"
        return 1
    fi
    owner_of() { awk -v h="$1" '$1 == h {print $2}' "$owners"; }

    # may LAYER include public header H?
    allowed() {
        local layer=$1 h=$2 o
        # the umbrella header includes every layer: the top only
        [ "$h" = regensim.h ] && { [ "$layer" = cli ] && echo ok || echo up; return; }
        o=$(owner_of "$h")
        [ -n "$o" ] || { echo "no-owner"; return; }
        if [ "$layer" = io ]; then
            { [ "$o" = core ] || [ "$o" = io ] || [ "$h" = grid.h ]; } && echo ok || echo up
            return
        fi
        if [ "$o" = io ]; then
            [ "$(rank "$layer")" -ge "$(rank sim)" ] && echo ok || echo up
            return
        fi
        [ "$(rank "$o")" -le "$(rank "$layer")" ] && echo ok || echo up
    }

    scan() { # scan FILE LAYER
        local f=$1 layer=$2 n=0 line inc verdict
        while IFS= read -r line; do
            n=$((n + 1))
            [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
            inc=${BASH_REMATCH[1]}
            case $inc in
            regensim/*)
                verdict=$(allowed "$layer" "${inc#regensim/}")
                case $verdict in
                ok) ;;
                no-owner) echo "$f:$n: $inc belongs to no layer (add it to a rs_layer's HEADERS)"; bad=1 ;;
                *) echo "$f:$n: layer $layer includes $inc of layer $(owner_of "${inc#regensim/}"), which is not below it"; bad=1 ;;
                esac ;;
            */*)
                if [ "${inc%%/*}" != "$layer" ]; then
                    echo "$f:$n: layer $layer includes $inc, a private header of ${inc%%/*}"
                    bad=1
                fi ;;
            *) ;; # a file of its own folder, included by bare name
            esac
        done < "$f"
    }

    for dir in "$src"/src/*/; do
        local layer
        layer=$(basename "$dir")
        if [ "$layer" != io ] && [ "$(rank "$layer")" -lt 0 ]; then
            echo "$dir: folder '$layer' is not a known layer (${order[*]}, io)"
            bad=1
            continue
        fi
        for f in "$dir"*.c "$dir"*.h; do [ -e "$f" ] && scan "$f" "$layer"; done
    done
    for f in "$src"/include/regensim/*.h "$src"/include/regensim/*.h.in; do
        [ -e "$f" ] || continue
        local h=${f##*/} o
        h=${h%.in}
        [ "$h" = regensim.h ] && continue # the umbrella includes everything
        o=$(owner_of "$h")
        if [ -z "$o" ]; then
            echo "$f: public header belongs to no layer"
            bad=1
            continue
        fi
        scan "$f" "$o"
    done
    rm -f "$owners"
    return $bad
}

if [ "${1:-}" = --self-test ]; then
    # A tree with one back-edge (field including sim.h) and one reach into
    # another layer's private header must fail, and its clean twin pass.
    src=$2 build=$3
    t=$(mktemp -d)
    trap 'rm -rf "$t"' EXIT
    mkdir -p "$t/src/src/field" "$t/src/src/sim" "$t/src/include/regensim" \
             "$t/layers/field/public/regensim" "$t/layers/sim/public/regensim" \
             "$t/layers/core/public/regensim"
    : > "$t/layers/core/public/regensim/error.h"
    : > "$t/layers/field/public/regensim/grid.h"
    : > "$t/layers/sim/public/regensim/sim.h"
    printf '#include "regensim/error.h"\n#include "regensim/grid.h"\n' > "$t/src/src/field/a.c"
    printf '#include "regensim/grid.h"\n#include "sim/sim_impl.h"\n' > "$t/src/src/sim/b.c"
    check "$t/src" "$t/layers" >/dev/null || { echo "self-test: a clean tree failed"; exit 1; }
    printf '#include "regensim/sim.h"\n' >> "$t/src/src/field/a.c"
    out=$(check "$t/src" "$t/layers") && { echo "self-test: a back-edge passed"; exit 1; }
    grep -q "a.c:3: layer field includes regensim/sim.h of layer sim" <<<"$out" ||
        { echo "self-test: wrong message: $out"; exit 1; }
    sed -i '3d' "$t/src/src/field/a.c"
    printf '#include "field/diffusion_impl.h"\n' >> "$t/src/src/sim/b.c"
    out=$(check "$t/src" "$t/layers") && { echo "self-test: a private reach passed"; exit 1; }
    grep -q "b.c:3: layer sim includes field/diffusion_impl.h, a private header of field" <<<"$out" ||
        { echo "self-test: wrong message: $out"; exit 1; }
    echo "layers self-test: ok"
    shift
fi

src=${1:?usage: layers_test.sh [--self-test] SOURCE_DIR BUILD_DIR}
build=${2:?usage: layers_test.sh [--self-test] SOURCE_DIR BUILD_DIR}
if check "$src" "$build/layers"; then
    echo "layers: every include points down (${order[*]}; io on core and grid.h)"
else
    echo "layers: FAILED (see the lines above; docs/architecture.md, 'Layers')"
    exit 1
fi
