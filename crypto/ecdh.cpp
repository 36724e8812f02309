#include "crypto/ecdh.h"

#include <cstdio>
#include <cstdlib>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>

namespace jchain::crypto {
namespace {

// Created on first use and never modified or destroyed afterwards, like keys.cpp's.
// ECDH does not use the context's blinding, but randomising it costs nothing.
const secp256k1_context* context() {
    static const secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        std::array<std::uint8_t, 32> seed{};
        if (c == nullptr || RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1 ||
            secp256k1_context_randomize(c, seed.data()) != 1) {
            std::fprintf(stderr, "fatal: cannot set up a secp256k1 context for ECDH\n");
            std::abort();
        }
        OPENSSL_cleanse(seed.data(), seed.size());
        return c;
    }();
    return ctx;
}

}  // namespace

Result<SharedSecret> ecdh(const PrivateKey& mine, const PublicKey& theirs) {
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_parse(context(), &point, theirs.bytes.data(), theirs.bytes.size()) != 1)
        return Status::error("ecdh: not a valid public key");
    SharedSecret out{};
    // hashfp = nullptr: the default, SHA-256 of the compressed shared point.
    if (secp256k1_ecdh(context(), out.data(), &point, mine.bytes.data(), nullptr, nullptr) != 1)
        return Status::error("ecdh: private key out of range");
    return out;
}

}  // namespace jchain::crypto
