#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/dependencies.sh
exec swift test "$@"
