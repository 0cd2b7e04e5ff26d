#!/usr/bin/env bash
# Builds floecat and starts the server on the embedded default: the local
# encrypted secrets store and SQLite records under ./floecat-data, listening
# on 127.0.0.1:8181. Extra arguments go to `floecat serve`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh"
exec "${FLOECAT_BUILD_DIR:-$root/build}/bin/floecat" serve "$@"
