// The fast SM2 verifier (crypto/sm2_verify.h) against OpenSSL's (crypto/sm2.h): the same
// verdict on every input, or the chain accepts a signature OpenSSL refuses. Random keys,
// messages and signer IDs, each valid and then corrupted (r, s, message, key, ID); the
// GM/T 0003.5 example; edge scalars; keys at infinity, off the curve, or with coordinates
// of p or more; and the suite's path (crypto/suite.h), which now runs on the fast code.
//
// JCHAIN_SM2_DIFF_KEYS=N runs N random keys (7 verdicts each) instead of the default, the
// soak described in docs/encoding.md "SM2"; JCHAIN_SM2_DIFF_SEED fixes the seed of the
// messages, IDs and corruptions (OpenSSL's signing nonces stay random).
#include <doctest/doctest.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "crypto/sm2.h"
#include "crypto/sm2_verify.h"
#include "crypto/suite.h"

using namespace jchain;
using crypto::sm2::FastVerifier;

namespace {

const Bytes kN = *from_hex("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123");
const Bytes kP = *from_hex("fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff");

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// 32-byte big-endian a + b and a − b (mod 2^256).
Bytes add32(const Bytes& a, const Bytes& b) {
    Bytes out(32);
    unsigned carry = 0;
    for (int i = 31; i >= 0; --i) {
        const unsigned v = a[i] + b[i] + carry;
        out[i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    return out;
}
Bytes sub32(const Bytes& a, const Bytes& b) {
    Bytes out(32);
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        const int v = a[i] - b[i] - borrow;
        out[i] = static_cast<std::uint8_t>(v);
        borrow = v < 0;
    }
    return out;
}
Bytes small32(unsigned v) {
    Bytes out(32);
    out[31] = static_cast<std::uint8_t>(v);
    out[30] = static_cast<std::uint8_t>(v >> 8);
    return out;
}

// DER SEQUENCE { r, s } of two 32-byte big-endian integers (any value below 2^256).
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

// r || s of a DER signature as OpenSSL writes it.
Bytes rs_of(const Bytes& der) {
    Bytes out(64, 0);
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        const std::size_t len = der[i + 1];
        i += 2;
        const std::size_t n = len > 32 ? 32 : len;
        std::copy(der.begin() + static_cast<long>(i + len - n), der.begin() + static_cast<long>(i + len),
                  out.begin() + part * 32 + static_cast<long>(32 - n));
        i += len;
    }
    return out;
}

Bytes join(const Bytes& r, const Bytes& s) {
    Bytes out = r;
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

// OpenSSL's verdict and the fast one for the same inputs; the key is parsed by each.
struct Verdicts {
    bool openssl;
    bool fast;
};
Verdicts both(ByteSpan key, ByteSpan message, ByteSpan rs, std::string_view id) {
    const auto fast = FastVerifier::from(key);
    return {crypto::sm2_verify(key, message, der_of(rs), id), fast && fast->verify(message, rs, id)};
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::array<std::uint8_t, 32> scalar(unsigned v) {
    std::array<std::uint8_t, 32> d{};
    d[31] = static_cast<std::uint8_t>(v);
    return d;
}


// OpenSSL's own SM2 verification equation (ossl_sm2_internal_verify, which EVP does not
// expose with e given): r, s in [1, n-1]; t = (r + s) mod n != 0; (x1, y1) = s·G + t·P on
// OpenSSL's EC code; (e + x1) mod n == r. The oracle for signatures made for a chosen e.
bool openssl_verify_e(ByteSpan key, const crypto::Hash& e, ByteSpan rs) {
    EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_sm2);
    EC_POINT* p = EC_POINT_new(g);
    EC_POINT* sum = EC_POINT_new(g);
    BN_CTX* ctx = BN_CTX_new();
    BIGNUM *r = BN_bin2bn(rs.data(), 32, nullptr), *s = BN_bin2bn(rs.data() + 32, 32, nullptr);
    BIGNUM *t = BN_new(), *x1 = BN_new(), *ev = BN_bin2bn(e.data(), 32, nullptr);
    const BIGNUM* n = EC_GROUP_get0_order(g);
    bool ok = EC_POINT_oct2point(g, p, key.data(), key.size(), ctx) == 1 && !EC_POINT_is_at_infinity(g, p) &&
              BN_cmp(r, BN_value_one()) >= 0 && BN_cmp(s, BN_value_one()) >= 0 && BN_cmp(n, r) > 0 &&
              BN_cmp(n, s) > 0 && BN_mod_add(t, r, s, n, ctx) == 1 && !BN_is_zero(t) &&
              EC_POINT_mul(g, sum, s, p, t, ctx) == 1 &&
              EC_POINT_get_affine_coordinates(g, sum, x1, nullptr, ctx) == 1 &&
              BN_mod_add(t, ev, x1, n, ctx) == 1 && BN_cmp(t, r) == 0;
    BN_free(r), BN_free(s), BN_free(t), BN_free(x1), BN_free(ev);
    BN_CTX_free(ctx);
    EC_POINT_free(sum), EC_POINT_free(p);
    EC_GROUP_free(g);
    return ok;
}

// A key and an e for which (r, s) is a valid signature, for any chosen r, s in [1, n-1]
// with r + s != n: pick k, let x1 = x(k·G), e = r − x1 mod n and d = (k − s)/(r + s) mod n,
// so that s·G + (r + s)·d·G = k·G. nullopt when d falls outside [1, n-2] (retry).
struct Crafted {
    std::array<std::uint8_t, 33> key;
    crypto::Hash e;
};
std::optional<Crafted> craft(const Bytes& r_be, const Bytes& s_be, std::mt19937_64& rng) {
    std::array<std::uint8_t, 32> k{};
    for (auto& b : k) b = static_cast<std::uint8_t>(rng());
    const auto kg = crypto::sm2::public_from_private(k);
    if (!kg) return std::nullopt;
    BN_CTX* ctx = BN_CTX_new();
    BIGNUM *n = BN_bin2bn(kN.data(), 32, nullptr), *r = BN_bin2bn(r_be.data(), 32, nullptr),
           *s = BN_bin2bn(s_be.data(), 32, nullptr), *kb = BN_bin2bn(k.data(), 32, nullptr),
           *x1 = BN_bin2bn(kg->data() + 1, 32, nullptr), *e = BN_new(), *d = BN_new(), *tmp = BN_new();
    std::optional<Crafted> out;
    std::array<std::uint8_t, 32> d_be{};
    Crafted c{};
    if (BN_mod_sub(e, r, x1, n, ctx) == 1 && BN_mod_add(tmp, r, s, n, ctx) == 1 && !BN_is_zero(tmp) &&
        BN_mod_inverse(tmp, tmp, n, ctx) != nullptr && BN_mod_sub(d, kb, s, n, ctx) == 1 &&
        BN_mod_mul(d, d, tmp, n, ctx) == 1 && BN_bn2binpad(d, d_be.data(), 32) == 32 &&
        BN_bn2binpad(e, c.e.data(), 32) == 32) {
        if (auto pub = crypto::sm2::public_from_private(d_be)) {
            c.key = *pub;
            out = c;
        }
    }
    for (BIGNUM* b : {n, r, s, kb, x1, e, d, tmp}) BN_free(b);
    BN_CTX_free(ctx);
    return out;
}

}  // namespace

TEST_CASE("the fast verifier's curve is OpenSSL's SM2 curve") {
    // 1·G and 2·G as OpenSSL computes them parse to the same points here, both forms.
    for (unsigned d : {1u, 2u, 3u, 12345u}) {
        const auto compressed = *crypto::sm2::public_from_private(scalar(d));
        const auto full = crypto::sm2::decompress(compressed);
        const auto a = FastVerifier::from(compressed);
        const auto b = FastVerifier::from(full);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->point() == full);
        CHECK(b->point() == full);
    }
}

