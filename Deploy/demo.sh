#!/usr/bin/env bash
# Quick start: builds casepulse, runs the daemon on its embedded defaults, feeds it a simulated
# set of Jining enforcement backends and shows the live figures. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/dependencies.sh
swift build -c release --product casepulsed >&2
swift build -c release --product casepulse >&2
bin=.build/release
state=$(mktemp -d)
"$bin/casepulsed" 2>"$state/casepulsed.log" &
daemon=$!
feed=""
cleanup() {
    [ -n "$feed" ] && kill "$feed" 2>/dev/null || true
    kill -TERM "$daemon" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "casepulse: daemon log kept in $state/casepulsed.log" >&2
}
# Ctrl-C or a TERM ends the script, and its end cleans up, once.
trap cleanup EXIT
trap 'exit 130' INT TERM
sleep 1
if ! kill -0 "$daemon" 2>/dev/null; then
    cat "$state/casepulsed.log" >&2
    exit 1
fi
"$bin/casepulse" demo --rate "${RATE:-200}" >/dev/null 2>"$state/demo.log" &
feed=$!
"$bin/casepulse" watch "${1:-/m/all/370000/370800/}"
