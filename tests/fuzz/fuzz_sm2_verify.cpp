// The fast SM2 verifier (crypto/sm2_verify.h) against OpenSSL's (crypto/sm2.h): any input
// on which their verdicts differ, or on which they parse a key differently, aborts.
//
// Random bytes almost never make a valid signature, so the input mostly chooses how one
// is made: byte 0 picks the key form and a corruption; the next 32 bytes are the private
// key d (or, when d is not one, the x of a compressed key to parse), the next 32 the
// nonce k, then one byte of ID length, the ID, and the message. The signature is made
// here, deterministically, with OpenSSL's bignums: (x1, y1) = k·G, r = (e + x1) mod n,
// s = (1 + d)^-1 (k − r·d) mod n; then corrupted as byte 0 says (a bit of r or s, s =
// n − r, r or s out of range, a bit of the key, the ID or the message).
#include <openssl/bn.h>

#include <memory>
#include <string>

#include "crypto/sm2.h"
#include "crypto/sm2_verify.h"
#include "fuzz_support.h"

using namespace jchain;

namespace {

struct BnFree {
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn bn(ByteSpan be) { return Bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr)); }
Bn bn_new() { return Bn(BN_new()); }

void put32(const BIGNUM* v, std::uint8_t* out) { FUZZ_CHECK(BN_bn2binpad(v, out, 32) == 32); }

Bytes der_of(ByteSpan rs) {
    Bytes body;
    for (int part = 0; part < 2; ++part) {
        const std::uint8_t* v = rs.data() + 32 * part;
        std::size_t skip = 0;
        while (skip < 31 && v[skip] == 0) ++skip;
        const bool pad = v[skip] & 0x80;
        body.push_back(0x02);
        body.push_back(static_cast<std::uint8_t>(32 - skip + pad));
        if (pad) body.push_back(0);
        body.insert(body.end(), v + skip, v + 32);
    }
    body.insert(body.begin(), {0x30, static_cast<std::uint8_t>(body.size())});
    return body;
}

const Bytes& order_bytes() {
    static const Bytes n = *from_hex("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123");
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 + 64 + 1) return 0;
    const std::uint8_t mode = data[0];
    std::array<std::uint8_t, 32> d{}, k{};
    std::copy(data + 1, data + 33, d.begin());
    std::copy(data + 33, data + 65, k.begin());
    const std::size_t id_len = std::min<std::size_t>(data[65], size - 66);
    std::string id(reinterpret_cast<const char*>(data + 66), id_len);
    if (id.empty()) id = std::string(crypto::sm2_default_id);
    Bytes message(data + 66 + id_len, data + size);

    // The key: d·G when d is a private key, else 02/03 || d as bytes to parse.
    Bytes key;
    const auto pub = crypto::sm2::public_from_private(d);
    if (pub) {
        if (mode & 1) {
            const auto full = crypto::sm2::decompress(*pub);
            key.assign(full.begin(), full.end());
        } else {
            key.assign(pub->begin(), pub->end());
        }
    } else {
        key.push_back(static_cast<std::uint8_t>(0x02 | (mode & 1)));
        key.insert(key.end(), d.begin(), d.end());
    }
    const auto fast_key = crypto::sm2::FastVerifier::from(key);
    FUZZ_CHECK(fast_key.has_value() == crypto::sm2::compress(key).has_value());

    // The signature: made from d and k when both are usable, else k || d as r || s.
    Bytes rs(64);
    std::copy(k.begin(), k.end(), rs.begin());
    std::copy(d.begin(), d.end(), rs.begin() + 32);
    const auto kg = crypto::sm2::public_from_private(k);
    if (pub && kg && fast_key) {
        const crypto::Hash za = fast_key->za(id);
        Bytes za_m(za.begin(), za.end());
        za_m.insert(za_m.end(), message.begin(), message.end());
        const crypto::Hash e = crypto::sm3(za_m);
        Bn n = bn(order_bytes()), bd = bn(d), bk = bn(k), be = bn(e), x1 = bn(ByteSpan(kg->data() + 1, 32));
        Bn r = bn_new(), s = bn_new(), tmp = bn_new(), inv = bn_new();
        std::unique_ptr<BN_CTX, BnFree> ctx(BN_CTX_new());
        FUZZ_CHECK(BN_mod_add(r.get(), be.get(), x1.get(), n.get(), ctx.get()) == 1);
        FUZZ_CHECK(BN_copy(tmp.get(), bd.get()) && BN_add_word(tmp.get(), 1) == 1);
        FUZZ_CHECK(BN_mod_inverse(inv.get(), tmp.get(), n.get(), ctx.get()) != nullptr);
        FUZZ_CHECK(BN_mod_mul(tmp.get(), r.get(), bd.get(), n.get(), ctx.get()) == 1);
        FUZZ_CHECK(BN_mod_sub(tmp.get(), bk.get(), tmp.get(), n.get(), ctx.get()) == 1);
        FUZZ_CHECK(BN_mod_mul(s.get(), inv.get(), tmp.get(), n.get(), ctx.get()) == 1);
        put32(r.get(), rs.data());
        put32(s.get(), rs.data() + 32);
    }

    // The corruption.
    const std::size_t at = k[31] % 32;
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << (k[30] % 8));
    switch ((mode >> 1) % 10) {
        case 0: break;
        case 1: rs[at] ^= bit; break;
        case 2: rs[32 + at] ^= bit; break;
        case 3: {  // s = n − r: t = 0
            Bn n = bn(order_bytes()), r = bn(ByteSpan(rs.data(), 32)), s = bn_new();
            if (BN_cmp(r.get(), n.get()) < 0 && BN_sub(s.get(), n.get(), r.get()) == 1) put32(s.get(), rs.data() + 32);
            break;
        }
        case 4: std::copy(order_bytes().begin(), order_bytes().end(), rs.begin() + (k[29] & 1) * 32); break;
        case 5: std::fill(rs.begin() + (k[29] & 1) * 32, rs.begin() + (k[29] & 1) * 32 + 32, 0); break;
        case 6: key[1 + k[31] % (key.size() - 1)] ^= bit; break;
        case 7: id[at % id.size()] ^= static_cast<char>(bit); break;
        case 8: message.push_back(bit); break;
        case 9: key[0] ^= bit; break;
    }

    const auto fast = crypto::sm2::FastVerifier::from(key);
    FUZZ_CHECK(fast.has_value() == crypto::sm2::compress(key).has_value());
    const bool fast_ok = fast && fast->verify(message, rs, id);
    const bool openssl_ok = crypto::sm2_verify(key, message, der_of(rs), id);
    if (fast_ok != openssl_ok) {
        std::fprintf(stderr, "verdicts differ: fast %d openssl %d\nkey %s\nrs %s\nid %s\nmessage %s\n", fast_ok,
                     openssl_ok, to_hex(key).c_str(), to_hex(rs).c_str(), to_hex(Bytes(id.begin(), id.end())).c_str(),
                     to_hex(message).c_str());
        FUZZ_CHECK(fast_ok == openssl_ok);
    }
    return 0;
}