TEST_CASE("the fast verifier accepts GM/T 0003.5's example signature, and only with its ID and message") {
    const Bytes point = *from_hex("04"
                                  "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
                                  "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13");
    const Bytes rs = *from_hex("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
                               "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");
    const auto v = FastVerifier::from(point);
    REQUIRE(v);
    // ZA of the example (GM/T 0003.5 A.2, ID "1234567812345678").
    CHECK(to_hex(v->za("1234567812345678")) == "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3");
    CHECK(v->verify(bytes_of("message digest"), rs, "1234567812345678"));
    CHECK_FALSE(v->verify(bytes_of("message digesT"), rs, "1234567812345678"));
    CHECK_FALSE(v->verify(bytes_of("message digest"), rs, "8765432187654321"));
    Bytes bad = rs;
    bad[63] ^= 1;
    CHECK_FALSE(v->verify(bytes_of("message digest"), bad, "1234567812345678"));
    Bytes off_curve = point;
    off_curve[64] ^= 1;
    CHECK_FALSE(FastVerifier::from(off_curve));
}

TEST_CASE("the fast verifier and OpenSSL agree on random keys, messages and IDs, valid and corrupted") {
    const std::uint64_t keys = env_number("JCHAIN_SM2_DIFF_KEYS", 1000);
    const std::uint64_t seed = env_number("JCHAIN_SM2_DIFF_SEED", std::random_device{}());
    INFO("JCHAIN_SM2_DIFF_SEED=" << seed);
    std::mt19937_64 rng(seed);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t verdicts = 0, accepted = 0;
    for (std::uint64_t k = 0; k < keys; ++k) {
        const auto d = crypto::sm2::generate_private();
        const auto pub = *crypto::sm2::public_from_private(d);
        const auto full = crypto::sm2::decompress(pub);
        Bytes message(rng() % 160);
        for (auto& b : message) b = static_cast<std::uint8_t>(rng());
        std::string id = rng() % 4 == 0 ? std::string(crypto::sm2_default_id) : std::string(1 + rng() % 40, 'x');
        for (auto& c : id) c = static_cast<char>(rng());
        const Bytes rs = rs_of(crypto::sm2::sign(d, pub, message, id));
        const ByteSpan key = rng() % 2 ? ByteSpan(pub) : ByteSpan(full);

        auto check = [&](ByteSpan key_used, ByteSpan m, ByteSpan sig, std::string_view i, bool expect_valid) {
            const Verdicts v = both(key_used, m, sig, i);
            ++verdicts;
            accepted += v.openssl;
            if (v.openssl != v.fast || v.openssl != expect_valid) {
                FAIL_CHECK("disagreement: key " << to_hex(key_used) << " id " << to_hex(bytes_of(i)) << " message "
                                                << to_hex(m) << " rs " << to_hex(sig) << " openssl " << v.openssl
                                                << " fast " << v.fast);
            }
        };
        check(key, message, rs, id, true);
        Bytes r_bad = rs;
        r_bad[rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        check(key, message, r_bad, id, false);
        Bytes s_bad = rs;
        s_bad[32 + rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        check(key, message, s_bad, id, false);
        Bytes m_bad = message;
        if (m_bad.empty()) m_bad.push_back(0);
        else m_bad[rng() % m_bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        check(key, m_bad, rs, id, false);
        std::string id_bad = id;
        id_bad[rng() % id_bad.size()] ^= static_cast<char>(1u << (rng() % 8));
        check(key, message, rs, id_bad, false);
        // A bit of the key flipped: off the curve (or, rarely for 33 bytes, another point).
        auto key_bad = full;
        key_bad[1 + rng() % 64] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        check(key_bad, message, rs, id, false);
        auto other = pub;
        other[1 + rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        const Verdicts v = both(other, message, rs, id);  // another x: on the curve half the time
        CHECK(v.openssl == v.fast);
        CHECK_FALSE(v.fast);
        ++verdicts;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE(verdicts << " verdicts (" << accepted << " valid) over " << keys << " keys in " << seconds << " s, seed "
                     << seed);
}

TEST_CASE("edge scalars: r or s of 0, 1, n-1, n, n+1, 2^256-1, and r + s = n, refused by both") {
    const auto d = scalar(7);
    const auto pub = *crypto::sm2::public_from_private(d);
    const Bytes message = bytes_of("edge");
    const Bytes rs = rs_of(crypto::sm2::sign(d, pub, message, crypto::sm2_default_id));
    const Bytes r(rs.begin(), rs.begin() + 32), s(rs.begin() + 32, rs.end());
    const Bytes one = small32(1);
    const Bytes all_ones(32, 0xff);
    const std::vector<Bytes> edges = {small32(0), one, sub32(kN, one), kN, add32(kN, one), all_ones, kP};
    for (const Bytes& e : edges) {
        for (const Bytes& sig : {join(e, s), join(r, e), join(e, e)}) {
            const Verdicts v = both(pub, message, sig, crypto::sm2_default_id);
            CHECK(v.openssl == v.fast);
            CHECK_FALSE(v.fast);
        }
    }
    // t = r + s = n: refused before any point arithmetic (s·G + t·P would be s·G alone).
    const Bytes rs_n = join(r, sub32(kN, r));
    const Verdicts v = both(pub, message, rs_n, crypto::sm2_default_id);
    CHECK(v.openssl == v.fast);
    CHECK_FALSE(v.fast);
    // The valid one still verifies on both.
    const Verdicts ok = both(pub, message, rs, crypto::sm2_default_id);
    CHECK(ok.openssl);
    CHECK(ok.fast);
}

TEST_CASE("keys whose multiples meet in the ladder: d = 1, 2, 3, n-2, and the key -G") {
    // With P = ±G or a small multiple, s·G + t·P adds a point to itself or to its negation
    // inside the loop: the doubling and infinity branches of the addition.
    for (int round = 0; round < 50; ++round) {
        for (unsigned dv : {1u, 2u, 3u}) {
            const auto d = scalar(dv);
            const auto pub = *crypto::sm2::public_from_private(d);
            const Bytes message = small32(static_cast<unsigned>(round));
            const Bytes rs = rs_of(crypto::sm2::sign(d, pub, message, crypto::sm2_default_id));
            const Verdicts v = both(pub, message, rs, crypto::sm2_default_id);
            CHECK(v.openssl);
            CHECK(v.fast);
        }
    }
    std::array<std::uint8_t, 32> n_minus_2{};
    const Bytes nm2 = sub32(kN, small32(2));
    std::copy(nm2.begin(), nm2.end(), n_minus_2.begin());
    const auto pub = *crypto::sm2::public_from_private(n_minus_2);
    const Bytes rs = rs_of(crypto::sm2::sign(n_minus_2, pub, bytes_of("m"), "id"));
    CHECK(both(pub, bytes_of("m"), rs, "id").fast);
    CHECK(both(pub, bytes_of("m"), rs, "id").openssl);
    // −G: G with y negated (no signature can be made for it: 1 + d = n), checked to agree.
    auto minus_g = crypto::sm2::decompress(*crypto::sm2::public_from_private(scalar(1)));
    Bytes y(minus_g.begin() + 33, minus_g.end());
    y = sub32(kP, y);
    std::copy(y.begin(), y.end(), minus_g.begin() + 33);
    REQUIRE(FastVerifier::from(minus_g));
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
        Bytes sig(64);
        for (auto& b : sig) b = static_cast<std::uint8_t>(rng());
        sig[0] &= 0x7f;
        sig[32] &= 0x7f;
        const Verdicts v = both(minus_g, bytes_of("m"), sig, "id");
        CHECK(v.openssl == v.fast);
    }
}

TEST_CASE("key parsing is exactly as strict as OpenSSL's: infinity, off-curve, x or y of p or more, bad prefixes") {
    std::mt19937_64 rng(env_number("JCHAIN_SM2_DIFF_SEED", 11));
    auto same = [](ByteSpan key) {
        const auto openssl = crypto::sm2::compress(key);
        const auto fast = FastVerifier::from(key);
        CHECK_MESSAGE(openssl.has_value() == fast.has_value(), "key " << to_hex(key));
        if (openssl && fast) CHECK(crypto::sm2::decompress(*openssl) == fast->point());
    };
    // Infinity and other lengths.
    same(Bytes{0x00});
    same(Bytes(33, 0x00));
    same(Bytes(65, 0x00));
    Bytes inf65(65, 0x00);
    inf65[0] = 0x04;
    same(inf65);
    same(Bytes{});
    same(Bytes(32, 0x02));
    same(Bytes(64, 0x04));
    // Random x, both parities (about half are on the curve).
    for (int i = 0; i < 3000; ++i) {
        Bytes key(33);
        for (auto& b : key) b = static_cast<std::uint8_t>(rng());
        key[0] = static_cast<std::uint8_t>(0x02 + (rng() & 1));
        same(key);
    }
    // x = p, p + 1, 2^256 − 1, 0 in the compressed form; x or y ≥ p in the uncompressed.
    const auto g = crypto::sm2::decompress(*crypto::sm2::public_from_private(scalar(1)));
    for (const Bytes& x : {kP, add32(kP, small32(1)), Bytes(32, 0xff), small32(0), small32(1), sub32(kP, small32(1))}) {
        for (std::uint8_t prefix : {0x02, 0x03}) {
            Bytes key{prefix};
            key.insert(key.end(), x.begin(), x.end());
            same(key);
        }
        Bytes key(g.begin(), g.end());
        std::copy(x.begin(), x.end(), key.begin() + 1);
        same(key);
        key.assign(g.begin(), g.end());
        std::copy(x.begin(), x.end(), key.begin() + 33);
        same(key);
    }
    // G's coordinates plus p (still below 2^256 only if small, so here: y + p wraps; the
    // point (x, y − p) does not exist) and every other prefix byte on G.
    for (unsigned prefix = 0; prefix < 256; ++prefix) {
        Bytes key(g.begin(), g.end());
        key[0] = static_cast<std::uint8_t>(prefix);
        same(key);
        Bytes compressed(key.begin(), key.begin() + 33);
        same(compressed);
    }
    // Random 65-byte points off the curve, and bit flips of valid ones.
    for (int i = 0; i < 2000; ++i) {
        auto key = crypto::sm2::decompress(*crypto::sm2::public_from_private(scalar(static_cast<unsigned>(i + 1))));
        key[1 + rng() % 64] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        same(key);
    }
}

TEST_CASE("signer IDs: empty, long, and past ENTL's 16 bits agree with OpenSSL") {
    const auto d = crypto::sm2::generate_private();
    const auto pub = *crypto::sm2::public_from_private(d);
    const Bytes message = bytes_of("ids");
    for (std::size_t len : {std::size_t{1}, std::size_t{64}, std::size_t{8190}}) {
        const std::string id(len, 'i');
        const Bytes rs = rs_of(crypto::sm2::sign(d, pub, message, id));
        const Verdicts v = both(pub, message, rs, id);
        CHECK(v.openssl);
        CHECK(v.fast);
    }
    // OpenSSL refuses an ID of 8191 bytes or more (ENTL must stay below 2^16 − 8).
    const Bytes rs = rs_of(crypto::sm2::sign(d, pub, message, "x"));
    for (std::size_t len : {std::size_t{0}, std::size_t{8191}, std::size_t{9000}}) {
        const Verdicts v = both(pub, message, rs, std::string(len, 'i'));
        CHECK(v.openssl == v.fast);
        CHECK_FALSE(v.fast);
    }
}

TEST_CASE("the suite's verify (the fast path) agrees with OpenSSL on digests signed by the suite") {
    std::mt19937_64 rng(env_number("JCHAIN_SM2_DIFF_SEED", 5));
    for (const std::string& id : {std::string(crypto::Suite::sm2_default_user_id), std::string("court-7")}) {
        const crypto::Suite suite = crypto::Suite::sm2_sm3(id);
        for (int i = 0; i < 200; ++i) {
            const crypto::KeyPair key = suite.generate_key();
            crypto::Hash digest;
            for (auto& b : digest) b = static_cast<std::uint8_t>(rng());
            crypto::Signature sig = suite.sign(key, digest);
            CHECK(suite.verify(key.public_key, digest, sig));
            CHECK(crypto::sm2_verify(key.public_key.bytes, digest, suite.signature_to_der(sig), id));
            crypto::Signature bad = sig;
            bad.bytes[rng() % 64] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            const bool openssl = crypto::sm2_verify(key.public_key.bytes, digest, der_of(bad.bytes), id);
            CHECK(suite.verify(key.public_key, digest, bad) == openssl);
            CHECK_FALSE(openssl);
            crypto::Hash other = digest;
            other[0] ^= 1;
            CHECK_FALSE(suite.verify(key.public_key, other, sig));
            const crypto::Suite other_id = crypto::Suite::sm2_sm3(id + "x");
            CHECK_FALSE(other_id.verify(key.public_key, digest, sig));
        }
    }
}

TEST_CASE("valid signatures with edge scalars (r, s of 1 and n-1), and the same plus n, against OpenSSL's equation") {
    // Crafted for a chosen e (see craft): the only way to make s = 1 valid. s + n and r + n
    // still fit in 256 bits for small s or r; a verifier without the range check would
    // accept them, since s·G = (s + n)·G.
    std::mt19937_64 rng(env_number("JCHAIN_SM2_DIFF_SEED", 3));
    const Bytes one = small32(1), two = small32(2), n1 = sub32(kN, one);
    const std::vector<std::pair<Bytes, Bytes>> cases = {{one, one}, {one, n1}, {n1, one}, {n1, two}, {two, n1}};
    for (const auto& [r, s] : cases) {
        for (int tries = 0, made = 0; made < 10 && tries < 100; ++tries) {
            const auto c = craft(r, s, rng);
            if (!c) continue;
            ++made;
            const auto v = FastVerifier::from(c->key);
            REQUIRE(v);
            const Bytes rs = join(r, s);
            CHECK(openssl_verify_e(v->point(), c->e, rs));
            CHECK(v->verify_e(c->e, rs));
            for (const Bytes& sig : {join(add32(r, kN), s), join(r, add32(s, kN)), join(r, sub32(s, one))}) {
                CHECK_FALSE(openssl_verify_e(v->point(), c->e, sig));
                CHECK_FALSE(v->verify_e(c->e, sig));
            }
        }
    }
    // r + s = n with e chosen so that (e + x(s·G)) mod n == r: the equation holds with
    // t = 0 (s·G + 0·P), so only the t != 0 check refuses it.
    for (int i = 0; i < 20; ++i) {
        std::array<std::uint8_t, 32> sv{};
        for (auto& b : sv) b = static_cast<std::uint8_t>(rng());
        sv[0] &= 0x7f;
        const auto sg = crypto::sm2::public_from_private(sv);
        if (!sg) continue;
        const Bytes s(sv.begin(), sv.end()), r = sub32(kN, s);
        const Bytes x1(sg->begin() + 1, sg->end());
        Bytes e = sub32(r, x1);                    // r − x1, and + n when that borrowed:
        if (r < x1) e = add32(e, kN);             // r − x1 mod n (x1 < n but for ~2^-128)
        crypto::Hash eh;
        std::copy(e.begin(), e.end(), eh.begin());
        const auto key = crypto::sm2::public_from_private(scalar(static_cast<unsigned>(i + 5)));
        const auto v = FastVerifier::from(*key);
        CHECK_FALSE(openssl_verify_e(v->point(), eh, join(r, s)));
        CHECK_FALSE(v->verify_e(eh, join(r, s)));
    }
    // Random r, s through the same construction, both forms of the key.
    for (int i = 0; i < 300; ++i) {
        Bytes r(32), s(32);
        for (auto& b : r) b = static_cast<std::uint8_t>(rng());
        for (auto& b : s) b = static_cast<std::uint8_t>(rng());
        r[0] &= 0x7f;
        s[0] &= 0x7f;
        const auto c = craft(r, s, rng);
        if (!c) continue;
        const auto v = FastVerifier::from(c->key);
        REQUIRE(v);
        CHECK(openssl_verify_e(v->point(), c->e, join(r, s)));
        CHECK(v->verify_e(c->e, join(r, s)));
        crypto::Hash e2 = c->e;
        e2[31] ^= 1;
        CHECK_FALSE(v->verify_e(e2, join(r, s)));
        CHECK_FALSE(openssl_verify_e(v->point(), e2, join(r, s)));
    }
}
