#include "crypto/sm2.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace jchain::crypto {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(BIGNUM* p) const { BN_clear_free(p); }
    void operator()(BN_CTX* p) const { BN_CTX_free(p); }
    void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

bool is_sm2(const EVP_PKEY* key) {
    char group[64] = {};
    std::size_t len = 0;
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
           std::string_view(group, len) == "SM2";
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// A digest-sign or -verify context for SM2 with SM3 and the signer ID set, as SM2(7)
// describes: the ID must be on the key context before the digest context is started.
// EVP_MD_CTX_set_pkey_ctx does not hand the key context over (EVP_MD_CTX_free leaves it),
// so both live here; members are destroyed in reverse order, the digest context first.
struct Sm2Context {
    Owned<EVP_PKEY_CTX> pctx;
    Owned<EVP_MD_CTX> mctx;
    EVP_MD_CTX* get() const { return mctx.get(); }
    explicit operator bool() const { return mctx != nullptr; }
};

Sm2Context sm2_context(EVP_PKEY* key, std::string_view id, bool signing) {
    Sm2Context c{Owned<EVP_PKEY_CTX>(EVP_PKEY_CTX_new(key, nullptr)), Owned<EVP_MD_CTX>(EVP_MD_CTX_new())};
    if (!c.pctx || !c.mctx || EVP_PKEY_CTX_set1_id(c.pctx.get(), id.data(), id.size()) != 1) {
        c.mctx.reset();
        return c;
    }
    EVP_MD_CTX_set_pkey_ctx(c.mctx.get(), c.pctx.get());
    const int ok = signing ? EVP_DigestSignInit(c.mctx.get(), nullptr, EVP_sm3(), nullptr, key)
                           : EVP_DigestVerifyInit(c.mctx.get(), nullptr, EVP_sm3(), nullptr, key);
    if (ok != 1) c.mctx.reset();
    return c;
}

[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "fatal: %s\n", what);
    std::abort();
}

// The SM2 curve, built once and never freed (used from any thread, read-only).
const EC_GROUP* group() {
    static const EC_GROUP* g = [] {
        EC_GROUP* made = EC_GROUP_new_by_curve_name(NID_sm2);
        if (made == nullptr) fatal("OpenSSL has no SM2 curve");
        return made;
    }();
    return g;
}

const BIGNUM* order() { return EC_GROUP_get0_order(group()); }

Owned<BIGNUM> bn(ByteSpan big_endian) {
    return Owned<BIGNUM>(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
}

// The point as OpenSSL holds it, or null when the bytes are not a point of the curve.
Owned<EC_POINT> to_point(ByteSpan sec1) {
    if (!((sec1.size() == 33 && (sec1[0] == 0x02 || sec1[0] == 0x03)) || (sec1.size() == 65 && sec1[0] == 0x04)))
        return nullptr;
    Owned<EC_POINT> p(EC_POINT_new(group()));
    if (!p || EC_POINT_oct2point(group(), p.get(), sec1.data(), sec1.size(), nullptr) != 1 ||
        EC_POINT_is_at_infinity(group(), p.get()) || EC_POINT_is_on_curve(group(), p.get(), nullptr) != 1)
        return nullptr;
    return p;
}

template <std::size_t N>
std::array<std::uint8_t, N> encode(const EC_POINT* p) {
    std::array<std::uint8_t, N> out{};
    const auto form = N == 33 ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED;
    if (EC_POINT_point2oct(group(), p, form, out.data(), out.size(), nullptr) != N) fatal("SM2 point encoding");
    return out;
}

// An OpenSSL SM2 key from raw parts: the public point, and the private scalar if given.
Owned<EVP_PKEY> make_key(ByteSpan point, const std::array<std::uint8_t, 32>* d) {
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    Owned<BIGNUM> priv = d ? bn(*d) : nullptr;
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1 ||
        (d && (!priv || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1)))
        return nullptr;
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    Owned<EVP_PKEY_CTX> fctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !fctx || EVP_PKEY_fromdata_init(fctx.get()) != 1 ||
        EVP_PKEY_fromdata(fctx.get(), &raw, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return Owned<EVP_PKEY>(raw);
}

}  // namespace

