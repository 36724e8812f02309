// Sealed frames (p2p/handshake.h, docs/p2p.md "Frames"). Input: u64 counter, a type
// byte, a u16 position, then a payload. Checks: put_sealed_frame's frame has the length
// docs/p2p.md gives and passes frame_length_problem; open_frame opens it to the same type
// and payload; one flipped bit anywhere in it (length, type, ciphertext or tag), or the
// wrong counter, makes it fail; put_hello_frame lays out length, 0xF0 and the payload.
// The raw input is also opened as if read off the wire (never authenticates, must not
// crash).
#include "fuzz_support.h"
#include "p2p/handshake.h"

using namespace jchain;
using namespace jchain::p2p;

namespace {

// k_ir of the test vector in docs/p2p.md.
const crypto::AeadKey key = [] {
    crypto::AeadKey k{};
    const auto bytes = from_hex("89648de4feecbc63b57d2672d3ca9a24c430f018d1b7acb96eb299af415f5565");
    std::copy(bytes->begin(), bytes->end(), k.begin());
    return k;
}();

struct Split {
    LengthBytes length{};
    std::uint8_t type = 0;
    Bytes payload;
};

Split split(const Bytes& frame) {
    Split s;
    std::copy_n(frame.begin(), frame_length_bytes, s.length.begin());
    s.type = frame[frame_length_bytes];
    s.payload.assign(frame.begin() + frame_length_bytes + 1, frame.end());
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ByteReader r(fuzz::span_of(data, size));
    const auto counter = r.u64();
    const auto type = r.u8();
    const auto flip = r.u16();
    if (!counter || !type || !flip) return 0;
    const ByteSpan payload = fuzz::span_of(data, size).subspan(size - r.remaining());

    // Anything read off the wire after the hello goes through open_frame.
    {
        Split wire;
        const ByteSpan all = fuzz::span_of(data, size);
        std::copy_n(all.begin(), frame_length_bytes, wire.length.begin());
        wire.type = all[frame_length_bytes];
        wire.payload.assign(all.begin() + frame_length_bytes + 1, all.end());
        (void)open_frame(key, *counter, wire.length, wire.type, wire.payload);
    }

    Bytes frame;
    FUZZ_CHECK(put_sealed_frame(key, *counter, *type, payload, frame));
    FUZZ_CHECK(frame.size() == frame_overhead_bytes + payload.size());
    Split s = split(frame);
    const std::uint32_t length = frame_length(s.length);
    FUZZ_CHECK(length == 1 + payload.size() + tag_bytes);
    FUZZ_CHECK(!frame_length_problem(length, /*sealed=*/true, /*established=*/true, 1 + payload.size()));
    FUZZ_CHECK(frame_length_problem(length, /*sealed=*/true, /*established=*/true, payload.size()));
    FUZZ_CHECK(open_frame(key, *counter, s.length, s.type, s.payload));
    FUZZ_CHECK(s.type == *type);
    FUZZ_CHECK(s.payload.size() == payload.size() && std::equal(payload.begin(), payload.end(), s.payload.begin()));

    Bytes bent = frame;
    const std::size_t bit = *flip % (bent.size() * 8);
    bent[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    Split b = split(bent);
    FUZZ_CHECK(!open_frame(key, *counter, b.length, b.type, b.payload));
    Split again = split(frame);
    FUZZ_CHECK(!open_frame(key, *counter + 1, again.length, again.type, again.payload));

    if (payload.size() + 1 <= handshake_frame_bytes_max) {
        Bytes hello;
        put_hello_frame(payload, hello);
        Split h = split(hello);
        FUZZ_CHECK(frame_length(h.length) == 1 + payload.size());
        FUZZ_CHECK(!frame_length_problem(frame_length(h.length), /*sealed=*/false, /*established=*/false, 0));
        FUZZ_CHECK(h.type == frame_hello);
        FUZZ_CHECK(h.payload.size() == payload.size() && std::equal(payload.begin(), payload.end(), h.payload.begin()));
    }
    return 0;
}
