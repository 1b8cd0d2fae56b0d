#!/usr/bin/env bash
# Builds casepulse_VERSION_ARCH.deb with dpkg-deb: /usr/bin/casepulsed and casepulse (Swift runtime
# linked in statically), their man pages (/usr/share/man/man8/casepulsed.8.gz,
# /usr/share/man/man1/casepulse.1.gz), the systemd unit, /etc/casepulse/casepulsed.toml as a
# conffile, docs.
# The package enables and starts casepulsed on install, stops it on removal, and deletes the
# state only on purge. Checks the result with dpkg-deb --info/--contents, and lintian if present.
#
#   Deploy/package-deb.sh [--no-build] [OUTPUT_DIR]       VERSION=0.2.0 to set the version
#   --no-build packages the binaries in .build/release (or $BIN_DIR): they must be built with
#   --static-swift-stdlib, and a build that loads the Swift runtime from the toolchain is refused.
set -euo pipefail
cd "$(dirname "$0")/.."

build_flag=""
if [ "${1:-}" = "--no-build" ]; then build_flag="--no-build"; shift; fi
output=$(realpath -m "${1:-.build/deb}")
version=${VERSION:-0.1.0}
arch=$(dpkg --print-architecture)
name=casepulse
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/${name}_${version}_${arch}"

if [ -z "$build_flag" ]; then
    Deploy/dependencies.sh dpkg-dev
    swift build -c release --static-swift-stdlib
elif ! command -v dpkg-shlibdeps >/dev/null; then
    echo "package-deb.sh: dpkg-shlibdeps is missing: apt-get install dpkg-dev (or run without --no-build)" >&2
    exit 1
fi
VERSION="$version" PREFIX=/usr DESTDIR="$root" UNIT_DIR=/lib/systemd/system Deploy/install.sh --no-build >/dev/null
# A package must run where no Swift toolchain is: a --no-build of binaries that load the Swift
# runtime from the toolchain (a plain `swift build -c release`) would install, then fail to start.
for binary in casepulsed casepulse; do
    if readelf -d "$root/usr/bin/$binary" | grep -q 'NEEDED.*\[libswiftCore\.so\]'; then
        echo "package-deb.sh: $binary loads the Swift runtime (libswiftCore.so) from the toolchain; build it with 'swift build -c release --static-swift-stdlib', or run without --no-build" >&2
        exit 1
    fi
done
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/casepulsed" "$root/usr/bin/casepulse"

doc="$root/usr/share/doc/$name"
install -d -m 0755 "$doc"
install -m 0644 README.md "$doc/README.md"
# Where README's link to it points.
install -D -m 0644 Docs/performance-history.md "$doc/Docs/performance-history.md"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: casepulse"
    echo
    echo "Files: *"
    echo "Copyright: 2026 The casepulse authors"
    echo "License: MIT"
    sed -n '/^Permission is hereby granted/,$p' LICENSE | sed 's/^$/./; s/^/ /'
} >"$doc/copyright"
chmod 0644 "$doc/copyright"
printf '%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- casepulse maintainers <maintainers@casepulse.org>  %s\n' \
    "$name" "$version" "$version" "$(date -R)" | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

install -d -m 0755 "$root/DEBIAN"
# Shared-library dependencies as dpkg-shlibdeps finds them (it wants a debian/control beside it).
mkdir -p "$work/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$name" "$name" >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/casepulsed" "$root/usr/bin/casepulse" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: casepulse maintainers <maintainers@casepulse.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: ${depends:-libc6, libzmq5}
Section: net
Priority: optional
Homepage: https://casepulse.org
Description: live figures of administrative law enforcement over ZeroMQ
 casepulsed subscribes to the case events that enforcement backends publish
 on ZeroMQ, keeps exact aggregates (online-handling rate, no-penalty and
 reduced-penalty totals, waived amounts, beneficiary enterprises, closure
 rate) per region, agency and calendar window, and serves them to dashboards
 over the Clustered Hashmap Protocol (ZeroMQ RFC 12). The casepulse command
 publishes events, reads snapshots and watches live figures.
CONTROL
echo "/etc/casepulse/casepulsed.toml" >"$root/DEBIAN/conffiles"

cat >"$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# As debhelper's systemd snippets do: enable on first install, (re)start when systemd runs.
set -e
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ]; then
    if deb-systemd-helper debian-installed casepulsed.service; then
        deb-systemd-helper update-state casepulsed.service >/dev/null || true
    else
        deb-systemd-helper enable casepulsed.service >/dev/null || true
    fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        deb-systemd-invoke restart casepulsed.service >/dev/null || true
    fi
fi
exit 0
SCRIPT
cat >"$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = "remove" ] && [ -d /run/systemd/system ]; then
    deb-systemd-invoke stop casepulsed.service >/dev/null || true
fi
exit 0
SCRIPT
cat >"$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = "remove" ] && command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper mask casepulsed.service >/dev/null || true
fi
if [ "$1" = "purge" ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper purge casepulsed.service >/dev/null || true
        deb-systemd-helper unmask casepulsed.service >/dev/null || true
    fi
    # DynamicUser= keeps the state in /var/lib/private/casepulse behind a /var/lib/casepulse link.
    rm -rf /var/lib/casepulse /var/lib/private/casepulse
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
fi
exit 0
SCRIPT
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

mkdir -p "$output"
deb="$output/${name}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
if command -v lintian >/dev/null 2>&1; then
    lintian --info "$deb" || true
fi
echo "package-deb.sh: $deb"
