#!/bin/sh
# fuzz/run.sh SECONDS TARGET... -- build each libFuzzer target with
# ASan+UBSan and run it for SECONDS over a corpus seeded from the recorded
# fixtures and the kept findings (tests/fuzz-regress/<target>/).
#
# `make fuzz` runs it for FUZZ_SECONDS (default 60) per target; `make test`
# runs it for FUZZ_CI_SECONDS (default 12) per target, so that a change that
# makes a parser crash, over-read or leak fails the build. The corpus under
# build/fuzz/ is kept between runs, so repeated runs go deeper.
#
# A finding is left as build/fuzz/<target>-crash-* (or leak-*, timeout-*):
# see tests/fuzz-regress/README.md for turning it into a regression case.
set -e
secs=$1; shift
cd "$(dirname "$0")/.."
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
FLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc/core -Isrc/parse"
OUT=build/fuzz
mkdir -p "$OUT/obj"

# The parsers are compiled once (instrumented for coverage, not linked with
# the fuzzer's main), then each target links against them: five builds of
# the whole library would cost more than the run itself.
objs=""
for src in src/core/*.c src/parse/*.c; do
    obj="$OUT/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ include/playfast.h -nt "$obj" ] ||
       [ -n "$(find src/core src/parse -name '*.h' -newer "$obj" 2>/dev/null)" ]; then
        $CC $FLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    fi
    objs="$objs $obj"
done

status=0
for t in "$@"; do
    corpus=$OUT/corpus-$t
    mkdir -p "$corpus"
    case $t in
        app)     seeds="app_details_*.gz datasafety_notfound*.gz";;
        list)    seeds="list_*.gz";;
        search)  seeds="search_*.gz";;
        reviews) seeds="reviews_*.gz app_details_com.google*.gz";;
        json)    seeds="permissions_*.gz suggest_*.gz app_details_batch_*.gz";;
        developer)   seeds="developer_*.gz continuation_*.gz";;
        similar)     seeds="similar_*.gz app_details_com.adex77*.gz continuation_*.gz";;
        suggest)     seeds="suggest_*.gz";;
        permissions) seeds="permissions_*.gz";;
        datasafety)  seeds="datasafety_*.gz";;
        categories)  seeds="store_home_*.gz";;
        *)       seeds="";;
    esac
    for s in $seeds; do
        for f in tests/fixtures/$s; do
            [ -f "$f" ] && [ ! -f "$corpus/$(basename "$f" .gz)" ] &&
                zcat "$f" > "$corpus/$(basename "$f" .gz)"
        done
    done
    if [ -d "tests/fuzz-regress/$t" ]; then
        for f in tests/fuzz-regress/"$t"/*; do
            [ -f "$f" ] && cp "$f" "$corpus/"
        done
    fi
    extra=""
    if [ "$t" = decode ]; then
        # Seeds are bodies behind the byte that picks the coding
        # (fuzz-decode.c): 0 gzip, 1 deflate, 2 br, 3 zstd.
        for f in tests/fixtures/suggest_*.gz tests/fixtures/permissions_*.gz \
                 tests/fixtures/app_details_com.adex77*.gz; do
            b=$corpus/$(basename "$f" .gz)
            [ -f "$b.zstd" ] && continue
            { printf '\000'; cat "$f"; } > "$b.gzip"
            { printf '\001'; zcat "$f" | /usr/bin/python3 -c 'import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))'; } > "$b.deflate"
            { printf '\002'; zcat "$f" | /usr/bin/python3 -c 'import sys,brotli; sys.stdout.buffer.write(brotli.compress(sys.stdin.buffer.read()))'; } > "$b.br"
            { printf '\003'; zcat "$f" | /usr/bin/python3 -c 'import sys,zstandard; sys.stdout.buffer.write(zstandard.ZstdCompressor().compress(sys.stdin.buffer.read()))'; } > "$b.zstd"
        done
        extra="-Isrc/net src/net/decode.c -ldeflate -lbrotlidec -lzstd -lz"
    fi
    if [ "$t" = pack ]; then
        # Seeds are the fixtures' parsed results, packed.
        if [ ! -f "$corpus/.seeded" ]; then
            tmp=$(mktemp -d)
            for f in tests/fixtures/*.gz; do zcat "$f" > "$tmp/$(basename "$f" .gz)"; done
            $CC $FLAGS $SAN fuzz/pack-seeds.c src/net/response.c $objs -o "$OUT/pack-seeds" -lm
            "$OUT/pack-seeds" "$corpus" "$tmp"/*
            rm -rf "$tmp"
            touch "$corpus/.seeded"
        fi
        extra="src/net/response.c"
    fi
    $CC $FLAGS $SAN -fsanitize=fuzzer "fuzz/fuzz-$t.c" $objs $extra -o "$OUT/fuzz-$t" -lm
    # The kept findings first, each once through its own target: a
    # regression shows here by name, before any random search.
    kept=$(find "tests/fuzz-regress/$t" -type f ! -name '.*' 2>/dev/null | sort)
    if [ -n "$kept" ] && ! "$OUT/fuzz-$t" $kept >"$OUT/$t-kept.log" 2>&1; then
        echo "fuzz-$t: a kept finding fails again, see $OUT/$t-kept.log:"
        grep -m 3 -E "Running: |SUMMARY" "$OUT/$t-kept.log" | sed 's/^/  /' || true
        status=1
        continue
    fi
    if "$OUT/fuzz-$t" -max_total_time="$secs" -max_len=2000000 \
            -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$OUT/$t-" "$corpus" >"$OUT/$t.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log")
        echo "fuzz-$t: ${runs:-?} runs in ${secs}s, nothing found"
    else
        echo "fuzz-$t FOUND A PROBLEM: see $OUT/$t.log and $OUT/$t-*"
        echo "  (tests/fuzz-regress/README.md: how to keep it as a regression case)"
        grep -m 3 -E "ERROR|SUMMARY" "$OUT/$t.log" | sed 's/^/  /' || true
        status=1
    fi
done
exit $status
