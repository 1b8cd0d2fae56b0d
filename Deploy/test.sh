#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs `swift test`.
# The integration tests drive release builds of casepulsed and casepulse (CASEPULSE_DAEMON), so the heavy ones
# (the Jining acceptance feed, the SIGKILL crash test) run at production speed.
set -euo pipefail
cd "$(dirname "$0")/.."
# python3-zmq: the CURVE tests check our certificates and handshakes against pyzmq (/usr/bin/python3).
# python3-jsonschema: SchemaTests checks Protocols/event.schema.json against the test vectors.
# dpkg-dev: InstallScriptTests builds the .deb (dpkg-shlibdeps).
Deploy/dependencies.sh python3-zmq python3-jsonschema dpkg-dev
swift build -c release --product casepulsed
swift build -c release --product casepulse  # the CLI tests run it next to the daemon
daemon="$(swift build -c release --show-bin-path)/casepulsed"
Deploy/check-unit.sh "$daemon"  # systemd-analyze security (<= 1.5) and verify of Deploy/casepulsed.service
Fuzz/run.sh 45  # a short libFuzzer run over parser, validator and engine (README: Security)
export CASEPULSE_DAEMON="$daemon"
exec swift test "$@"
