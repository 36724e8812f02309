// Ledger-tree nodes held in memory, for tests that build proofs without a store.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "chain/merkle.h"

namespace jchain::test {

class MemoryNodes : public chain::MerkleNodeSource {
public:
    void store(const std::vector<chain::MerkleNode>& nodes) {
        for (const auto& n : nodes) nodes_[{n.level, n.index}] = n.hash;
    }
    std::optional<chain::Hash> node(std::uint8_t level, std::uint64_t index) const override {
        auto it = nodes_.find({level, index});
        return it == nodes_.end() ? std::nullopt : std::optional<chain::Hash>(it->second);
    }

private:
    std::map<std::pair<std::uint8_t, std::uint64_t>, chain::Hash> nodes_;
};

}  // namespace jchain::test
