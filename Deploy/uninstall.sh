#!/usr/bin/env bash
# Removes what Deploy/install.sh installed: stops and disables the service, removes the
# binaries, their man pages and the unit. The configuration (/etc/casepulse) and the state (/var/lib/casepulse)
# stay unless --purge is given.
#
#   Deploy/uninstall.sh [--purge]
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
MANDIR=${MANDIR:-$PREFIX/share/man}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
purge=0
for argument in "$@"; do
    case "$argument" in
        --purge) purge=1 ;;
        *) echo "uninstall.sh: unknown option $argument" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "uninstall.sh: run as root (or with sudo)" >&2
    exit 1
fi

systemd=0
[ -d /run/systemd/system ] && systemd=1
if [ "$systemd" -eq 1 ] && [ -e "$UNIT_DIR/casepulsed.service" ]; then
    systemctl disable --now casepulsed.service || true
fi
rm -f "$PREFIX/bin/casepulsed" "$PREFIX/bin/casepulse" "$UNIT_DIR/casepulsed.service" \
    "$MANDIR/man1/casepulse.1.gz" "$MANDIR/man8/casepulsed.8.gz"
if [ "$purge" -eq 1 ]; then
    # DynamicUser= keeps the state in /var/lib/private/casepulse behind a /var/lib/casepulse link.
    rm -rf /etc/casepulse /var/lib/casepulse /var/lib/private/casepulse
fi
[ "$systemd" -eq 1 ] && systemctl daemon-reload
echo "uninstall.sh: removed casepulsed$([ "$purge" -eq 1 ] && echo ', its configuration and its state')"
