#include "p2p/handshake.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <span>

namespace jchain::p2p {
namespace {

// Domain strings of the v2 handshake (docs/p2p.md): the transcript hash, the signed auth
// digest, and the HKDF info of the session keys.
constexpr std::string_view transcript_domain = "jchain/p2p-handshake/v2";
constexpr std::string_view auth_domain = "jchain/p2p-auth/v2";
constexpr std::string_view session_key_info = "jchain/p2p/v2 keys";

}  // namespace

Bytes hello_payload(std::string_view chain_id, const crypto::PublicKey& key, const crypto::PublicKey& ephemeral) {
    ByteWriter hello;
    hello.u32(hello_magic);
    hello.u16(hello_version);
    hello.str(chain_id);
    hello.fixed(key.bytes);
    hello.fixed(ephemeral.bytes);
    return std::move(hello).take();
}

Result<Hello> parse_hello(const crypto::Suite& suite, ByteSpan payload, std::string_view chain_id) {
    ByteReader r(payload);
    const auto magic = r.u32();
    const auto version = r.u16();
    if (!magic || !version) return Status::error("malformed hello");
    if (*magic != hello_magic || *version != hello_version) return Status::error("unknown protocol or version");
    auto their_chain_id = r.str(chain_id_bytes_max);
    const auto key_bytes = r.fixed<33>();
    const auto ephemeral_bytes = r.fixed<33>();
    if (!their_chain_id || !key_bytes || !ephemeral_bytes || !r.done()) return Status::error("malformed hello");
    if (*their_chain_id != chain_id) return Status::error("other chain id");
    const auto key = suite.parse_public_key(*key_bytes);
    if (!key || key->bytes != *key_bytes)
        return Status::error("wrong_suite: the node key is not a " + std::string(suite.key_type()) + " key");
    // The ephemeral key agreement is secp256k1 ECDH in every suite (docs/p2p.md).
    const auto ephemeral = crypto::secp256k1::parse_public_key(*ephemeral_bytes);
    if (!ephemeral || ephemeral->bytes != *ephemeral_bytes) return Status::error("invalid ephemeral key");
    return Hello{std::move(*their_chain_id), *key, *ephemeral};
}

crypto::Hash transcript_hash(const crypto::Suite& suite, std::string_view chain_id, ByteSpan initiator_hello, ByteSpan responder_hello) {
    ByteWriter w;
    w.str(transcript_domain);
    w.str(chain_id);
    w.var(initiator_hello);
    w.var(responder_hello);
    return suite.hash(w.bytes());
}

Result<SessionKeys> session_keys(const crypto::SharedSecret& secret, const crypto::Hash& transcript) {
    auto okm = crypto::hkdf_sha256(secret, transcript, as_bytes(session_key_info), 64);
    if (!okm) return okm.status();
    SessionKeys keys;
    std::copy_n(okm->begin(), 32, keys.initiator_to_responder.begin());
    std::copy_n(okm->begin() + 32, 32, keys.responder_to_initiator.begin());
    OPENSSL_cleanse(okm->data(), okm->size());
    return keys;
}

crypto::Hash auth_digest(const crypto::Suite& suite, const crypto::Hash& transcript, std::uint8_t role) {
    ByteWriter w;
    w.str(auth_domain);
    w.fixed(transcript);
    w.u8(role);
    return suite.hash(w.bytes());
}

Status check_auth(const crypto::Suite& suite, ByteSpan payload, const crypto::PublicKey& peer_key, const crypto::Hash& transcript,
                  std::uint8_t peer_role) {
    const auto sig = suite.signature_from_compact(payload);
    if (!sig) return Status::error("malformed signature");
    if (!suite.verify(peer_key, auth_digest(suite, transcript, peer_role), *sig))
        return Status::error("bad handshake signature");
    return Status::ok();
}

std::uint32_t frame_length(const LengthBytes& b) {
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

LengthBytes length_header(std::uint32_t length) {
    return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
            static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

std::optional<std::string> frame_length_problem(std::uint32_t length, bool sealed, bool established,
                                                std::size_t frame_bytes_max) {
    // The first frame, the hello, is plaintext; every later one is sealed (type and
    // payload, then the tag), and frame_bytes_max bounds its plaintext. An
    // unauthenticated peer gets no more than a handshake needs.
    const std::size_t limit = established ? frame_bytes_max + tag_bytes : std::size_t{handshake_frame_bytes_max};
    if (length == 0) return "empty frame";
    if (sealed && length < 1 + tag_bytes) return "sealed frame shorter than a type and a tag";
    if (length > limit) return "frame of " + std::to_string(length) + " bytes is over the limit";
    return std::nullopt;
}

crypto::AeadNonce frame_nonce(std::uint64_t counter) {
    crypto::AeadNonce nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * (7 - i)));
    return nonce;
}

void put_hello_frame(ByteSpan payload, Bytes& buffer) {
    buffer.resize(frame_length_bytes + 1 + payload.size());
    const auto header = length_header(static_cast<std::uint32_t>(1 + payload.size()));
    std::copy(header.begin(), header.end(), buffer.begin());
    buffer[frame_length_bytes] = frame_hello;
    std::copy(payload.begin(), payload.end(), buffer.begin() + frame_length_bytes + 1);
}

Status put_sealed_frame(const crypto::AeadKey& key, std::uint64_t counter, std::uint8_t type, ByteSpan payload,
                        Bytes& buffer) {
    const std::size_t plaintext_bytes = 1 + payload.size();
    buffer.resize(frame_length_bytes + plaintext_bytes + tag_bytes);
    const auto header = length_header(static_cast<std::uint32_t>(plaintext_bytes + tag_bytes));
    std::copy(header.begin(), header.end(), buffer.begin());
    buffer[frame_length_bytes] = type;
    std::copy(payload.begin(), payload.end(), buffer.begin() + frame_length_bytes + 1);
    const auto tag = crypto::seal_in_place(key, frame_nonce(counter), ByteSpan(buffer).first(frame_length_bytes),
                                           {std::span(buffer).subspan(frame_length_bytes, plaintext_bytes)});
    if (!tag) return Status::error("cannot seal a frame: " + tag.message());
    std::copy(tag->begin(), tag->end(), buffer.end() - tag_bytes);
    return Status::ok();
}

bool open_frame(const crypto::AeadKey& key, std::uint64_t counter, const LengthBytes& length, std::uint8_t& type,
                Bytes& payload) {
    if (payload.size() < tag_bytes) return false;
    crypto::AeadTag tag{};
    const std::size_t body = payload.size() - tag_bytes;
    std::copy(payload.end() - tag_bytes, payload.end(), tag.begin());
    if (!crypto::open_in_place(key, frame_nonce(counter), length, {std::span(&type, 1), std::span(payload.data(), body)},
                               tag))
        return false;
    payload.resize(body);
    return true;
}

}  // namespace jchain::p2p
