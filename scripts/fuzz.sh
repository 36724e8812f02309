#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (docs/fuzzing.md) from the sanitizer build.
#
#   scripts/fuzz.sh [--keep] [--jobs N] [TARGET|all] [SECONDS]
#
# TARGET is fuzz_<name> or <name> (default: all); SECONDS per target (default 180).
# Each target starts from its seeds (make_corpus, written fresh from the real encoders),
# the committed tests/fuzz/corpus/<target>/ and what earlier runs found, kept in a
# scratch directory, $FUZZ_WORK/<target> (default build-asan/fuzz/work), never in the repo.
# --keep merges (minimised) what this run found into tests/fuzz/corpus/<target>/.
# --jobs N runs N targets at a time (default 2: the machine has two cores).
# A crash leaves its input in build-asan/fuzz/artifacts/<target>/ and fails the run;
# reproduce it with build-asan/tests/fuzz/<target> FILE.
# Builds build-asan first if a target is missing (scripts/sanitize.sh --build-only).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
jobs=2
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --jobs) jobs="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
which="${args[0]:-all}"
seconds="${args[1]:-180}"

build=build-asan
bin="$build/tests/fuzz"
work="${FUZZ_WORK:-$build/fuzz/work}"
artifacts="$build/fuzz/artifacts"
seeds="$build/fuzz/seeds"

targets=()
for src in tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  if [ "$which" = all ] || [ "$which" = "$name" ] || [ "fuzz_$which" = "$name" ]; then targets+=("$name"); fi
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no target '$which' (see tests/fuzz/fuzz_*.cpp)" >&2
  exit 2
fi

missing=0
for t in "${targets[@]}" make_corpus; do [ -x "$bin/$t" ] || missing=1; done
[ $missing -eq 0 ] || scripts/sanitize.sh --build-only

rm -rf "$seeds"
"$bin/make_corpus" "$seeds" >/dev/null

# UBSan stops at the first report, with a stack (libFuzzer then saves the input).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
  local t="$1"
  mkdir -p "$work/$t" "$artifacts/$t" "tests/fuzz/corpus/$t" "$seeds/$t"
  local log="$build/fuzz/$t.log"
  local rc=0
  # -timeout: an input that takes this long is a hang, reported as a failure.
  "$bin/$t" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t/" "$work/$t" "$seeds/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  local cov
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc -ne 0 ]; then
    printf '%-26s FAILED (exit %d) after %s executions; log %s\n' "$t" "$rc" "${execs:-?}" "$log"
    grep -m1 -E 'ERROR: |FUZZ_CHECK failed|runtime error' "$log" | sed 's/^/    /' || true
    ls "$artifacts/$t" 2>/dev/null | sed "s|^|    input: $artifacts/$t/|" || true
    return 1
  fi
  printf '%-26s %12s executions in %ss, coverage %s\n' "$t" "$execs" "$seconds" "${cov:-?}"
  if [ $keep -eq 1 ]; then
    "$bin/$t" -merge=1 "tests/fuzz/corpus/$t" "$work/$t" >>"$log" 2>&1
  fi
}

mkdir -p "$build/fuzz"
echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each, $jobs at a time"
failed=0
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ $running -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ $failed -ne 0 ]; then
  echo "fuzz.sh: a target failed (inputs under $artifacts)" >&2
  exit 1
fi
