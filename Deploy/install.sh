#!/usr/bin/env bash
# Installs casepulsed as a systemd service:
#   release build (Swift runtime linked in statically, so the toolchain is not needed at run time),
#   casepulsed and casepulse to $PREFIX/bin, their man pages casepulsed(8) and casepulse(1) to
#   $MANDIR (default $PREFIX/share/man, gzipped), the unit, /etc/casepulse/casepulsed.toml (only
#   when absent: an operator's file is never overwritten), then `systemctl daemon-reload`.
# No user to create: the unit runs with DynamicUser=yes and StateDirectory=casepulse, so neither
# sysusers.d nor tmpfiles.d is needed.
#
#   Deploy/install.sh                 # to /usr/local, then: systemctl enable --now casepulsed
#   PREFIX=/usr DESTDIR=/tmp/stage Deploy/install.sh --no-build   # staging, as package-deb.sh does
#
# Options: --no-build (use the binaries already in .build/release, or in $BIN_DIR), --no-systemctl.
# VERSION=x.y.z names that version in the man pages' headers (package-deb.sh passes its own).
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
MANDIR=${MANDIR:-$PREFIX/share/man}
DESTDIR=${DESTDIR:-}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
build=1
systemctl_reload=1
for argument in "$@"; do
    case "$argument" in
        --no-build) build=0 ;;
        --no-systemctl) systemctl_reload=0 ;;
        *) echo "install.sh: unknown option $argument" >&2; exit 2 ;;
    esac
done
[ -n "$DESTDIR" ] && systemctl_reload=0
if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or with sudo), or set DESTDIR to stage" >&2
    exit 1
fi

version=${VERSION:-}
if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9A-Za-z.+~-]+$ ]]; then
    echo "install.sh: VERSION=$version is not a version (digits, letters and . + ~ -)" >&2
    exit 2
fi

if [ "$build" -eq 1 ]; then
    Deploy/dependencies.sh
    swift build -c release --static-swift-stdlib
fi
bin=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for binary in casepulsed casepulse; do
    [ -x "$bin/$binary" ] || { echo "install.sh: $bin/$binary is missing; build first" >&2; exit 1; }
done

install -d -m 0755 "$DESTDIR$PREFIX/bin" "$DESTDIR$UNIT_DIR" "$DESTDIR/etc/casepulse" \
    "$DESTDIR$MANDIR/man1" "$DESTDIR$MANDIR/man8"
install -m 0755 -s "$bin/casepulsed" "$bin/casepulse" "$DESTDIR$PREFIX/bin/"
for page in Deploy/man/casepulse.1 Deploy/man/casepulsed.8; do
    target="$DESTDIR$MANDIR/man${page##*.}/$(basename "$page").gz"
    if [ -n "$version" ]; then
        # The .TH line's fourth field, "casepulse 0.1.0", names the version installed.
        sed "/^\.TH /s/\"casepulse [^\"]*\"/\"casepulse $version\"/" "$page" | gzip -9nc >"$target"
    else
        gzip -9nc "$page" >"$target"
    fi
    chmod 0644 "$target"
done
sed "s|^ExecStart=/usr/bin/casepulsed|ExecStart=$PREFIX/bin/casepulsed|" Deploy/casepulsed.service \
    >"$DESTDIR$UNIT_DIR/casepulsed.service"
chmod 0644 "$DESTDIR$UNIT_DIR/casepulsed.service"
if [ -e "$DESTDIR/etc/casepulse/casepulsed.toml" ]; then
    install -m 0644 Deploy/casepulsed.toml "$DESTDIR/etc/casepulse/casepulsed.toml.example"
    echo "install.sh: kept /etc/casepulse/casepulsed.toml; the new example is casepulsed.toml.example"
else
    install -m 0644 Deploy/casepulsed.toml "$DESTDIR/etc/casepulse/casepulsed.toml"
fi

# man-db finds new pages without its index; refresh it where one is kept.
if [ -z "$DESTDIR" ] && command -v mandb >/dev/null 2>&1; then
    mandb -q "$MANDIR" >/dev/null 2>&1 || true
fi

if [ "$systemctl_reload" -eq 1 ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "install.sh: installed; start with: systemctl enable --now casepulsed"
else
    echo "install.sh: installed to ${DESTDIR:-/}; systemd is not running here, no daemon-reload"
fi
