#!/usr/bin/env bash
# Checks Deploy/casepulsed.service the way an operator's systemd would see it:
#   - `systemd-analyze security --offline=yes` must score 1.5 or better (lower is better);
#   - `systemd-analyze verify` must be clean. verify wants ExecStart's binary to exist, so it checks
#     a copy whose ExecStart points at a built casepulsed (argument 1, else a debug build made here);
#     it also runs `man` on every Documentation= page, so Deploy/man is put on its MANPATH.
set -euo pipefail
cd "$(dirname "$0")/.."
unit=Deploy/casepulsed.service
limit=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check-unit: systemd-analyze is missing (apt-get install systemd)" >&2
    exit 1
fi

binary=${1:-}
if [ -z "$binary" ]; then
    if ! built=$(swift build --product casepulsed 2>&1); then
        printf '%s\n' "$built" >&2
        exit 1
    fi
    binary="$(swift build --show-bin-path)/casepulsed"
fi
[ -x "$binary" ] || { echo "check-unit: $binary is not an executable" >&2; exit 1; }

report=$(systemd-analyze security --offline=yes "$unit" 2>&1)
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    printf '%s\n' "$report" >&2
    echo "check-unit: no exposure level in systemd-analyze's output" >&2
    exit 1
fi
if ! awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
    printf '%s\n' "$report" | grep '✗' >&2 || true
    echo "check-unit: $unit exposure $score is above $limit" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=[^ ]*|ExecStart=$(realpath "$binary")|" "$unit" >"$work/casepulsed.service"
mkdir -p "$work/man/man1" "$work/man/man8"
cp Deploy/man/casepulse.1 "$work/man/man1/"
cp Deploy/man/casepulsed.8 "$work/man/man8/"
# The trailing colon keeps the system's pages (systemd.service(5)) after ours.
if ! verify=$(MANPATH="$work/man:" systemd-analyze verify "$work/casepulsed.service" 2>&1) || [ -n "$verify" ]; then
    printf '%s\n' "$verify" >&2
    echo "check-unit: systemd-analyze verify is not clean" >&2
    exit 1
fi
echo "check-unit: $unit exposure $score (limit $limit), verify clean"
