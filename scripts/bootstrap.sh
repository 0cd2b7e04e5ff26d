#!/usr/bin/env bash
# Installs every Debian package that building, running and testing floecat
# needs. Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libssl-dev libcurl4-openssl-dev openssl
  libboost-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev
  libsqlite3-dev libsqlitecpp-dev sqlite3
  libcli11-dev libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk curl clang-format
  clang libclang-rt-14-dev
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

# Node.js and npm run the iceberg-js client test (tests/integration/js).
# Machines of this kind ship Node.js 20 with npm; install Debian's only when
# either is absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: installing nodejs npm"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nodejs npm
fi
