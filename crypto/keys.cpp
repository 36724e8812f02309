#include "crypto/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <secp256k1.h>


namespace jchain::crypto {
namespace {

// A key file holds about 200 bytes; anything much larger is not one.
constexpr std::size_t key_file_bytes_max = 4096;

// The longest strict DER signature: 2 + 2 * (2 + 33) bytes.
constexpr std::size_t der_signature_bytes_max = 72;

// SubjectPublicKeyInfo up to the point: SEQUENCE { SEQUENCE { OID id-ecPublicKey,
// OID secp256k1 }, BIT STRING (34 bytes: 0 unused bits, then the 33-byte point) }.
constexpr std::uint8_t spki_prefix[] = {
    0x30, 0x36,                                                  // SEQUENCE, 54 bytes
    0x30, 0x10,                                                  //   SEQUENCE, 16 bytes
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,        //     1.2.840.10045.2.1
    0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a,                    //     1.3.132.0.10
    0x03, 0x22, 0x00,                                            //   BIT STRING, 34 bytes
};

[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "fatal: %s\n", what);
    std::abort();
}

// Failing to get randomness from the OS is an environment we cannot run keys in.
void random_bytes(std::uint8_t* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) fatal("RAND_bytes failed");
}

// The one process-wide context. Created on first use (thread-safe static init) and
// randomised then, never modified afterwards, so any thread may use it. Deliberately
// never destroyed: a thread still signing during exit must not see it freed.
const secp256k1_context* context() {
    static const secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        if (c == nullptr) fatal("secp256k1_context_create failed");
        std::array<std::uint8_t, 32> seed{};
        random_bytes(seed.data(), seed.size());
        if (secp256k1_context_randomize(c, seed.data()) != 1) fatal("secp256k1_context_randomize failed");
        OPENSSL_cleanse(seed.data(), seed.size());
        return c;
    }();
    return ctx;
}

PublicKey serialize_compressed(const secp256k1_pubkey& pk) {
    PublicKey out;
    std::size_t len = out.bytes.size();
    secp256k1_ec_pubkey_serialize(context(), out.bytes.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    assert(len == out.bytes.size());
    return out;
}

bool is_zero(ByteSpan bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Signature serialize_compact(const secp256k1_ecdsa_signature& sig) {
    Signature out;
    secp256k1_ecdsa_signature_serialize_compact(context(), out.bytes.data(), &sig);
    return out;
}

// r or s of zero never verifies; refusing it at parse time keeps "parsed" meaning "well formed".
bool has_zero_part(const Signature& sig) {
    ByteSpan all{sig.bytes};
    return is_zero(all.first(32)) || is_zero(all.last(32));
}

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::error(errno_text(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::ok();
}

}  // namespace

namespace secp256k1 {

KeyPair generate_key() {
    PrivateKey key;
    do {
        random_bytes(key.bytes.data(), key.bytes.size());
    } while (secp256k1_ec_seckey_verify(context(), key.bytes.data()) != 1);
    std::optional<KeyPair> pair = key_pair_from_private(key);
    assert(pair);
    OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
    return *pair;
}

std::optional<KeyPair> key_pair_from_private(const PrivateKey& key) {
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_create(context(), &pk, key.bytes.data()) != 1) return std::nullopt;
    return KeyPair{key, serialize_compressed(pk)};
}

std::optional<PublicKey> parse_public_key(ByteSpan sec1) {
    // Only the two standard forms; the "hybrid" 0x06/0x07 form secp256k1 would also take is refused.
    bool compressed = sec1.size() == 33 && (sec1[0] == 0x02 || sec1[0] == 0x03);
    bool uncompressed = sec1.size() == 65 && sec1[0] == 0x04;
    if (!compressed && !uncompressed) return std::nullopt;
    // Records from one member repeat the same key; a point once found on the curve stays
    // there, so each thread remembers the last few valid compressed keys.
    thread_local std::array<PublicKey, 8> recent{};
    thread_local std::size_t recent_next = 0;
    if (compressed)
        for (const auto& k : recent)
            if (std::equal(k.bytes.begin(), k.bytes.end(), sec1.begin())) return k;
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_parse(context(), &pk, sec1.data(), sec1.size()) != 1) return std::nullopt;
    const PublicKey key = serialize_compressed(pk);
    recent[recent_next++ % recent.size()] = key;
    return key;
}

Signature sign(const PrivateKey& key, const Hash& digest) {
    secp256k1_ecdsa_signature sig;
    // Default nonce function: RFC 6979, so the same key and digest give the same signature.
    if (secp256k1_ecdsa_sign(context(), &sig, digest.data(), key.bytes.data(), nullptr, nullptr) != 1)
        fatal("secp256k1_ecdsa_sign refused the key: a PrivateKey outside [1, n-1] is a bug");
    return serialize_compact(sig);
}

bool verify(const PublicKey& key, const Hash& digest, const Signature& sig) {
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_parse(context(), &pk, key.bytes.data(), key.bytes.size()) != 1) return false;
    secp256k1_ecdsa_signature parsed;
    if (secp256k1_ecdsa_signature_parse_compact(context(), &parsed, sig.bytes.data()) != 1) return false;
    // No normalisation: secp256k1_ecdsa_verify itself refuses high-S.
    return secp256k1_ecdsa_verify(context(), &parsed, digest.data(), &pk) == 1;
}

std::optional<PreparedKey> PreparedKey::from(const PublicKey& key) {
    static_assert(sizeof(secp256k1_pubkey) == 64);
    secp256k1_pubkey pk;
    if (secp256k1_ec_pubkey_parse(context(), &pk, key.bytes.data(), key.bytes.size()) != 1) return std::nullopt;
    PreparedKey out;
    std::memcpy(out.parsed_.data(), pk.data, 64);
    return out;
}

