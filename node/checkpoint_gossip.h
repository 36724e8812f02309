// CheckpointGossip: moves checkpoint signature lines between validators
// (docs/checkpoints.md). After each commit this node signs its line for the new ledger
// size and sends it to every peer; a peer's line is checked against this node's own
// ledger and kept (node/checkpoints.h), or, when it is for a size this node has not
// reached yet, held (the latest per peer) and offered again after each commit.
//
// A line that does not verify is logged, not punished: a peer on another history, or a
// bad signature, is worth an operator's eye but no reason to cut a link that also
// carries blocks, which are checked on their own.
//
// Not thread-safe: the consensus driver's thread owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "chain/block.h"
#include "node/checkpoints.h"

namespace jchain::node {

class CheckpointGossip {
public:
    // `broadcast` sends a checkpoint frame to every peer.
    CheckpointGossip(Checkpoints& checkpoints, std::function<void(Bytes)> broadcast)
        : checkpoints_(checkpoints), broadcast_(std::move(broadcast)) {}

    // The frame's payload: u64 ledger size, then the signature line (a string).
    static Bytes encode(std::uint64_t size, const std::string& line);
    static std::optional<std::pair<std::uint64_t, std::string>> decode(const Bytes& payload);

    // A peer's line.
    void take(const crypto::PublicKey& peer, std::uint64_t size, std::string line);
    // Block `header` was committed, certified by `certified_by`. `sign`: false while
    // catching up (peers' waiting lines are still taken).
    void committed(const chain::BlockHeader& header, const chain::ValidatorSet& certified_by, bool sign);
    // This node's latest line, for a peer that just connected.
    std::optional<Bytes> own_frame() const;

private:
    Checkpoints& checkpoints_;
    std::function<void(Bytes)> broadcast_;
    // Peers' lines for sizes this node has not reached yet: the latest per peer.
    std::map<crypto::PublicKey, std::pair<std::uint64_t, std::string>> later_;
};

}  // namespace jchain::node
