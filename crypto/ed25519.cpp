#include "crypto/ed25519.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cassert>
#include <memory>

namespace jchain::crypto {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey private_pkey(const Ed25519PrivateKey& key) {
    Pkey p(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed.data(), key.seed.size()));
    assert(p && "OpenSSL refused a 32-byte Ed25519 seed");
    return p;
}

}  // namespace

Ed25519KeyPair ed25519_from_seed(const Ed25519PrivateKey& key) {
    Pkey p = private_pkey(key);
    Ed25519KeyPair pair{key, {}};
    std::size_t len = pair.public_key.bytes.size();
    const int ok = EVP_PKEY_get_raw_public_key(p.get(), pair.public_key.bytes.data(), &len);
    assert(ok == 1 && len == 32);
    (void)ok;
    return pair;
}

Ed25519KeyPair ed25519_generate() {
    Ed25519PrivateKey key;
    const int ok = RAND_bytes(key.seed.data(), static_cast<int>(key.seed.size()));
    assert(ok == 1 && "the OS random source failed");
    (void)ok;
    return ed25519_from_seed(key);
}

Ed25519Signature ed25519_sign(const Ed25519PrivateKey& key, ByteSpan message) {
    Pkey p = private_pkey(key);
    MdCtx ctx(EVP_MD_CTX_new());
    Ed25519Signature sig{};
    std::size_t len = sig.size();
    const bool ok = ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, p.get()) == 1 &&
                    EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1 && len == 64;
    assert(ok && "Ed25519 signing failed");
    (void)ok;
    return sig;
}

bool ed25519_verify(const Ed25519PublicKey& key, ByteSpan message, const Ed25519Signature& sig) {
    Pkey p(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()));
    if (!p) return false;  // not a point OpenSSL takes
    MdCtx ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, p.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

}  // namespace jchain::crypto
