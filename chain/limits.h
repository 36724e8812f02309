// Compile-time ceilings, in one place, and the relations between them.
//
// A chain's own limits (how many records a block may hold, how large a record may be)
// are chain parameters in genesis (chain/params.h): they decide whether a block is
// valid, so every node must use the same values. They may be set anywhere up to the
// ceilings here, which are what the codecs, the peer frames and the consensus log are
// sized for. The static_asserts below say why a block of the largest valid size always
// fits each of them; check_params (chain/params.h) refuses a genesis beyond a ceiling.
//
// Changing a ceiling changes what a node can decode: raise it only with every node.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jchain::chain::limits {

// ---- Sizes of fixed parts (docs/encoding.md).
inline constexpr std::size_t hash_bytes = 32;
inline constexpr std::size_t public_key_bytes = 33;
inline constexpr std::size_t signature_bytes = 64;
inline constexpr std::size_t length_prefix_bytes = 4;  // u32 before a var field or a count

// ---- Records.
// A record's signed bytes (every field is also bounded on its own, chain/record.h).
inline constexpr std::size_t record_signed_bytes_ceiling = 8 * 1024;
// A record on the wire and in blocks: length-prefixed signed bytes, then the signature.
inline constexpr std::size_t record_wire_bytes_max =
    length_prefix_bytes + record_signed_bytes_ceiling + signature_bytes;
// The smallest a record can be on the wire (decoders use it to refuse counts that
// cannot fit the bytes left before allocating anything).
inline constexpr std::size_t record_wire_bytes_min = length_prefix_bytes + signature_bytes;

// ---- Blocks.
inline constexpr std::size_t block_records_ceiling = 10'000;
// Sum over a block's records of record_wire_bytes (the chain parameter block_bytes_max
// bounds the same sum).
inline constexpr std::size_t block_record_bytes_ceiling = 24u << 20;
inline constexpr std::size_t header_bytes_max = 512;

// ---- Validators and votes.
inline constexpr std::size_t validators_ceiling = 1'000;
// Witnesses a chain declares (genesis, add-witness): far below a note's 1024 signature lines.
inline constexpr std::size_t witnesses_ceiling = 100;
inline constexpr std::size_t vote_signed_bytes_max = 256;
inline constexpr std::size_t vote_wire_bytes_max =
    length_prefix_bytes + vote_signed_bytes_max + public_key_bytes + signature_bytes;
inline constexpr std::size_t commit_signature_bytes = public_key_bytes + signature_bytes;

// ---- Transport and log.
inline constexpr std::size_t frame_bytes_max = 32u << 20;          // p2p/peer_network.h
inline constexpr std::size_t wal_entry_bytes_max = 64u << 20;      // storage/consensus_wal.h
inline constexpr std::size_t gossip_records_per_frame = 1'000;     // node/consensus_driver.cpp

// The largest encoded value (a block with its records: consensus/codec.cpp write_value).
inline constexpr std::size_t value_bytes_max = length_prefix_bytes + header_bytes_max +        // header
                                               length_prefix_bytes + block_records_ceiling * hash_bytes +  // ids
                                               length_prefix_bytes + block_record_bytes_ceiling;         // records
// A proposal: height, round, pol round, block hash, the value, its proof of lock, the
// proposer and its signature.
inline constexpr std::size_t proposal_bytes_max = 1 + 8 + 4 + 4 + hash_bytes + value_bytes_max +
                                                  length_prefix_bytes + validators_ceiling * vote_wire_bytes_max +
                                                  public_key_bytes + signature_bytes;
// A certified block for block sync: the value and its commit certificate.
inline constexpr std::size_t certified_block_bytes_max =
    value_bytes_max + 8 + 4 + hash_bytes + length_prefix_bytes + validators_ceiling * commit_signature_bytes;

static_assert(record_signed_bytes_ceiling + record_wire_bytes_max <= block_record_bytes_ceiling,
              "a block must be able to hold at least one record of the largest size");
static_assert(block_records_ceiling * record_wire_bytes_min <= block_record_bytes_ceiling,
              "a block of the most records, each as small as can be, must fit the byte ceiling");
static_assert(proposal_bytes_max + 1 <= frame_bytes_max, "a proposal of the largest valid block must fit one frame");
static_assert(certified_block_bytes_max + 1 <= frame_bytes_max,
              "a certified block of the largest valid size must fit one sync frame");
static_assert(proposal_bytes_max <= wal_entry_bytes_max,
              "the consensus log must hold the largest proposal (and a lock on its value)");
static_assert(length_prefix_bytes + gossip_records_per_frame * record_wire_bytes_max + 1 <= frame_bytes_max,
              "a gossip batch of the largest records must fit one frame");
static_assert(frame_bytes_max <= 0xFFFF'FFFFu, "frame lengths are u32");

}  // namespace jchain::chain::limits
