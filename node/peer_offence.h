// PeerOffence: frames no honest node sends. A peer that sends one is disconnected at
// once and banned with a back-off that grows per key (p2p::PeerNetwork::ban), logged
// once per incident and counted in /metrics as jchain_peer_bans_total{reason="..."}
// (docs/p2p.md, "What a peer can and cannot do to you").
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jchain::node {

enum class PeerOffence : std::uint8_t {
    undecodable,           // a frame of a known type that does not decode
    bad_record_signature,  // a relayed record whose signature does not verify (nodes verify before relaying)
    bad_message,           // a consensus message with a bad signature, another chain's id, or a value not its hash
    unrequested_block,     // a sync block for a height this node did not ask of that peer
    bad_certificate,       // a sync block whose commit certificate does not verify
    bad_block,             // a certified sync block that breaks the block-validity rule
    bad_body,              // a proposal or sync block whose body does not match its header
    impossible_height,     // a message for a height no honest node can speak of (e.g. 0)
};
inline constexpr std::size_t peer_offence_count = 8;

constexpr std::string_view offence_name(PeerOffence o) {
    constexpr std::array<std::string_view, peer_offence_count> names{
        "undecodable",     "bad_record_signature", "bad_message", "unrequested_block",
        "bad_certificate", "bad_block",            "bad_body",    "impossible_height"};
    return names[static_cast<std::size_t>(o)];
}

// Bans by reason, for /metrics.
struct PeerOffenceCounters {
    std::array<std::atomic<std::uint64_t>, peer_offence_count> bans{};
    std::atomic<std::uint64_t> frames_dropped_from_banned{0};  // queued before the ban, never processed
};

}  // namespace jchain::node
