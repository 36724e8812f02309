// Checkpoints: the ledger's size and root as a C2SP signed note (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint), signed by the validators and cosigned by outside witnesses
// (c2sp.org/tlog-cosignature, Ed25519), so that generic transparency-log tooling can
// read them and nobody can be shown a history others are not. docs/checkpoints.md has
// the exact bytes. Pure functions: no I/O, no clock.
//
//   jchain.log/court-chain/<genesis hash hex>      <- origin
//   1234                                           <- ledger size
//   <base64 ledger root>                           <- RFC 6962 root at that size
//
//   — jchain.log/court-chain/<...> <base64(key id || DER ECDSA)>     a validator
//   — witness.example/court-b <base64(key id || u64 time || Ed25519)> a witness
//
// Checkpoint signatures are not consensus: a validator signs the checkpoint of a block
// after it commits it (the commit certificate already made the block final); they let
// readers who know nothing of JChain's headers check the root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "chain/block.h"
#include "chain/genesis.h"
#include "chain/witness.h"
#include "crypto/ed25519.h"

namespace jchain::chain {

// A note larger than this, or with more signature lines, is refused unread. The spec
// asks verifiers to take at least 16 signatures; a chain's validators and its witnesses
// fit far below these.
inline constexpr std::size_t checkpoint_note_bytes_max = 256 * 1024;
inline constexpr std::size_t checkpoint_signatures_max = 1024;

struct Checkpoint {
    std::string origin;
    std::uint64_t size = 0;
    Hash root{};
    bool operator==(const Checkpoint&) const = default;
};

// "jchain.log/" + chain id + "/" + genesis hash in hex. A chain id with characters an
// origin may not hold (anything but ASCII letters, digits, '.', '_', '-') is written as
// "chain". The genesis hash makes the origin unique to the chain.
std::string checkpoint_origin(const Genesis& genesis);

// The note text: origin, size, base64 root, each ending in a newline.
std::string checkpoint_body(const Checkpoint& c);
// Parses a note text of exactly three lines (JChain writes no extension lines).
Result<Checkpoint> parse_checkpoint_body(std::string_view body);

struct NoteSignature {
    std::string name;
    std::uint32_t key_id = 0;
    Bytes signature;  // after the key id
    bool operator==(const NoteSignature&) const = default;
};
struct Note {
    std::string body;  // the text, with its final newline
    std::vector<NoteSignature> signatures;
};
// Splits a signed note: valid UTF-8, no control character but newline, the text ends at
// the last blank line, every line after it a signature line. Errors name the line.
Result<Note> parse_note(std::string_view text);
std::string format_note(const Note& note);
// One signature line, with its newline: "— name base64(key id || signature)\n".
std::string signature_line(const NoteSignature& s);

// Validator signatures: key name = the origin; type 0xff followed by the suite's
// identifier below; key id = SHA-256(origin || 0x0A || 0xff || identifier || 33-byte
// key)[:4] (SHA-256 in both suites: C2SP fixes key ids); the signature is the strict DER
// of the suite's signature of H(note text): low-S ECDSA secp256k1 of SHA-256, which
// `openssl dgst -sha256 -verify` checks, or SM2 of M = SM3(note text).
inline constexpr std::string_view validator_signature_type = "jchain-ecdsa-secp256k1-sha256";
inline constexpr std::string_view validator_signature_type_sm2 = "jchain-sm2-sm3";
std::string_view validator_signature_type_of(const crypto::Suite& suite);
std::uint32_t validator_key_id(const crypto::Suite& suite, std::string_view origin, const PublicKey& key);
NoteSignature sign_checkpoint(const crypto::Suite& suite, const crypto::KeyPair& key, std::string_view origin,
                              std::string_view body);

// "cosignature/v1\ntime <t>\n" || body: what an Ed25519 witness signs.
Bytes cosignature_message(std::string_view body, std::uint64_t timestamp);
NoteSignature cosign_checkpoint(const Witness& witness, const crypto::Ed25519PrivateKey& key, std::string_view body,
                                std::uint64_t timestamp);

struct CheckpointVerdict {
    std::string error;  // the note or its text is malformed; nothing else is meaningful then
    Checkpoint checkpoint;
    std::uint64_t power = 0, total_power = 0;  // of the validators whose signature verified
    std::vector<std::string> validators;       // their names
    struct Cosignature {
        std::string name;
        std::uint64_t timestamp = 0;
    };
    std::vector<Cosignature> witnesses;  // known witnesses whose cosignature verified
    std::vector<std::string> ignored;    // lines by keys neither a validator nor a known witness
    std::vector<std::string> invalid;    // known keys whose signature failed: the note is refused

    bool quorum() const { return power * 3 > total_power * 2; }
    // Well formed, of `origin`, signed by more than 2/3 of the power, no bad signature by
    // a known key (the spec lets a verifier refuse the note for one; JChain does).
    bool ok() const { return error.empty() && invalid.empty() && quorum(); }
    std::string summary() const;  // one line, for people
};

// Checks a signed checkpoint against the chain's origin, the validator set that
// certified the block that reached its size, and the witnesses the reader trusts.
CheckpointVerdict verify_checkpoint(const crypto::Suite& suite, std::string_view note, std::string_view origin, const ValidatorSet& validators,
                                    const std::vector<Witness>& witnesses);

// Retired keys signing past their tenure (docs/checkpoints.md "The monitor"): a key that
// was a validator of this chain and left the set before `height`, yet signed the
// checkpoint or the certificate of block `height`. Keys that once held the power can sign
// anything later; such a signature is evidence that they do.
struct ValidatorTenure {
    std::uint64_t from_height = 1;  // the first block this set certifies
    ValidatorSet set;
};
struct RetiredSignature {
    std::string name;
    PublicKey key;
    std::uint64_t left_height = 0;  // the first block it no longer certified
};
// `history`: the sets in force, oldest first (the genesis set from 1, then each change's
// next set from its height + 1). Only signatures that verify count.
std::vector<RetiredSignature> retired_note_signers(const crypto::Suite& suite, std::string_view note,
                                                   std::string_view origin, const std::vector<ValidatorTenure>& history,
                                                   std::uint64_t height);
std::vector<RetiredSignature> retired_certificate_signers(const crypto::Suite& suite, const std::string& chain_id,
                                                          const CommitCertificate& cert,
                                                          const std::vector<ValidatorTenure>& history, std::uint64_t height);

}  // namespace jchain::chain
