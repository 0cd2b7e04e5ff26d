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
source "$root/bench/wrk_common.sh"
exec python3 "$root/bench/wrk_table_load.py" "${1:-10s}"
