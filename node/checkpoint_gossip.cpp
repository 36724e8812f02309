#include "node/checkpoint_gossip.h"

#include <spdlog/spdlog.h>

#include "base/hex.h"

namespace jchain::node {

Bytes CheckpointGossip::encode(std::uint64_t size, const std::string& line) {
    ByteWriter w;
    w.u64(size);
    w.str(line);
    return std::move(w).take();
}

std::optional<std::pair<std::uint64_t, std::string>> CheckpointGossip::decode(const Bytes& payload) {
    ByteReader r(payload);
    auto size = r.u64();
    auto line = r.str(1024);
    if (!size || !line || r.remaining() != 0) return std::nullopt;
    return std::pair{*size, std::move(*line)};
}

void CheckpointGossip::take(const crypto::PublicKey& peer, std::uint64_t size, std::string line) {
    switch (checkpoints_.add_validator_line(size, line)) {
        case Checkpoints::Outcome::stored:
        case Checkpoints::Outcome::known: return;
        case Checkpoints::Outcome::later: later_[peer] = {size, std::move(line)}; return;
        case Checkpoints::Outcome::invalid:
            spdlog::warn("peer {}: a checkpoint signature at ledger size {} that does not verify against this node's "
                         "ledger",
                         to_hex(peer.bytes).substr(0, 12), size);
            return;
    }
}

void CheckpointGossip::committed(const chain::BlockHeader& header, const chain::ValidatorSet& certified_by,
                                 bool sign) {
    if (auto line = sign ? checkpoints_.sign_committed(header, certified_by) : std::nullopt)
        broadcast_(encode(header.ledger_size, *line));
    auto waiting = std::move(later_);
    later_.clear();
    for (auto& [peer, line] : waiting)
        if (line.first <= header.ledger_size) take(peer, line.first, std::move(line.second));
        else later_[peer] = std::move(line);
}

std::optional<Bytes> CheckpointGossip::own_frame() const {
    auto own = checkpoints_.own_latest();
    if (!own) return std::nullopt;
    return encode(own->first, own->second);
}

}  // namespace jchain::node
