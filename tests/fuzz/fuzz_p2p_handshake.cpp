// The peer link as a responder reads it off the wire (p2p/handshake.h, docs/p2p.md):
// the input is the byte stream a dialling peer sends. Frames are cut by their length
// (frame_length_problem), the first must be a hello (parse_hello), then the key schedule
// runs (ECDH with our fixed ephemeral key, th, HKDF), every later frame is opened with
// the next counter (open_frame), the first of them must be an auth (check_auth) and
// the rest are pings or caller frames. Our end uses the keys of the test vector in
// docs/p2p.md (static scalar 2, ephemeral scalar 4, chain "jchain-test"), so a seed
// holding the vector's initiator bytes gets through the whole handshake and the fuzzer
// mutates from there. Checks: a hello that parses re-encodes to its payload; a parsed
// key always works for ECDH; our own auth over the same th passes check_auth; no frame
// is used before it authenticates.
#include "fuzz_support.h"
#include "p2p/handshake.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace jchain::p2p;

namespace {

struct Responder {
    std::string chain_id = "jchain-test";
    crypto::KeyPair key = test::key_from_scalar(2);
    crypto::KeyPair ephemeral = test::key_from_scalar(4);
    Bytes hello = hello_payload(chain_id, key.public_key, ephemeral.public_key);
};

// Small, so that the fuzzer can reach the limit; the node's is 32 MiB.
constexpr std::size_t fuzz_frame_bytes_max = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Responder us;
    const ByteSpan in = fuzz::span_of(data, size);
    bool hello_received = false, established = false;
    crypto::PublicKey peer_key;
    crypto::Hash transcript{};
    crypto::AeadKey receive_key{};
    std::uint64_t receive_counter = 0;
    std::size_t pos = 0;
    while (in.size() - pos >= frame_length_bytes) {
        LengthBytes length_bytes{};
        std::copy_n(in.begin() + pos, frame_length_bytes, length_bytes.begin());
        pos += frame_length_bytes;
        const std::uint32_t length = frame_length(length_bytes);
        if (frame_length_problem(length, /*sealed=*/hello_received, established, fuzz_frame_bytes_max)) break;
        FUZZ_CHECK(length >= 1);
        FUZZ_CHECK(length <= (established ? fuzz_frame_bytes_max + tag_bytes : handshake_frame_bytes_max));
        if (in.size() - pos < length) break;  // the peer is still sending
        std::uint8_t type = in[pos];
        Bytes payload(in.begin() + pos + 1, in.begin() + pos + length);
        pos += length;
        if (hello_received) {
            FUZZ_CHECK(payload.size() >= tag_bytes);
            if (!open_frame(receive_key, receive_counter, length_bytes, type, payload)) break;
            ++receive_counter;
        }
        if (!hello_received) {
            if (type != frame_hello) break;
            auto hello = parse_hello(default_suite, payload, us.chain_id);
            if (!hello) break;
            FUZZ_CHECK(hello->chain_id == us.chain_id);
            FUZZ_CHECK(hello_payload(hello->chain_id, hello->key, hello->ephemeral) == payload);
            if (hello->key == us.key.public_key || hello->ephemeral == us.ephemeral.public_key) break;
            auto secret = crypto::ecdh(us.ephemeral.private_key, hello->ephemeral);
            FUZZ_CHECK(secret);  // a parsed key is a valid point
            transcript = transcript_hash(default_suite, us.chain_id, /*initiator_hello=*/payload, /*responder_hello=*/us.hello);
            auto keys = session_keys(*secret, transcript);
            FUZZ_CHECK(keys);
            receive_key = keys->initiator_to_responder;
            peer_key = hello->key;
            hello_received = true;
            // Our auth, as the peer will check it.
            const auto sig = default_suite.sign(us.key, auth_digest(default_suite, transcript, role_responder));
            FUZZ_CHECK(check_auth(default_suite, sig.bytes, us.key.public_key, transcript, role_responder));
            FUZZ_CHECK(!check_auth(default_suite, sig.bytes, us.key.public_key, transcript, role_initiator));
            continue;
        }
        if (!established) {
            if (type != frame_auth) break;
            if (!check_auth(default_suite, payload, peer_key, transcript, role_initiator)) break;
            established = true;
            continue;
        }
        if (type == frame_ping) continue;
        if (type >= frame_internal_min) break;
        // A caller frame: handed to the node (tests/fuzz has a target for each payload).
    }
    return 0;
}
