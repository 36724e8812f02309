// The pure parts of the peer link protocol (docs/p2p.md): the v2 hello, its key schedule
// and auth, and the frame headers and sealing. PeerNetwork (peer_network.cpp) holds the
// state around them (sockets, counters, allowed and banned keys); these functions only
// turn bytes into values and back, so that tests and fuzz targets (tests/fuzz/) reach
// exactly what a peer's bytes meet. Stateless and thread-safe.
//
// A refusal is a Status (or a reason string) whose message is the reason the link is
// closed with, as logged at debug.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/aead.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/suite.h"

namespace jchain::p2p {

// Frame types the network uses itself; callers' types are below frame_internal_min.
inline constexpr std::uint8_t frame_internal_min = 0xF0;
inline constexpr std::uint8_t frame_hello = 0xF0;
inline constexpr std::uint8_t frame_auth = 0xF1;
inline constexpr std::uint8_t frame_ping = 0xF2;

inline constexpr std::uint32_t hello_magic = 0x4A43484E;  // "JCHN"
inline constexpr std::uint16_t hello_version = 2;
// Roles, as signed in the auth: the end that dialled is the initiator.
inline constexpr std::uint8_t role_initiator = 1;
inline constexpr std::uint8_t role_responder = 2;

// Limits (docs/p2p.md).
inline constexpr std::size_t frame_length_bytes = 4;             // a frame's u32 length
inline constexpr std::size_t tag_bytes = crypto::aead_tag_bytes;  // a sealed frame's Poly1305 tag
// What a sealed frame costs beyond its payload: length, type and tag.
inline constexpr std::size_t frame_overhead_bytes = frame_length_bytes + 1 + tag_bytes;
inline constexpr std::size_t chain_id_bytes_max = 256;            // in a hello
inline constexpr std::uint32_t handshake_frame_bytes_max = 1024;  // before a link is authenticated

using LengthBytes = std::array<std::uint8_t, frame_length_bytes>;

// ---- Hello ----

struct Hello {
    std::string chain_id;
    crypto::PublicKey key;        // the sender's static key
    crypto::PublicKey ephemeral;  // its key for this link alone
};

// A hello's payload (what follows the type byte).
Bytes hello_payload(std::string_view chain_id, const crypto::PublicKey& key, const crypto::PublicKey& ephemeral);

// A peer's hello payload, checked for what needs no state: magic and version, nothing
// after the ephemeral key, the chain id equal to `chain_id`, both keys valid compressed
// points. Who the keys belong to (ourselves, allowed, banned) is the caller's to check.
Result<Hello> parse_hello(const crypto::Suite& suite, ByteSpan payload, std::string_view chain_id);

// ---- Key schedule and auth ----

// th: binds the chain, both hellos (both static and both ephemeral keys) and who dialled.
crypto::Hash transcript_hash(const crypto::Suite& suite, std::string_view chain_id, ByteSpan initiator_hello, ByteSpan responder_hello);

struct SessionKeys {
    crypto::AeadKey initiator_to_responder{}, responder_to_initiator{};
};

// HKDF-SHA256 of the ephemeral keys' shared secret, salted with th.
Result<SessionKeys> session_keys(const crypto::SharedSecret& secret, const crypto::Hash& transcript);

// The digest the end in `role` signs with its static key.
crypto::Hash auth_digest(const crypto::Suite& suite, const crypto::Hash& transcript, std::uint8_t role);

// An auth payload from the peer whose static key is `peer_key` and whose role is
// `peer_role`: a compact low-S signature of auth_digest(transcript, peer_role).
Status check_auth(const crypto::Suite& suite, ByteSpan payload, const crypto::PublicKey& peer_key, const crypto::Hash& transcript,
                  std::uint8_t peer_role);

// ---- Frames ----

std::uint32_t frame_length(const LengthBytes& bytes);
LengthBytes length_header(std::uint32_t length);

// Why a frame whose length field reads `length` closes the link before anything of it is
// read or allocated; nullopt to read it. `sealed`: the peer's hello has come (every later
// frame is sealed); `established`: the handshake is complete (before it, no frame may
// exceed handshake_frame_bytes_max); `frame_bytes_max` bounds a sealed frame's plaintext.
std::optional<std::string> frame_length_problem(std::uint32_t length, bool sealed, bool established,
                                                std::size_t frame_bytes_max);

// The nonce of a direction's `counter`-th sealed frame: 4 zero bytes, u64 big-endian.
crypto::AeadNonce frame_nonce(std::uint64_t counter);

// The plaintext hello frame (length, type, payload) into `buffer` (resized; its
// capacity is reused from frame to frame).
void put_hello_frame(ByteSpan payload, Bytes& buffer);

// The `counter`-th sealed frame of a direction (length, ciphertext of type ‖ payload,
// tag) into `buffer`. `1 + payload.size() + tag_bytes` must fit the u32 length.
Status put_sealed_frame(const crypto::AeadKey& key, std::uint64_t counter, std::uint8_t type, ByteSpan payload,
                        Bytes& buffer);

// Opens the `counter`-th sealed frame of a direction as read off the wire, in place:
// `type` holds the first ciphertext byte and `payload` the rest followed by the tag
// (frame_length_problem saw to at least 1 + tag_bytes in all). True: `type` and
// `payload` hold the plaintext (the tag removed). False: it does not authenticate and
// neither may be used. (In place rather than returned: a frame may be 32 MiB.)
[[nodiscard]] bool open_frame(const crypto::AeadKey& key, std::uint64_t counter, const LengthBytes& length,
                              std::uint8_t& type, Bytes& payload);

}  // namespace jchain::p2p
