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
# iceberg-js for the Iceberg REST client test, pinned by package-lock.json.
(cd "$root/tests/integration/js" && npm ci --no-audit --no-fund --loglevel=error)
failed=0
(cd "$build_dir" && ctest --output-on-failure -j "$(nproc)" "$@") || failed=1

# The second pass builds everything again with AddressSanitizer (LeakSanitizer
# included) and UndefinedBehaviorSanitizer and runs the same tests there, the
# integration tests against the sanitized binary. FLOECAT_SKIP_SANITIZE=1
# skips it for a quick local run.
if [ "${FLOECAT_SKIP_SANITIZE:-0}" = 1 ]; then
  echo "test: FLOECAT_SKIP_SANITIZE=1, so the sanitized pass did not run" >&2
  exit "$failed"
fi
sanitize_dir="${FLOECAT_SANITIZE_BUILD_DIR:-$root/build-asan}"
start=$SECONDS
cmake -S "$root" -B "$sanitize_dir" -G Ninja -DFLOECAT_SANITIZE=address,undefined \
  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" >/dev/null
cmake --build "$sanitize_dir" -j "$(nproc)"
build_seconds=$((SECONDS - start))

# Every report aborts the process, so the test that started it fails. Reports
# also go to files under $report_dir, and any file there fails the pass. That
# catches a report from a process whose exit status no test checks.
report_dir="$sanitize_dir/sanitizer-reports"
rm -rf "$report_dir"
mkdir -p "$report_dir"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$report_dir/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$report_dir/ubsan"
start=$SECONDS
(cd "$sanitize_dir" && ctest --output-on-failure -j "$(nproc)" "$@") || failed=1
if [ -n "$(ls -A "$report_dir")" ]; then
  for report in "$report_dir"/*; do
    echo "test: sanitizer report $report:" >&2
    cat "$report" >&2
  done
  failed=1
fi
echo "test: sanitized pass took ${build_seconds} s to build and $((SECONDS - start)) s to test" >&2
exit "$failed"
