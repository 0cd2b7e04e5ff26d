#!/usr/bin/env bash
# Measures the Iceberg table-load route with vended credentials (warm cache)
# against /healthz with wrk at 64 connections, in one run, and reports
# requests per second, p99 latency, their ratio and the server's RSS before
# and after. Starts moto_server and floecat itself on free loopback ports.
#
# Usage: bench/wrk_table_load.sh [duration, default 10s]
# FLOECAT_BINARY overrides the binary (default build/bin/floecat).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v wrk >/dev/null; then
  echo "wrk_table_load: wrk is not installed (scripts/bootstrap.sh lists it)" >&2
  exit 1
fi
if ! python3 -c 'import moto, botocore' >/dev/null 2>&1 && [ -d "$HOME/.pyenv/shims" ]; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi
export FLOECAT_SOURCE_DIR="$root"
export FLOECAT_BINARY="${FLOECAT_BINARY:-$root/build/bin/floecat}"
exec python3 "$root/bench/wrk_table_load.py" "${1:-10s}"
