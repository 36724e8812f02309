#!/usr/bin/env bash
# The README's run command: install dependencies, build, start a local one-validator chain.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/cli/jchain devnet "$@"
