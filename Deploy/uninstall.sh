#!/usr/bin/env bash
# Removes what Deploy/install.sh installed: stops and disables the service, removes the
# binaries, their man pages and the unit. The configuration (/etc/casepulse) and the state (/var/lib/casepulse)
# stay unless --purge is given. PREFIX, MANDIR, UNIT_DIR and DESTDIR as install.sh takes them.
#
#   Deploy/uninstall.sh [--purge]
#   PREFIX=/usr DESTDIR=/tmp/stage Deploy/uninstall.sh     # from a staged install, no systemctl
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
MANDIR=${MANDIR:-$PREFIX/share/man}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
DESTDIR=${DESTDIR:-}
purge=0
for argument in "$@"; do
    case "$argument" in
        --purge) purge=1 ;;
        *) echo "uninstall.sh: unknown option $argument" >&2; exit 2 ;;
    esac
done
if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "uninstall.sh: run as root (or with sudo), or set DESTDIR for a staged install" >&2
    exit 1
fi

systemd=0
[ -z "$DESTDIR" ] && [ -d /run/systemd/system ] && systemd=1
if [ "$systemd" -eq 1 ] && [ -e "$UNIT_DIR/casepulsed.service" ]; then
    systemctl disable --now casepulsed.service || true
fi
rm -f "$DESTDIR$PREFIX/bin/casepulsed" "$DESTDIR$PREFIX/bin/casepulse" "$DESTDIR$UNIT_DIR/casepulsed.service" \
    "$DESTDIR$MANDIR/man1/casepulse.1.gz" "$DESTDIR$MANDIR/man8/casepulsed.8.gz"
if [ "$purge" -eq 1 ]; then
    # DynamicUser= keeps the state in /var/lib/private/casepulse behind a /var/lib/casepulse link.
    rm -rf "$DESTDIR/etc/casepulse" "$DESTDIR/var/lib/casepulse" "$DESTDIR/var/lib/private/casepulse"
fi
[ "$systemd" -eq 1 ] && systemctl daemon-reload
echo "uninstall.sh: removed casepulsed$([ "$purge" -eq 1 ] && echo ', its configuration and its state')"
