// The suite most tests run under: secp256k1-sha256, the default (crypto/suite.h).
// Tests of the sm2-sm3 suite name theirs.
#pragma once

#include "crypto/suite.h"

inline const jchain::crypto::Suite default_suite{};
