#include "crypto/sm2.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cassert>
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

}  // namespace

Hash sm3(ByteSpan data) {
    Hash out{};
    unsigned int len = 0;
    const int ok = EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sm3(), nullptr);
    assert(ok == 1 && len == out.size());
    (void)ok;
    return out;
}

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
    if (point.size() != 65 && point.size() != 33) return false;
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        return false;
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    Owned<EVP_PKEY_CTX> fctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !fctx || EVP_PKEY_fromdata_init(fctx.get()) != 1 ||
        EVP_PKEY_fromdata(fctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return false;  // not a point on the curve
    Owned<EVP_PKEY> key(raw);
    auto ctx = sm2_context(key.get(), id, false);
    return ctx && EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
}

}  // namespace jchain::crypto