namespace sm2 {

bool in_order_range(ByteSpan x) {
    Owned<BIGNUM> v = bn(x);
    return v && !BN_is_zero(v.get()) && BN_cmp(v.get(), order()) < 0;
}

std::optional<std::array<std::uint8_t, 33>> public_from_private(const std::array<std::uint8_t, 32>& d) {
    Owned<BIGNUM> scalar = bn(d);
    Owned<BIGNUM> limit(BN_dup(order()));
    if (!scalar || !limit || BN_sub_word(limit.get(), 1) != 1) fatal("SM2 bignum");
    // d in [1, n-2]: d < n - 1.
    if (BN_is_zero(scalar.get()) || BN_cmp(scalar.get(), limit.get()) >= 0) return std::nullopt;
    Owned<EC_POINT> p(EC_POINT_new(group()));
    if (!p || EC_POINT_mul(group(), p.get(), scalar.get(), nullptr, nullptr, nullptr) != 1) fatal("SM2 d*G");
    return encode<33>(p.get());
}

std::optional<std::array<std::uint8_t, 33>> compress(ByteSpan sec1) {
    Owned<EC_POINT> p = to_point(sec1);
    if (!p) return std::nullopt;
    return encode<33>(p.get());
}

std::array<std::uint8_t, 65> decompress(const std::array<std::uint8_t, 33>& point) {
    Owned<EC_POINT> p = to_point(point);
    if (!p) fatal("decompress: not an SM2 point");
    return encode<65>(p.get());
}

std::array<std::uint8_t, 32> generate_private() {
    std::array<std::uint8_t, 32> d{};
    do {
        if (RAND_bytes(d.data(), static_cast<int>(d.size())) != 1) fatal("RAND_bytes failed");
    } while (!public_from_private(d));
    return d;
}

Bytes sign(const std::array<std::uint8_t, 32>& d, const std::array<std::uint8_t, 33>& point, ByteSpan message,
           std::string_view id) {
    Owned<EVP_PKEY> key = make_key(point, &d);
    if (!key) fatal("SM2 signing key refused: a KeyPair that is not one is a bug");
    auto ctx = sm2_context(key.get(), id, true);
    if (!ctx) fatal("SM2 signing context");
    Bytes der(80);
    std::size_t len = der.size();
    if (EVP_DigestSign(ctx.get(), der.data(), &len, message.data(), message.size()) != 1) fatal("SM2 signing failed");
    der.resize(len);
    return der;
}

struct Verifier::Impl {
    Owned<EVP_PKEY> key;
};

Verifier::Verifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

std::optional<Verifier> Verifier::from(const std::array<std::uint8_t, 33>& point) {
    if (!to_point(point)) return std::nullopt;
    auto impl = std::make_unique<Impl>();
    impl->key = make_key(point, nullptr);
    if (!impl->key) return std::nullopt;
    return Verifier(std::move(impl));
}

bool Verifier::verify(ByteSpan message, ByteSpan der, std::string_view id) const {
    auto ctx = sm2_context(impl_->key.get(), id, false);
    return ctx && EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
}

}  // namespace sm2

struct Sm2Key::Impl {
    Owned<EVP_PKEY> key;
};

Sm2Key::Sm2Key(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sm2Key::~Sm2Key() = default;
Sm2Key::Sm2Key(Sm2Key&&) noexcept = default;
Sm2Key& Sm2Key::operator=(Sm2Key&&) noexcept = default;

Sm2Key Sm2Key::generate() {
    auto impl = std::make_unique<Impl>();
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    assert(impl->key && "SM2 key generation failed");
    return Sm2Key(std::move(impl));
}

Result<Sm2Key> Sm2Key::from_pem(std::string_view pem) {
    Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    auto impl = std::make_unique<Impl>();
    impl->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!impl->key) return Status::error("not a PEM private key");
    if (!is_sm2(impl->key.get())) return Status::error("the private key is not on the SM2 curve");
    return Sm2Key(std::move(impl));
}

std::string Sm2Key::private_pem() const {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    const int ok = PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    assert(ok == 1);
    (void)ok;
    return bio_text(bio.get());
}

std::string Sm2Key::public_pem() const {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    const int ok = PEM_write_bio_PUBKEY(bio.get(), impl_->key.get());
    assert(ok == 1);
    (void)ok;
    return bio_text(bio.get());
}

Bytes Sm2Key::public_point() const {
    Bytes out(65);
    std::size_t len = 0;
    const int ok = EVP_PKEY_get_octet_string_param(impl_->key.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len);
    assert(ok == 1 && len == 65);
    (void)ok;
    return out;
}

Bytes Sm2Key::sign(ByteSpan message, std::string_view id) const {
    auto ctx = sm2_context(impl_->key.get(), id, true);
    assert(ctx && "SM2 signing context");
    std::size_t len = 0;
    int ok = EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size());
    Bytes der(len);
    ok = ok == 1 ? EVP_DigestSign(ctx.get(), der.data(), &len, message.data(), message.size()) : ok;
    assert(ok == 1 && "SM2 signing failed");
    der.resize(len);
    return der;
}

bool sm2_verify(ByteSpan point, ByteSpan message, ByteSpan der, std::string_view id) {
    if (!to_point(point)) return false;
    Owned<EVP_PKEY> key = make_key(point, nullptr);
    if (!key) return false;
    auto ctx = sm2_context(key.get(), id, false);
    return ctx && EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
}

}  // namespace jchain::crypto
