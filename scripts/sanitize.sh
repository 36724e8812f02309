#!/usr/bin/env bash
# The sanitizer job (docs/fuzzing.md): builds build-asan with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (-DJCHAIN_SANITIZE=ON), then runs under them
#   1. the unit test binaries (ctest; the process tests and the long simulator runs stay
#      in the normal build),
#   2. the consensus simulator: SIM_SEEDS seeds (200) and HOSTILE_SEEDS hostile ones (100),
#   3. every fuzz target for FUZZ_SECONDS (20) over its corpus, two at a time.
# Fails on the first sanitizer report, test failure or fuzzer crash.
#
#   scripts/sanitize.sh               everything
#   scripts/sanitize.sh --build-only  configure and build build-asan, nothing else
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in other directories (CI builds a fresh clone each time).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
SIM_SEEDS="${SIM_SEEDS:-200}"
HOSTILE_SEEDS="${HOSTILE_SEEDS:-100}"
build=build-asan

start=$SECONDS
step() { printf '\n== %s (%ds)\n' "$1" $((SECONDS - start)); }

step "dependencies"
scripts/install-deps.sh clang-14 libclang-rt-14-dev

step "build $build (clang 14, ASan + UBSan, libFuzzer)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DJCHAIN_SANITIZE=ON >/dev/null
cmake --build "$build" -j2
[ "${1:-}" = "--build-only" ] && exit 0

# Any report stops the program with a stack trace and a non-zero exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

step "unit tests under ASan + UBSan"
# A test that fails is run once more: a few socket tests wait a fixed 2 s, which a
# sanitized build on a loaded machine can miss (ctest's log names any test that needed it).
ctest --test-dir "$build" --output-on-failure -j2 -LE 'process|sim' -E '^consensus_sim|^web_page' \
  --repeat until-pass:2

step "consensus simulator: $SIM_SEEDS seeds and $HOSTILE_SEEDS hostile seeds, side by side"
sim="$build/tests/consensus_sim"
"$sim" --seeds "$SIM_SEEDS" >"$build/sim.log" 2>&1 &
plain=$!
"$sim" --seeds "$HOSTILE_SEEDS" --first 100000 --hostile >"$build/sim-hostile.log" 2>&1 &
hostile=$!
sim_failed=0
wait $plain || { sim_failed=1; tail -20 "$build/sim.log"; }
wait $hostile || { sim_failed=1; tail -20 "$build/sim-hostile.log"; }
tail -1 "$build/sim.log"
tail -1 "$build/sim-hostile.log"
[ $sim_failed -eq 0 ] || { echo "sanitize.sh: the simulator failed" >&2; exit 1; }

step "fuzz targets, ${FUZZ_SECONDS}s each"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
FUZZ_WORK="$scratch" scripts/fuzz.sh --jobs 2 all "$FUZZ_SECONDS"

step "sanitize.sh: all passed"