bool PreparedKey::verify(const Hash& digest, const Signature& sig) const {
    secp256k1_pubkey pk;
    std::memcpy(pk.data, parsed_.data(), 64);
    secp256k1_ecdsa_signature parsed;
    if (secp256k1_ecdsa_signature_parse_compact(context(), &parsed, sig.bytes.data()) != 1) return false;
    return secp256k1_ecdsa_verify(context(), &parsed, digest.data(), &pk) == 1;
}

Bytes signature_to_der(const Signature& sig) {
    secp256k1_ecdsa_signature parsed;
    // A Signature holds r and s below the order; if one were built from bytes that are not,
    // parsing leaves r = s = 0 and the DER says so (it can never verify).
    (void)secp256k1_ecdsa_signature_parse_compact(context(), &parsed, sig.bytes.data());
    Bytes out(der_signature_bytes_max);
    std::size_t len = out.size();
    int ok = secp256k1_ecdsa_signature_serialize_der(context(), out.data(), &len, &parsed);
    assert(ok == 1);
    (void)ok;
    out.resize(len);
    return out;
}

std::optional<Signature> signature_from_der(ByteSpan der, bool allow_high_s) {
    if (der.empty() || der.size() > der_signature_bytes_max) return std::nullopt;
    secp256k1_ecdsa_signature parsed;
    if (secp256k1_ecdsa_signature_parse_der(context(), &parsed, der.data(), der.size()) != 1)
        return std::nullopt;
    // Strict: the input must be exactly what we would write (minimal lengths and integers,
    // no trailing bytes). libsecp256k1 0.2's parser already insists on that; comparing keeps
    // it true of this function whatever a later library version tolerates.
    std::array<std::uint8_t, der_signature_bytes_max> again{};
    std::size_t len = again.size();
    if (secp256k1_ecdsa_signature_serialize_der(context(), again.data(), &len, &parsed) != 1)
        return std::nullopt;
    if (len != der.size() || !std::equal(der.begin(), der.end(), again.begin())) return std::nullopt;

    secp256k1_ecdsa_signature normalised;
    bool was_high_s = secp256k1_ecdsa_signature_normalize(context(), &normalised, &parsed) == 1;
    if (was_high_s && !allow_high_s) return std::nullopt;
    Signature out = serialize_compact(normalised);
    if (has_zero_part(out)) return std::nullopt;
    return out;
}

std::optional<Signature> signature_from_compact(ByteSpan compact) {
    if (compact.size() != 64) return std::nullopt;
    secp256k1_ecdsa_signature parsed;
    // Fails when r or s is not below the curve order.
    if (secp256k1_ecdsa_signature_parse_compact(context(), &parsed, compact.data()) != 1)
        return std::nullopt;
    if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &parsed) == 1) return std::nullopt;
    Signature out;
    std::copy(compact.begin(), compact.end(), out.bytes.begin());
    if (has_zero_part(out)) return std::nullopt;
    return out;
}

Bytes public_key_to_spki_der(const PublicKey& key) {
    Bytes out(sizeof spki_prefix + key.bytes.size());
    auto point = std::copy(std::begin(spki_prefix), std::end(spki_prefix), out.begin());
    std::copy(key.bytes.begin(), key.bytes.end(), point);
    return out;
}

std::string public_key_to_pem(const PublicKey& key) {
    Bytes der = public_key_to_spki_der(key);
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der.data(),
                            static_cast<int>(der.size()));
    b64.resize(static_cast<std::size_t>(n));

    std::string out = "-----BEGIN PUBLIC KEY-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) {
        out += b64.substr(i, 64);
        out += '\n';
    }
    out += "-----END PUBLIC KEY-----\n";
    return out;
}

}  // namespace secp256k1

Status write_secret_file(const std::string& path, std::string_view text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST) return Status::error("refusing to overwrite " + path);
        return Status::error("cannot create " + path + ": " + errno_text(err));
    }
    // The umask may only have narrowed 0600; make it exactly 0600 so the owner can read it back.
    Status st = Status::ok();
    if (::fchmod(fd, 0600) != 0) st = Status::error(errno_text(errno));
    if (st) st = write_all(fd, text);
    if (st && ::fsync(fd) != 0) st = Status::error(errno_text(errno));
    if (::close(fd) != 0 && st) st = Status::error(errno_text(errno));
    if (!st) {
        ::unlink(path.c_str());  // a partial key file is worse than none
        return Status::error("cannot write " + path + ": " + st.message());
    }
    return Status::ok();
}

Result<std::string> read_secret_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error("cannot open " + path + ": " + errno_text(errno));

    // fstat on the opened file, so the mode checked is that of the bytes read.
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return Status::error("cannot stat " + path + ": " + errno_text(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Status::error(path + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        return Status::error(path + " is readable by group/others (mode " + mode_text(st.st_mode) +
                             "); run: chmod 600 " + path);
    }

    std::string text(key_file_bytes_max + 1, '\0');
    std::size_t used = 0;
    while (used < text.size()) {
        ssize_t n = ::read(fd, text.data() + used, text.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return Status::error("cannot read " + path + ": " + errno_text(err));
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (used > key_file_bytes_max) {
        return Status::error(path + " is larger than " + std::to_string(key_file_bytes_max) +
                             " bytes; not a key file");
    }

    text.resize(used);  // shrinking keeps the buffer, so the caller's cleanse covers it
    return text;
}

}  // namespace jchain::crypto
