# Shared set-up of the wrk scripts, sourced by them: checks for wrk, finds the
# Python that has moto and botocore, and exports what the drivers read.
if ! command -v wrk >/dev/null; then
  echo "$(basename "$0"): wrk is not installed (scripts/bootstrap.sh lists it)" >&2
  exit 1
fi
if ! python3 -c 'import moto, botocore' >/dev/null 2>&1 && [ -d "$HOME/.pyenv/shims" ]; then
  export PATH="$HOME/.pyenv/shims:$PATH"
fi
export FLOECAT_SOURCE_DIR="$root"
export FLOECAT_BINARY="${FLOECAT_BINARY:-$root/build/bin/floecat}"
