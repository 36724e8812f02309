// Key derivation and authenticated encryption for the peer network's sealed frames
// (docs/p2p.md): HKDF-SHA256 (RFC 5869) and ChaCha20-Poly1305 (RFC 8439), both through
// OpenSSL 3's EVP interfaces. Stateless functions, thread-safe.
//
// A key and nonce pair must never seal two messages: the caller owns the nonce schedule
// (the peer network counts frames per direction).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>

#include "base/hex.h"
#include "base/result.h"

namespace jchain::crypto {

using AeadKey = std::array<std::uint8_t, 32>;
using AeadNonce = std::array<std::uint8_t, 12>;
using AeadTag = std::array<std::uint8_t, 16>;
inline constexpr std::size_t aead_tag_bytes = 16;
inline constexpr std::size_t hkdf_sha256_bytes_max = 255 * 32;  // RFC 5869's limit on L

// HKDF-SHA256: extract with `salt` from `ikm`, expand with `info` to `length` bytes
// (1 to hkdf_sha256_bytes_max). Errors: a length out of range, or OpenSSL failing.
Result<Bytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::size_t length);

// ChaCha20-Poly1305, in place. The plaintext is the concatenation of `parts` (so a header
// and a body need not be copied together); each part is replaced by its ciphertext, and
// the tag over `aad` and the whole ciphertext is returned. Errors: OpenSSL failing.
Result<AeadTag> seal_in_place(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad,
                              std::initializer_list<std::span<std::uint8_t>> parts);

// The inverse: true when `tag` authenticates `aad` and the ciphertext in `parts`, which
// then hold the plaintext. False otherwise (or if OpenSSL fails); the parts then hold
// bytes that must not be used.
[[nodiscard]] bool open_in_place(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad,
                                 std::initializer_list<std::span<std::uint8_t>> parts, const AeadTag& tag);

// Copying forms: ciphertext || tag, and back (nullopt when inauthentic or shorter than a tag).
Result<Bytes> seal(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad, ByteSpan plaintext);
std::optional<Bytes> open(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad, ByteSpan sealed);

}  // namespace jchain::crypto
