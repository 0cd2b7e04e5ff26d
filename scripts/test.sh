#!/usr/bin/env bash
# Builds floecat and runs every test: unit tests, and integration tests
# against the real binary, moto_server and the AWS CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${FLOECAT_BUILD_DIR:-$root/build}"

# The integration tests need the Python that has moto, botocore and the AWS
# CLI installed (pyenv's on these machines, not /usr/bin/python3).
if ! python3 -c 'import moto, botocore, awscli' >/dev/null 2>&1; then
  if [ -d "$HOME/.pyenv/shims" ]; then
    export PATH="$HOME/.pyenv/shims:$PATH"
  fi
fi
if ! python3 -c 'import moto, botocore, awscli' >/dev/null 2>&1; then
  echo "test: python3 on PATH ($(command -v python3 || echo none)) lacks moto, botocore or awscli;" >&2
  echo "test: the integration tests need them and are not skipped." >&2
  exit 1
fi

"$root/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
