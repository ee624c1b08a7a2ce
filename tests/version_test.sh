#!/usr/bin/env bash
# version_test.sh VERSION SOURCE_DIR CLI: the version is defined once, in
# project(regensim VERSION ...) (passed as VERSION by ctest); the citation
# metadata, the changelog and the program must all say the same.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: version_test.sh VERSION SOURCE_DIR CLI" >&2; exit 2; }
version=$1 src=$2 cli=$3
status=0
check() { # what found
    if [ "$2" = "$version" ]; then
        echo "ok: $1 says $version"
    else
        echo "FAIL: $1 says '$2', CMakeLists.txt project() says '$version'" >&2
        status=1
    fi
}

# CITATION.cff: the top-level `version:` key (possibly quoted).
cff=$(sed -n 's/^version:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\)["'\'']\{0,1\}[[:space:]]*$/\1/p' \
      "$src/CITATION.cff" | head -n 1)
check "CITATION.cff version" "$cff"

# CHANGELOG.md: the first (newest) released section, "## [X.Y.Z] - date".
cl=$(sed -n 's/^##[[:space:]]*\[\([0-9][^]]*\)\].*/\1/p' "$src/CHANGELOG.md" | head -n 1)
check "CHANGELOG.md newest release" "$cl"

# The built CLI (and through it rs_version()).
# Its first line is "regensim X.Y.Z", possibly followed by more after a space.
out=$("$cli" --version) || { echo "FAIL: $cli --version exited with $?" >&2; exit 1; }
first=${out%%$'\n'*}
case $first in
    "regensim "*) word=${first#regensim }; check "regensim --version" "${word%% *}" ;;
    *) echo "FAIL: regensim --version printed '$first', expected 'regensim $version'" >&2
       status=1 ;;
esac

exit $status
