// Ed25519 (RFC 8032, OpenSSL 3): the signature of outside witnesses, who cosign the
// chain's checkpoints in the C2SP tlog-cosignature format (docs/checkpoints.md). The
// chain's own keys stay secp256k1 (keys.h); a witness is not a member or a validator.
// All functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "base/hex.h"
#include "base/result.h"

namespace jchain::crypto {

struct Ed25519PublicKey {
    std::array<std::uint8_t, 32> bytes{};
    auto operator<=>(const Ed25519PublicKey&) const = default;
};
struct Ed25519PrivateKey {
    std::array<std::uint8_t, 32> seed{};  // RFC 8032's 32-byte private key
};
struct Ed25519KeyPair {
    Ed25519PrivateKey private_key;
    Ed25519PublicKey public_key;
};
using Ed25519Signature = std::array<std::uint8_t, 64>;

Ed25519KeyPair ed25519_generate();
Ed25519KeyPair ed25519_from_seed(const Ed25519PrivateKey& key);
Ed25519Signature ed25519_sign(const Ed25519PrivateKey& key, ByteSpan message);
// False for any signature that does not verify, including non-canonical encodings
// OpenSSL refuses.
bool ed25519_verify(const Ed25519PublicKey& key, ByteSpan message, const Ed25519Signature& sig);

}  // namespace jchain::crypto
