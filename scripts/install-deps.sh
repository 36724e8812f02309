#!/usr/bin/env bash
# Installs every Debian 12 package JChain needs to build, test and run. Idempotent.
# Extra packages may be named as arguments (scripts/sanitize.sh adds clang's).
set -euo pipefail
packages=(
  g++ cmake ninja-build ccache pkg-config git
  libsecp256k1-dev libleveldb-dev libsnappy-dev libssl-dev openssl
  libboost1.81-dev libboost-json1.81-dev libcereal-dev doctest-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  libcairo2-dev libpango1.0-dev libqrencode-dev fonts-wqy-microhei
  python3 nodejs faketime poppler-utils zbar-tools
  chromium  # tests/web/browser_test.js drives it (headless) with playwright-core
  "$@"
)
# npm runs `npm ci` for the verification page's packages (web/CMakeLists.txt). Debian's
# npm package goes with Debian's nodejs; a nodejs from NodeSource ships its own npm and
# conflicts with Debian's, so npm is only asked for when there is none.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
