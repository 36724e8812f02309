// The ledger tree: an RFC 6962 (Certificate Transparency) Merkle tree over every
// committed record id, in commit order. Leaf input = the 32-byte record id.
//
//   leaf hash  = H(0x00 || leaf input)
//   node hash  = H(0x01 || left || right)
//   empty tree = H("")
//
// with H the chain suite's hash: SHA-256 as in RFC 6962, or SM3.
//
// Storage model: only nodes of complete subtrees are stored, addressed by (level,
// index): the node at level L, index i covers leaves [i * 2^L, (i + 1) * 2^L). Every
// node of an RFC 6962 tree of any size is either such a node or folds from O(log n)
// of them, so roots and proofs at any size cost O(log n) node reads, and an append
// writes O(log n) nodes (MerkleFrontier). Pure: reads go through MerkleNodeSource.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "crypto/suite.h"

namespace jchain::chain {

using crypto::Hash;

using crypto::Suite;

Hash merkle_leaf_hash(const Suite& suite, ByteSpan leaf_input);
Hash merkle_node_hash(const Suite& suite, const Hash& left, const Hash& right);
Hash merkle_empty_root(const Suite& suite);

// MTH(D[n]) straight from RFC 6962's definition; the reference for tests and
// `jchain proof root`.
Hash merkle_root_of_leaves(const Suite& suite, const std::vector<Bytes>& leaf_inputs);

// RFC 9162 section 2.1.3.2. False for index >= size or any altered input.
bool verify_inclusion(const Suite& suite, const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& path, const Hash& root);
// RFC 9162 section 2.1.4.2, extended: size1 == size2 needs an empty path and equal
// roots; size1 == 0 needs an empty path and root1 the empty root.
bool verify_consistency(const Suite& suite, std::uint64_t size1, std::uint64_t size2, const Hash& root1, const Hash& root2,
                        const std::vector<Hash>& path);

struct MerkleNode {
    std::uint8_t level = 0;
    std::uint64_t index = 0;
    Hash hash{};
};

// Reads stored complete-subtree nodes. nullopt: the node is missing (a store defect).
class MerkleNodeSource {
public:
    virtual ~MerkleNodeSource() = default;
    virtual std::optional<Hash> node(std::uint8_t level, std::uint64_t index) const = 0;
};

// Root of the first `size` leaves, and RFC 6962 proofs, read from a node source that
// holds at least `size` leaves. Errors name the missing node.
Result<Hash> merkle_root_at(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size);
Result<std::vector<Hash>> inclusion_proof(const Suite& suite, const MerkleNodeSource& source, std::uint64_t index, std::uint64_t size);
Result<std::vector<Hash>> consistency_proof(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size1,
                                            std::uint64_t size2);

// The right edge of the tree: the roots of its maximal complete subtrees (one per set
// bit of size). Appending needs nothing else, so commit does no reads.
class MerkleFrontier {
public:
    // A placeholder to assign a real frontier to: appending to it or asking its root
    // aborts, so a tree can never silently hash with a suite the chain did not choose.
    MerkleFrontier() = default;
    // An empty tree hashing with `suite`'s hash.
    explicit MerkleFrontier(const Suite& suite) : suite_(suite) {}
    // Rebuilds the frontier of a stored tree of `size` leaves.
    static Result<MerkleFrontier> load(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size);

    // Appends a leaf hash; returns the nodes that became complete (to be stored).
    std::vector<MerkleNode> append(const Hash& leaf_hash);
    std::uint64_t size() const { return size_; }
    Hash root() const;

private:
    const Suite& suite() const;  // aborts on a placeholder
    std::optional<Suite> suite_;
    std::uint64_t size_ = 0;
    Hash peaks_[64]{};  // peaks_[L] is valid when bit L of size_ is set
};

}  // namespace jchain::chain
