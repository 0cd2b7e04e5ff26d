#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into ./build-fuzz and runs each one
# for FUZZ_SECONDS (default 60) over its committed seed corpus and regression
# inputs. New inputs go to build-fuzz/fuzz-work/<target>, never into the
# committed corpus. A crash, sanitizer report or failed property check stops
# that target, leaves the input under fuzz/crashes/ and makes this script
# exit 1 after the other targets have run.
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: every target)
# Environment: FUZZ_SECONDS, FUZZ_JOBS (build parallelism, default 2),
# FLOECAT_FUZZ_BUILD_DIR, FUZZ_MERGE=1 to add up to FUZZ_MERGE_MAX (default
# 50) of the new inputs that add coverage to fuzz/corpus/<target>.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${FLOECAT_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-2}"
all_targets=(api_body location sigv4 sts_xml config)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=("${all_targets[@]}")
fi

if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a positive whole number of seconds, got '$seconds'" >&2
  exit 2
fi
for target in "${targets[@]}"; do
  if [ ! -f "$root/fuzz/${target}_fuzz.cc" ]; then
    echo "fuzz: unknown target '$target'; the targets are: ${all_targets[*]}" >&2
    exit 2
  fi
done

"$root/scripts/bootstrap.sh"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ is missing; scripts/bootstrap.sh installs clang and libclang-rt-14-dev" >&2
  exit 1
fi

# Every library is built with coverage instrumentation and the sanitizers;
# only the fuzz targets link libFuzzer's driver (FLOECAT_LIBFUZZER).
CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFLOECAT_BUILD_TESTS=OFF -DFLOECAT_BUILD_BENCH=OFF \
  -DFLOECAT_FUZZ_REPLAY=ON -DFLOECAT_LIBFUZZER=ON \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >/dev/null
build_targets=()
for target in "${targets[@]}"; do
  build_targets+=("${target}_fuzz")
done
nice -n 5 cmake --build "$build_dir" -j "$jobs" --target "${build_targets[@]}"

# Minimises the seeds plus this run's new inputs with libFuzzer's -merge=1,
# then copies at most FUZZ_MERGE_MAX (default 50) of the kept inputs that
# are new, smallest first and none over 4 KiB, into fuzz/corpus/<target>.
merge_into_corpus() {
  local target="$1" work="$2" log="$3"
  local corpus="$root/fuzz/corpus/$target"
  local merged="$build_dir/fuzz-work/$target.merged"
  rm -rf "$merged"
  mkdir -p "$merged"
  "$build_dir/fuzz/${target}_fuzz" -merge=1 "$merged" "$corpus" "$work" >>"$log" 2>&1
  local known added=0
  known="$(sha1sum "$corpus"/* | cut -d' ' -f1)"
  while read -r file; do
    [ "$added" -ge "${FUZZ_MERGE_MAX:-50}" ] && break
    [ "$(stat -c %s "$merged/$file")" -le 4096 ] || continue
    if ! grep -qx "$(sha1sum "$merged/$file" | cut -d' ' -f1)" <<<"$known"; then
      cp "$merged/$file" "$corpus/$file"
      added=$((added + 1))
    fi
  done < <(ls -Sr "$merged")
  echo "fuzz: merged $added new inputs into fuzz/corpus/$target"
}

# The api_body target keeps its SQLite stores in a temporary directory; on
# tmpfs their fsync calls return at once instead of waiting for the disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

mkdir -p "$root/fuzz/crashes"
failed=()
summary=()
for target in "${targets[@]}"; do
  work="$build_dir/fuzz-work/$target"
  mkdir -p "$work"
  inputs=("$work" "$root/fuzz/corpus/$target")
  if [ -d "$root/fuzz/regressions/$target" ]; then
    inputs+=("$root/fuzz/regressions/$target")
  fi
  log="$build_dir/fuzz-work/$target.log"
  echo "fuzz: running $target for ${seconds}s (log: $log)"
  status=0
  "$build_dir/fuzz/${target}_fuzz" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$root/fuzz/crashes/$target-" "${inputs[@]}" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  line="$target: ${runs:-?} runs in ${seconds}s"
  if [ -n "$runs" ]; then
    line="$line, $((runs / seconds)) exec/s"
  fi
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    line="$line, FAILED (exit $status)"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz check failed|.*runtime error)" "$log" | head -5 || true
    grep -E "Test unit written to" "$log" || true
  fi
  summary+=("$line")

  if [ "${FUZZ_MERGE:-0}" = "1" ] && [ "$status" -eq 0 ]; then
    merge_into_corpus "$target" "$work" "$log"
  fi
done

echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}; crash inputs are in fuzz/crashes/" >&2
  exit 1
fi
