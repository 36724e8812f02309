#include "crypto/aead.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace jchain::crypto {
namespace {

// EVP takes int lengths; longer parts go in pieces of this size.
constexpr std::size_t evp_piece_bytes_max = std::size_t{1} << 30;

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once (implicit fetching looks the algorithm up on every init); null if the
// provider lacks it, which every call then reports.
const EVP_CIPHER* chacha20_poly1305() {
    static const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    return cipher;
}

// Runs every part through EVP_CipherUpdate in place.
bool update_parts(EVP_CIPHER_CTX* ctx, std::initializer_list<std::span<std::uint8_t>> parts) {
    for (auto part : parts) {
        while (!part.empty()) {
            const std::size_t n = std::min(part.size(), evp_piece_bytes_max);
            int out_len = 0;
            if (EVP_CipherUpdate(ctx, part.data(), &out_len, part.data(), static_cast<int>(n)) != 1 ||
                out_len != static_cast<int>(n))
                return false;
            part = part.subspan(n);
        }
    }
    return true;
}

// A context set up for one message: key, nonce (the default 12 bytes) and the AAD.
CipherCtx start(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad, bool encrypt) {
    const EVP_CIPHER* cipher = chacha20_poly1305();
    if (cipher == nullptr || aad.size() > evp_piece_bytes_max) return nullptr;
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) != 1)
        return nullptr;
    int out_len = 0;
    if (!aad.empty() &&
        EVP_CipherUpdate(ctx.get(), nullptr, &out_len, aad.data(), static_cast<int>(aad.size())) != 1)
        return nullptr;
    return ctx;
}

}  // namespace

Result<Bytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::size_t length) {
    if (length == 0 || length > hkdf_sha256_bytes_max)
        return Status::error("hkdf: output length must be in [1, " + std::to_string(hkdf_sha256_bytes_max) + "]");
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (kdf == nullptr) return Status::error("hkdf: OpenSSL has no HKDF");
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (ctx == nullptr) return Status::error("hkdf: out of memory");
    // OpenSSL takes non-const pointers but only reads these.
    char digest[] = "SHA256";
    auto* key = const_cast<std::uint8_t*>(ikm.data());
    auto* salt_p = const_cast<std::uint8_t*>(salt.data());
    auto* info_p = const_cast<std::uint8_t*>(info.data());
    // An empty salt or info is left unset: OpenSSL refuses empty octet strings, and
    // unset means what RFC 5869 says for empty (a zero salt, no info).
    OSSL_PARAM params[5];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key, ikm.size());
    if (!salt.empty()) params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_p, salt.size());
    if (!info.empty()) params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_p, info.size());
    params[n] = OSSL_PARAM_construct_end();
    Bytes out(length);
    const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
    EVP_KDF_CTX_free(ctx);
    if (!ok) return Status::error("hkdf: EVP_KDF_derive failed");
    return out;
}

Result<AeadTag> seal_in_place(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad,
                              std::initializer_list<std::span<std::uint8_t>> parts) {
    CipherCtx ctx = start(key, nonce, aad, /*encrypt=*/true);
    if (!ctx || !update_parts(ctx.get(), parts)) return Status::error("aead: encryption failed");
    std::uint8_t none[1];  // a stream cipher's final step writes nothing
    int out_len = 0;
    AeadTag tag{};
    if (EVP_CipherFinal_ex(ctx.get(), none, &out_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()), tag.data()) != 1)
        return Status::error("aead: encryption failed");
    return tag;
}

bool open_in_place(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad,
                   std::initializer_list<std::span<std::uint8_t>> parts, const AeadTag& tag) {
    CipherCtx ctx = start(key, nonce, aad, /*encrypt=*/false);
    if (!ctx || !update_parts(ctx.get(), parts)) return false;
    AeadTag expected = tag;  // the ctrl takes a non-const pointer
    std::uint8_t none[1];
    int out_len = 0;
    return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(expected.size()),
                               expected.data()) == 1 &&
           // Compares the tag (in constant time); fails for any change to AAD, ciphertext or tag.
           EVP_CipherFinal_ex(ctx.get(), none, &out_len) == 1;
}

Result<Bytes> seal(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad, ByteSpan plaintext) {
    Bytes out(plaintext.size() + aead_tag_bytes);
    std::copy(plaintext.begin(), plaintext.end(), out.begin());
    auto tag = seal_in_place(key, nonce, aad, {std::span<std::uint8_t>(out.data(), plaintext.size())});
    if (!tag) return tag.status();
    std::copy(tag->begin(), tag->end(), out.end() - aead_tag_bytes);
    return out;
}

std::optional<Bytes> open(const AeadKey& key, const AeadNonce& nonce, ByteSpan aad, ByteSpan sealed) {
    if (sealed.size() < aead_tag_bytes) return std::nullopt;
    Bytes out(sealed.begin(), sealed.end() - aead_tag_bytes);
    AeadTag tag{};
    std::copy(sealed.end() - aead_tag_bytes, sealed.end(), tag.begin());
    if (!open_in_place(key, nonce, aad, {std::span<std::uint8_t>(out)}, tag)) return std::nullopt;
    return out;
}

}  // namespace jchain::crypto
