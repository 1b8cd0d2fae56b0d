#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/dependencies.sh
Deploy/check-unit.sh  # systemd-analyze security (<= 1.5) and verify of Deploy/casepulsed.service
exec swift test "$@"
