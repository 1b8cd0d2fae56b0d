#!/usr/bin/env bash
# Installs the system packages casepulse builds against, when they are missing, and any packages
# named as arguments. Run by Deploy/test.sh and Deploy/demo.sh; safe to run on its own. Debian 12.
set -euo pipefail

# groff-base: the test suite renders the man pages (Deploy/man) and fails on any groff warning.
needed=(libzmq3-dev libsimdjson-dev libsqlite3-dev systemd groff-base "$@")
missing=()
for package in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "casepulse: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "casepulse: the Swift toolchain (6.1 or newer) is not on PATH" >&2
    exit 1
fi
