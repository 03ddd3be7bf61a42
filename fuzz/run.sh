#!/bin/sh
# make fuzz: build each libFuzzer target with ASan+UBSan and run it for N
# seconds over a seed corpus made from the recorded fixtures. Findings are
# left as crash-* files; turn each into a regression case under
# tests/fuzz-regress/<target>/ (tests/test-regress.c runs them all).
set -e
secs=$1; shift
cd "$(dirname "$0")/.."
CC=${FUZZ_CC:-clang}
FLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/core -Isrc/parse"
SRC="$(ls src/core/*.c src/parse/*.c)"
mkdir -p build/fuzz
status=0
for t in "$@"; do
    corpus=build/fuzz/corpus-$t
    mkdir -p "$corpus"
    case $t in
        app)     seeds="app_details_*.gz datasafety_notfound*.gz";;
        list)    seeds="list_*.gz";;
        search)  seeds="search_*.gz";;
        reviews) seeds="reviews_*.gz app_details_com.google*.gz";;
        json)    seeds="permissions_*.gz suggest_*.gz app_details_batch_*.gz";;
        decode)  seeds="";;
    esac
    for s in $seeds; do
        for f in tests/fixtures/$s; do [ -f "$f" ] && zcat "$f" > "$corpus/$(basename "$f" .gz)"; done
    done
    extra=""
    if [ "$t" = decode ]; then
        # Seeds are bodies behind the byte that picks the coding
        # (fuzz-decode.c): 0 gzip, 1 deflate, 2 br, 3 zstd.
        for f in tests/fixtures/suggest_*.gz tests/fixtures/permissions_*.gz \
                 tests/fixtures/app_details_com.adex77*.gz; do
            b=$corpus/$(basename "$f" .gz)
            { printf '\000'; cat "$f"; } > "$b.gzip"
            { printf '\001'; zcat "$f" | /usr/bin/python3 -c 'import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))'; } > "$b.deflate"
            { printf '\002'; zcat "$f" | /usr/bin/python3 -c 'import sys,brotli; sys.stdout.buffer.write(brotli.compress(sys.stdin.buffer.read()))'; } > "$b.br"
            { printf '\003'; zcat "$f" | zstd -q -c; } > "$b.zstd"
        done
        extra="-Isrc/net src/net/decode.c -ldeflate -lbrotlidec -lzstd -lz"
    fi
    [ -d tests/fuzz-regress/$t ] && cp tests/fuzz-regress/$t/* "$corpus/" 2>/dev/null || true
    $CC $FLAGS fuzz/fuzz-$t.c $SRC $extra -o build/fuzz/fuzz-$t -lm
    echo "== fuzz-$t for ${secs}s"
    if ! build/fuzz/fuzz-$t -max_total_time="$secs" -max_len=2000000 \
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/$t- \
            "$corpus" 2>build/fuzz/$t.log; then
        echo "fuzz-$t FOUND A PROBLEM: see build/fuzz/$t.log and build/fuzz/$t-*"
        status=1
    fi
    grep -E "stat::number_of_executed_units|Done" build/fuzz/$t.log | tail -2 || true
done
exit $status
