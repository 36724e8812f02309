// Elliptic-curve Diffie-Hellman on secp256k1 (libsecp256k1's ecdh module), for the
// peer network's handshake (docs/p2p.md). Thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "base/result.h"
#include "crypto/keys.h"

namespace jchain::crypto {

// 32 bytes: SHA-256 of the shared point in compressed SEC1 form (0x02 or 0x03, then x),
// libsecp256k1's default ECDH hash. Both ends of an exchange get the same value.
using SharedSecret = std::array<std::uint8_t, 32>;

// The shared secret of `mine` and `theirs`. An error only for a private key outside
// [1, n-1] (callers hold valid keys; a PublicKey is a valid point by construction).
Result<SharedSecret> ecdh(const PrivateKey& mine, const PublicKey& theirs);

}  // namespace jchain::crypto
