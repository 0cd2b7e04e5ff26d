#!/usr/bin/env bash
# Load test: wrk with many keep-alive connections on the Iceberg table-load
# route with vended credentials while another client creates and deletes
# connectors. Fails on any status other than 200 or an intended 503, and
# when a created connector or its secret is left behind. Starts
# moto_server and floecat itself on free loopback ports.
#
# Usage: bench/churn_load.sh [connections, default 256] [duration, default 30s]
# FLOECAT_BINARY overrides the binary (default build/bin/floecat).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v wrk >/dev/null; then
  echo "churn_load: wrk is not installed (scripts/bootstrap.sh lists it)" >&2
  exit 1
fi
if ! python3 -c 'import moto, botocore' >/dev/null 2>&1 && [ -d "$HOME/.pyenv/shims" ]; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi
export FLOECAT_SOURCE_DIR="$root"
export FLOECAT_BINARY="${FLOECAT_BINARY:-$root/build/bin/floecat}"
exec python3 "$root/bench/churn_load.py" "${1:-256}" "${2:-30s}"
