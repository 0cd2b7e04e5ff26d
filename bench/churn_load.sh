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
source "$root/bench/wrk_common.sh"
exec python3 "$root/bench/churn_load.py" "${1:-256}" "${2:-30s}"
