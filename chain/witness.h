// An outside witness (docs/checkpoints.md "Witnesses"): a name, a schema-less URL without
// spaces or '+', and an Ed25519 key, written as a C2SP verifier key
// "name+keyid+base64(0x04 || key)". Witnesses cosign checkpoints (chain/checkpoint.h);
// the chain declares the ones it answers to in genesis and changes them by governance
// (chain/state.h), so a receipt's verifier knows whose cosignatures anchor it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ed25519.h"

namespace jchain::chain {

struct Witness {
    std::string name;
    crypto::Ed25519PublicKey key;
    std::uint32_t key_id() const;  // SHA-256(name || 0x0A || 0x04 || key)[:4]
    std::string vkey() const;
    bool operator==(const Witness& o) const { return name == o.name && key.bytes == o.key.bytes; }
    // Witness lists are sorted by key bytes (genesis, state bytes).
    bool operator<(const Witness& o) const { return key.bytes < o.key.bytes; }
};
Result<Witness> parse_witness_vkey(std::string_view vkey);

}  // namespace jchain::chain
