#!/usr/bin/env bash
# Fuzzes parser + validator + engine (Fuzz/EventFuzzer.swift) with libFuzzer and ASan (UBSan too
# in the C++ parser; Swift checks overflow and bounds itself).
#
#   Fuzz/run.sh SECONDS [JOBS]
#
# Builds the target into $FUZZ_BUILD (default .build-fuzz) when a source changed, seeds the corpus
# from Protocols/vectors/events.json, then fuzzes for SECONDS (JOBS parallel workers, default 1).
# Exits non-zero when libFuzzer finds a crash, a sanitizer report or an invariant violation; the
# input is saved under $FUZZ_BUILD/artifacts/. The corpus ($FUZZ_BUILD/corpus) is kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: Fuzz/run.sh SECONDS [JOBS]}
jobs=${2:-1}
build=${FUZZ_BUILD:-.build-fuzz}
mkdir -p "$build/include" "$build/seeds" "$build/corpus" "$build/artifacts"
binary="$build/event-fuzzer"

sources=(Fuzz/EventFuzzer.swift Sources/CasePulseCore/*.swift Sources/CasePulseWire/*.swift
         Sources/CEventParser/cp_event_parser.cpp Sources/CEventParser/include/cp_event_parser.h
         Sources/CPrefetch/shim.h)
stale=no
[[ -x "$binary" ]] || stale=yes
for source in "${sources[@]}"; do [[ "$source" -nt "$binary" ]] && stale=yes; done
if [[ $stale == yes ]]; then
    echo "fuzz: building $binary" >&2
    swift_flags=(-swift-version 6 -enable-upcoming-feature ExistentialAny -O -g -wmo
                 -sanitize=fuzzer,address -parse-as-library -I "$build" -I "$build/include")
    cat > "$build/include/module.modulemap" <<MAP
module CEventParser {
    header "$PWD/Sources/CEventParser/include/cp_event_parser.h"
    export *
}
module CPrefetch [system] {
    header "$PWD/Sources/CPrefetch/shim.h"
    export *
}
MAP
    clang++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
        -I Sources/CEventParser/include -c Sources/CEventParser/cp_event_parser.cpp -o "$build/cp_event_parser.o"
    swiftc "${swift_flags[@]}" -module-name CasePulseCore -emit-module -emit-module-path "$build/CasePulseCore.swiftmodule" \
        -c Sources/CasePulseCore/*.swift -o "$build/CasePulseCore.o"
    swiftc "${swift_flags[@]}" -module-name CasePulseWire -emit-module -emit-module-path "$build/CasePulseWire.swiftmodule" \
        -c Sources/CasePulseWire/*.swift -o "$build/CasePulseWire.o"
    swiftc "${swift_flags[@]}" -module-name EventFuzzer Fuzz/EventFuzzer.swift \
        "$build/CasePulseCore.o" "$build/CasePulseWire.o" "$build/cp_event_parser.o" \
        -Xclang-linker -fsanitize=undefined -lsimdjson -lstdc++ -o "$binary"
fi

python3 Fuzz/make_corpus.py "$build/seeds" >&2
options=(-max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -dict=Fuzz/event.dict
         -artifact_prefix="$build/artifacts/" -print_final_stats=1)
if (( jobs > 1 )); then options+=(-fork="$jobs" -ignore_crashes=0); fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
exec "$binary" "${options[@]}" "$build/corpus" "$build/seeds"
