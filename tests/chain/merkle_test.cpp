// The ledger tree (chain/merkle.h) against a deliberately naive RFC 6962 written
// straight from the RFC's recursive definitions (section 2.1: MTH, PATH, PROOF and
// SUBPROOF), against the published Certificate Transparency test vectors, and against
// tampered proofs.
#include <doctest/doctest.h>

#include <bit>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chain/merkle.h"
#include "tests/support/suite.h"

using namespace jchain;
using chain::Hash;

namespace {

// --- RFC 6962 section 2.1, transcribed. Uses nothing from chain/merkle.h. -------

using Leaves = std::span<const Bytes>;

Hash sha256_of(std::uint8_t prefix, ByteSpan a, ByteSpan b = {}) {
    Bytes in{prefix};
    in.insert(in.end(), a.begin(), a.end());
    in.insert(in.end(), b.begin(), b.end());
    return crypto::sha256(in);
}

// k: the largest power of two smaller than n (n > 1).
std::size_t rfc_k(std::size_t n) {
    std::size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}

// MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0));
// MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
Hash rfc_mth(Leaves d) {
    if (d.empty()) return crypto::sha256({});
    if (d.size() == 1) return sha256_of(0x00, d[0]);
    const std::size_t k = rfc_k(d.size());
    return sha256_of(0x01, rfc_mth(d.subspan(0, k)), rfc_mth(d.subspan(k)));
}

// PATH(0, {d(0)}) = {}; for m < k: PATH(m, D[0:k]) : MTH(D[k:n]);
// for m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k]).
std::vector<Hash> rfc_path(std::size_t m, Leaves d) {
    if (d.size() == 1) return {};
    const std::size_t k = rfc_k(d.size());
    std::vector<Hash> out;
    if (m < k) {
        out = rfc_path(m, d.subspan(0, k));
        out.push_back(rfc_mth(d.subspan(k)));
    } else {
        out = rfc_path(m - k, d.subspan(k));
        out.push_back(rfc_mth(d.subspan(0, k)));
    }
    return out;
}

// SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
// for m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]);
// for m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
std::vector<Hash> rfc_subproof(std::size_t m, Leaves d, bool b) {
    if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{rfc_mth(d)};
    const std::size_t k = rfc_k(d.size());
    std::vector<Hash> out;
    if (m <= k) {
        out = rfc_subproof(m, d.subspan(0, k), b);
        out.push_back(rfc_mth(d.subspan(k)));
    } else {
        out = rfc_subproof(m - k, d.subspan(k), false);
        out.push_back(rfc_mth(d.subspan(0, k)));
    }
    return out;
}

// PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n.
std::vector<Hash> rfc_proof(std::size_t m, Leaves d) { return rfc_subproof(m, d, true); }

// How many nodes PATH(m, D[n]) and SUBPROOF(m, D[n], b) hold: the shape alone.
std::size_t rfc_path_length(std::uint64_t m, std::uint64_t n) {
    if (n == 1) return 0;
    const std::uint64_t k = rfc_k(n);
    return 1 + (m < k ? rfc_path_length(m, k) : rfc_path_length(m - k, n - k));
}
std::size_t rfc_subproof_length(std::uint64_t m, std::uint64_t n, bool b) {
    if (m == n) return b ? 0 : 1;
    const std::uint64_t k = rfc_k(n);
    return 1 + (m <= k ? rfc_subproof_length(m, k, b) : rfc_subproof_length(m - k, n - k, false));
}

// --- the production tree, stored in memory ---------------------------------------

// Nodes written by MerkleFrontier::append, served read-only up to `limit` leaves:
// a node covering any leaf at or beyond the limit is "missing", so a proof for a
// tree of `limit` leaves that reads past its own leaves fails instead of passing
// by luck. Counts reads.
class MemorySource : public chain::MerkleNodeSource {
public:
    void store(const std::vector<chain::MerkleNode>& nodes) {
        for (const auto& n : nodes) {
            const bool fresh = nodes_.emplace(std::pair{n.level, n.index}, n.hash).second;
            REQUIRE_MESSAGE(fresh, "node " << int{n.level} << "/" << n.index << " written twice");
        }
    }
    std::optional<Hash> node(std::uint8_t level, std::uint64_t index) const override {
        ++reads_;
        if (((index + 1) << level) > limit_) return std::nullopt;
        auto it = nodes_.find({level, index});
        if (it == nodes_.end()) return std::nullopt;
        return it->second;
    }
    void limit(std::uint64_t leaves) { limit_ = leaves; }
    std::size_t reads() const { return reads_; }
    void reset_reads() { reads_ = 0; }
    const std::map<std::pair<std::uint8_t, std::uint64_t>, Hash>& nodes() const { return nodes_; }

private:
    std::map<std::pair<std::uint8_t, std::uint64_t>, Hash> nodes_;
    std::uint64_t limit_ = UINT64_MAX;
    mutable std::size_t reads_ = 0;
};

struct Tree {
    std::vector<Bytes> leaves;             // leaf inputs
    std::vector<chain::MerkleFrontier> at;  // at[n]: the frontier after n appends
    MemorySource source;
    std::map<std::uint64_t, Hash> mth;     // rfc_mth of the first n leaves, computed once

    Hash root(std::uint64_t n) {
        auto it = mth.find(n);
        if (it == mth.end()) it = mth.emplace(n, rfc_mth(Leaves(leaves.data(), n))).first;
        return it->second;
    }
};

Tree build_tree(std::vector<Bytes> leaves) {
    Tree t;
    t.leaves = std::move(leaves);
    chain::MerkleFrontier f{default_suite};
    t.at.push_back(f);
    for (const auto& leaf : t.leaves) {
        t.source.store(f.append(chain::merkle_leaf_hash(default_suite, leaf)));
        t.at.push_back(f);
    }
    return t;
}

// Leaf inputs shaped like record ids: 32 distinct bytes each.
std::vector<Bytes> id_leaves(std::size_t n) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < n; ++i) {
        const Hash h = crypto::sha256(as_bytes("leaf " + std::to_string(i)));
        out.emplace_back(h.begin(), h.end());
    }
    return out;
}

Hash flip(Hash h, std::size_t which) {
    h[which % 32] ^= static_cast<std::uint8_t>(1u << (which % 8));
    return h;
}

Hash hex_hash(std::string_view hex) {
    auto h = from_hex_fixed<32>(hex);
    REQUIRE(h);
    return *h;
}

std::vector<Hash> hex_hashes(std::initializer_list<std::string_view> hexes) {
    std::vector<Hash> out;
    for (auto h : hexes) out.push_back(hex_hash(h));
    return out;
}

// The RFC 9162 verifier needs exactly the tree's shape: assert every way of lying fails.
void check_inclusion(Tree& t, std::uint64_t m, std::uint64_t n) {
    const Leaves d(t.leaves.data(), n);
    const Hash root = t.root(n);
    const Hash leaf = sha256_of(0x00, t.leaves[m]);
    const std::vector<Hash> expected = rfc_path(m, d);

    t.source.limit(n);
    t.source.reset_reads();
    auto path = chain::inclusion_proof(default_suite, t.source, m, n);
    REQUIRE_MESSAGE(path, (path ? "" : path.message()));
    CHECK(t.source.reads() <= static_cast<std::size_t>(2 * std::bit_width(n)));  // O(log n) node reads
    if (*path != expected) FAIL_CHECK("inclusion proof of leaf " << m << " in " << n << " differs from RFC 6962 PATH");
    if (!chain::verify_inclusion(default_suite, leaf, m, n, *path, root)) FAIL_CHECK("valid proof of " << m << " in " << n << " refused");

    auto accepts = [&](const Hash& l, std::uint64_t index, std::uint64_t size, const std::vector<Hash>& p, const Hash& r) {
        return chain::verify_inclusion(default_suite, l, index, size, p, r);
    };
    // Any altered node.
    for (std::size_t i = 0; i < path->size(); ++i) {
        auto bad = *path;
        bad[i] = flip(bad[i], m + i);
        if (accepts(leaf, m, n, bad, root)) FAIL_CHECK("proof of " << m << " in " << n << " with node " << i << " altered accepted");
    }
    // Wrong leaf, root, index.
    if (accepts(flip(leaf, m), m, n, *path, root)) FAIL_CHECK("altered leaf hash accepted");
    if (accepts(crypto::sha256(t.leaves[m]), m, n, *path, root))
        FAIL_CHECK("a leaf hash without the 0x00 prefix accepted");
    if (accepts(leaf, m, n, *path, flip(root, n))) FAIL_CHECK("altered root accepted (" << m << " in " << n << ")");
    if (accepts(leaf, m, n, *path, chain::merkle_empty_root(default_suite))) FAIL_CHECK("empty root accepted");
    for (std::uint64_t index : {m - 1, m + 1, m ^ 2, n, n + 1, UINT64_MAX}) {
        if (index == m) continue;
        if (accepts(leaf, index, n, *path, root)) FAIL_CHECK("proof of " << m << " in " << n << " accepted as index " << index);
    }
    if (m + 1 < n && accepts(sha256_of(0x00, t.leaves[m + 1]), m, n, *path, root)) FAIL_CHECK("another leaf accepted");
    // Wrong size. With the true root of the claimed size, a proof is accepted exactly
    // when it is that size's proof too (anything else would be a SHA-256 collision);
    // with this tree's root, at least a proof of the wrong length must be refused.
    for (std::uint64_t size : {n - 1, n + 1, 2 * n, n / 2, n + 2}) {
        if (size == n || size <= m) continue;
        if (rfc_path_length(m, size) != path->size() && accepts(leaf, m, size, *path, root))
            FAIL_CHECK("proof of " << m << " in " << n << " accepted for size " << size);
        if (size > t.leaves.size()) continue;
        if (accepts(leaf, m, size, *path, t.root(size)) != (rfc_path(m, Leaves(t.leaves.data(), size)) == *path))
            FAIL_CHECK("proof of " << m << " in " << n << " judged wrongly against size " << size);
    }
    if (accepts(leaf, m, 0, *path, root)) FAIL_CHECK("size 0 accepted");
    // Wrong length: one node short, one extra, garbage in front.
    if (!path->empty()) {
        auto shorter = *path;
        shorter.pop_back();
        if (accepts(leaf, m, n, shorter, root)) FAIL_CHECK("truncated proof accepted");
        auto front = *path;
        front.insert(front.begin(), Hash{});
        if (accepts(leaf, m, n, front, root)) FAIL_CHECK("proof with a preceding node accepted");
    }
    auto longer = *path;
    longer.push_back(root);
    if (accepts(leaf, m, n, longer, root)) FAIL_CHECK("proof with a trailing node accepted");
    // ...even when the claimed root is what that trailing node would hash up to.
    if (accepts(leaf, m, n, longer, chain::merkle_node_hash(default_suite, root, root)))
        FAIL_CHECK("proof of " << m << " in " << n << " one node too long accepted against a matching root");
}

void check_consistency(Tree& t, std::uint64_t m, std::uint64_t n) {
    const Leaves d(t.leaves.data(), n);
    const Hash root1 = t.root(m);
    const Hash root2 = t.root(n);
    const std::vector<Hash> expected = rfc_proof(m, d);

    t.source.limit(n);
    t.source.reset_reads();
    auto proof = chain::consistency_proof(default_suite, t.source, m, n);
    REQUIRE_MESSAGE(proof, (proof ? "" : proof.message()));
    CHECK(t.source.reads() <= static_cast<std::size_t>(2 * std::bit_width(n)));
    if (*proof != expected) FAIL_CHECK("consistency proof " << m << " -> " << n << " differs from RFC 6962 PROOF");
    if (!chain::verify_consistency(default_suite, m, n, root1, root2, *proof)) FAIL_CHECK("valid proof " << m << " -> " << n << " refused");

    auto accepts = [](std::uint64_t s1, std::uint64_t s2, const Hash& r1, const Hash& r2, const std::vector<Hash>& p) {
        return chain::verify_consistency(default_suite, s1, s2, r1, r2, p);
    };
    for (std::size_t i = 0; i < proof->size(); ++i) {
        auto bad = *proof;
        bad[i] = flip(bad[i], m + n + i);
        if (accepts(m, n, root1, root2, bad)) FAIL_CHECK("proof " << m << " -> " << n << " with node " << i << " altered accepted");
    }
    if (accepts(m, n, flip(root1, n), root2, *proof)) FAIL_CHECK("altered root1 accepted (" << m << " -> " << n << ")");
    if (accepts(m, n, root1, flip(root2, m), *proof)) FAIL_CHECK("altered root2 accepted (" << m << " -> " << n << ")");
    if (accepts(m, n, root2, root1, *proof)) FAIL_CHECK("swapped roots accepted (" << m << " -> " << n << ")");
    if (accepts(n, m, root2, root1, *proof)) FAIL_CHECK("swapped sizes and roots accepted (" << m << " -> " << n << ")");
    if (accepts(m, n, root1, root2, {})) FAIL_CHECK("empty proof accepted (" << m << " -> " << n << ")");
    auto shorter = *proof;
    shorter.pop_back();
    if (accepts(m, n, root1, root2, shorter)) FAIL_CHECK("truncated proof accepted (" << m << " -> " << n << ")");
    for (const Hash& extra : {root1, root2, Hash{}}) {
        auto longer = *proof;
        longer.push_back(extra);
        if (accepts(m, n, root1, root2, longer)) FAIL_CHECK("proof with a trailing node accepted (" << m << " -> " << n << ")");
        auto front = *proof;
        front.insert(front.begin(), extra);
        if (accepts(m, n, root1, root2, front)) FAIL_CHECK("proof with a preceding node accepted (" << m << " -> " << n << ")");
        // ...even when the claimed roots are what the trailing node would hash them up to.
        if (accepts(m, n, chain::merkle_node_hash(default_suite, extra, root1), chain::merkle_node_hash(default_suite, extra, root2), longer))
            FAIL_CHECK("proof " << m << " -> " << n << " one node too long accepted against matching roots");
    }
    // Wrong sizes. With the true roots of the claimed sizes, a proof is accepted exactly
    // when it is also the RFC proof for those sizes; with these roots, at least a proof
    // of the wrong length for the claimed sizes must be refused.
    for (std::uint64_t s1 : {m - 1, m + 1, m ^ 2, m}) {
        for (std::uint64_t s2 : {n - 1, n + 1, 2 * n, n / 2, n}) {
            if (s1 == m && s2 == n) continue;
            if (s1 > s2) {
                if (accepts(s1, s2, root1, root2, *proof)) FAIL_CHECK("proof accepted for sizes " << s1 << " > " << s2);
                continue;
            }
            if (s1 > 0 && s1 < s2 && rfc_subproof_length(s1, s2, true) != proof->size() &&
                accepts(s1, s2, root1, root2, *proof))
                FAIL_CHECK("proof " << m << " -> " << n << " accepted as " << s1 << " -> " << s2);
            if (s2 > t.leaves.size()) continue;
            const Leaves d2(t.leaves.data(), s2);
            const bool same = s1 > 0 && s1 < s2 && rfc_proof(s1, d2) == *proof;
            if (accepts(s1, s2, t.root(s1), t.root(s2), *proof) != same)
                FAIL_CHECK("proof " << m << " -> " << n << " judged wrongly as " << s1 << " -> " << s2);
        }
    }
}

}  // namespace

TEST_CASE("the hashing is RFC 6962's: leaf 0x00, node 0x01, empty tree SHA-256 of nothing") {
    const Bytes leaf = {0xde, 0xad};
    CHECK(chain::merkle_leaf_hash(default_suite, leaf) == sha256_of(0x00, leaf));
    const Hash a = crypto::sha256(as_bytes("a")), b = crypto::sha256(as_bytes("b"));
    CHECK(chain::merkle_node_hash(default_suite, a, b) == sha256_of(0x01, a, b));
    CHECK(chain::merkle_node_hash(default_suite, a, b) != chain::merkle_node_hash(default_suite, b, a));

    const Hash empty = hex_hash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(chain::merkle_empty_root(default_suite) == empty);
    CHECK(chain::merkle_root_of_leaves(default_suite, {}) == empty);
    CHECK(chain::MerkleFrontier(default_suite).root() == empty);
    CHECK(chain::MerkleFrontier(default_suite).size() == 0);
    MemorySource none;
    auto root0 = chain::merkle_root_at(default_suite, none, 0);
    REQUIRE(root0);
    CHECK(*root0 == empty);
    CHECK(none.reads() == 0);
    auto loaded = chain::MerkleFrontier::load(default_suite, none, 0);
    REQUIRE(loaded);
    CHECK(loaded->root() == empty);
}

TEST_CASE("the tree reproduces the Certificate Transparency reference vectors") {
    // transparency-dev/merkle testonly/constants.go and proof/verify_test.go.
    std::vector<Bytes> inputs;
    for (auto hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"})
        inputs.push_back(*from_hex(hex));
    const auto roots = hex_hashes({
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    });
    // Complete-subtree nodes by level, then index: exactly what the store holds.
    const std::vector<std::vector<Hash>> node_hashes = {
        hex_hashes({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"}),
        hex_hashes({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"}),
        hex_hashes({"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}),
        hex_hashes({"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}),
    };

    Tree t = build_tree(inputs);
    std::size_t stored = 0;
    for (std::size_t level = 0; level < node_hashes.size(); ++level)
        for (std::size_t i = 0; i < node_hashes[level].size(); ++i) {
            CAPTURE(level);
            CAPTURE(i);
            auto h = t.source.node(static_cast<std::uint8_t>(level), i);
            REQUIRE(h);
            CHECK(*h == node_hashes[level][i]);
            ++stored;
        }
    CHECK(t.source.nodes().size() == stored);  // and nothing else

    for (std::size_t n = 0; n <= 8; ++n) {
        CAPTURE(n);
        CHECK(t.at[n].root() == roots[n]);
        CHECK(chain::merkle_root_of_leaves(default_suite, std::vector<Bytes>(inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(n))) == roots[n]);
        CHECK(rfc_mth(Leaves(inputs.data(), n)) == roots[n]);
        t.source.limit(n);
        auto r = chain::merkle_root_at(default_suite, t.source, n);
        REQUIRE(r);
        CHECK(*r == roots[n]);
    }

    struct Inclusion { std::uint64_t index, size; std::vector<Hash> proof; };
    const Inclusion inclusions[] = {
        {0, 1, {}},
        {0, 8, hex_hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
        {5, 8, hex_hashes({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
        {2, 3, hex_hashes({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
        {1, 5, hex_hashes({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
    };
    for (const auto& v : inclusions) {
        CAPTURE(v.index);
        CAPTURE(v.size);
        t.source.limit(v.size);
        auto p = chain::inclusion_proof(default_suite, t.source, v.index, v.size);
        REQUIRE(p);
        CHECK(*p == v.proof);
        CHECK(chain::verify_inclusion(default_suite, chain::merkle_leaf_hash(default_suite, inputs[v.index]), v.index, v.size, v.proof, roots[v.size]));
    }

    struct Consistency { std::uint64_t size1, size2; std::vector<Hash> proof; };
    const Consistency consistencies[] = {
        {1, 8, hex_hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
        {6, 8, hex_hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
        {2, 5, hex_hashes({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
        {6, 7, hex_hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
    };
    for (const auto& v : consistencies) {
        CAPTURE(v.size1);
        CAPTURE(v.size2);
        t.source.limit(v.size2);
        auto p = chain::consistency_proof(default_suite, t.source, v.size1, v.size2);
        REQUIRE(p);
        CHECK(*p == v.proof);
        CHECK(chain::verify_consistency(default_suite, v.size1, v.size2, roots[v.size1], roots[v.size2], v.proof));
    }
}

TEST_CASE("every size up to 64: roots, every inclusion proof and every consistency proof match RFC 6962") {
    Tree t = build_tree(id_leaves(64));
    for (std::uint64_t n = 1; n <= 64; ++n) {
        CAPTURE(n);
        const Leaves d(t.leaves.data(), n);
        const Hash root = rfc_mth(d);
        CHECK(t.at[n].size() == n);
        CHECK(t.at[n].root() == root);
        CHECK(chain::merkle_root_of_leaves(default_suite, std::vector<Bytes>(d.begin(), d.end())) == root);
        t.source.limit(n);
        t.source.reset_reads();
        auto stored_root = chain::merkle_root_at(default_suite, t.source, n);
        REQUIRE(stored_root);
        CHECK(*stored_root == root);
        CHECK(t.source.reads() == static_cast<std::size_t>(std::popcount(n)));  // one read per complete subtree
        for (std::uint64_t m = 0; m < n; ++m) check_inclusion(t, m, n);
        for (std::uint64_t m = 1; m < n; ++m) check_consistency(t, m, n);
    }
}

TEST_CASE("sizes 1000 and 1025: roots and proofs match RFC 6962") {
    Tree t = build_tree(id_leaves(1025));
    for (std::uint64_t n : {1000u, 1024u, 1025u}) {
        CAPTURE(n);
        const Hash root = rfc_mth(Leaves(t.leaves.data(), n));
        CHECK(t.at[n].root() == root);
        t.source.limit(n);
        auto stored_root = chain::merkle_root_at(default_suite, t.source, n);
        REQUIRE(stored_root);
        CHECK(*stored_root == root);
    }
    for (std::uint64_t n : {1000u, 1025u})
        for (std::uint64_t m = 0; m < n; m += (m < 16 || m + 16 > n) ? 1 : 7) check_inclusion(t, m, n);
    for (std::uint64_t n : {1000u, 1024u, 1025u})
        for (std::uint64_t m : {1u, 2u, 3u, 7u, 8u, 9u, 500u, 511u, 512u, 513u, 999u, 1000u, 1023u, 1024u})
            if (m < n) check_consistency(t, m, n);
}

TEST_CASE("the frontier stores exactly the complete subtrees and reloads from them") {
    Tree t = build_tree(id_leaves(100));
    // Every complete subtree of 100 leaves, and nothing else, with its RFC 6962 hash.
    std::size_t expected_count = 0;
    for (std::uint8_t level = 0; (1u << level) <= 100; ++level)
        for (std::uint64_t i = 0; ((i + 1) << level) <= 100; ++i) {
            ++expected_count;
            auto h = t.source.node(level, i);
            REQUIRE(h);
            CHECK(*h == rfc_mth(Leaves(t.leaves.data() + (i << level), std::size_t{1} << level)));
        }
    CHECK(t.source.nodes().size() == expected_count);

    // A frontier loaded from the store at any size continues exactly as the original.
    for (std::uint64_t n = 0; n <= 100; ++n) {
        CAPTURE(n);
        t.source.limit(n);
        auto loaded = chain::MerkleFrontier::load(default_suite, t.source, n);
        REQUIRE(loaded);
        CHECK(loaded->size() == n);
        CHECK(loaded->root() == t.at[n].root());
        if (n < 100) {
            chain::MerkleFrontier a = *loaded, b = t.at[n];
            const Hash next = chain::merkle_leaf_hash(default_suite, t.leaves[n]);
            const auto wa = a.append(next), wb = b.append(next);
            REQUIRE(wa.size() == wb.size());
            for (std::size_t i = 0; i < wa.size(); ++i) {
                CHECK(wa[i].level == wb[i].level);
                CHECK(wa[i].index == wb[i].index);
                CHECK(wa[i].hash == wb[i].hash);
            }
            CHECK(a.root() == t.at[n + 1].root());
            // An append writes the leaf and one node per level it completes.
            CHECK(wa.size() == 1 + static_cast<std::size_t>(std::countr_one(n)));
        }
    }
}

TEST_CASE("a missing stored node is an error that names it") {
    Tree t = build_tree(id_leaves(6));
    t.source.limit(5);  // hides every node that covers leaf 5: level 0 index 5, level 1 index 2
    auto root = chain::merkle_root_at(default_suite, t.source, 6);
    REQUIRE_FALSE(root);
    CHECK(root.message().find("level 1 index 2") != std::string::npos);
    auto proof = chain::inclusion_proof(default_suite, t.source, 0, 6);
    REQUIRE_FALSE(proof);
    CHECK(proof.message().find("level 1 index 2") != std::string::npos);
    CHECK_FALSE(chain::consistency_proof(default_suite, t.source, 2, 6));
    auto loaded = chain::MerkleFrontier::load(default_suite, t.source, 6);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.message().find("level 1 index 2") != std::string::npos);
}

TEST_CASE("degenerate proofs: empty trees, equal sizes, out-of-range indexes") {
    Tree t = build_tree(id_leaves(5));
    const Hash empty = chain::merkle_empty_root(default_suite);
    const Hash root5 = t.at[5].root(), root3 = t.at[3].root();
    const Hash leaf0 = chain::merkle_leaf_hash(default_suite, t.leaves[0]);

    // A one-leaf tree: the root is the leaf hash and the path is empty.
    CHECK(t.at[1].root() == leaf0);
    CHECK(chain::verify_inclusion(default_suite, leaf0, 0, 1, {}, leaf0));
    CHECK_FALSE(chain::verify_inclusion(default_suite, leaf0, 0, 1, {leaf0}, leaf0));
    CHECK_FALSE(chain::verify_inclusion(default_suite, leaf0, 1, 1, {}, leaf0));
    CHECK_FALSE(chain::verify_inclusion(default_suite, leaf0, 0, 0, {}, leaf0));
    CHECK_FALSE(chain::verify_inclusion(default_suite, empty, 0, 0, {}, empty));
    CHECK_FALSE(chain::inclusion_proof(default_suite, t.source, 5, 5));
    CHECK_FALSE(chain::inclusion_proof(default_suite, t.source, 0, 0));

    // Consistency from the empty tree, and between equal sizes.
    CHECK(chain::verify_consistency(default_suite, 0, 5, empty, root5, {}));
    CHECK_FALSE(chain::verify_consistency(default_suite, 0, 5, root3, root5, {}));
    CHECK_FALSE(chain::verify_consistency(default_suite, 0, 5, empty, root5, {root5}));
    CHECK(chain::verify_consistency(default_suite, 0, 0, empty, empty, {}));
    CHECK(chain::verify_consistency(default_suite, 5, 5, root5, root5, {}));
    CHECK_FALSE(chain::verify_consistency(default_suite, 5, 5, root5, root3, {}));
    CHECK_FALSE(chain::verify_consistency(default_suite, 5, 5, root5, root5, {root5}));
    CHECK_FALSE(chain::verify_consistency(default_suite, 5, 3, root5, root3, {}));
    auto p = chain::consistency_proof(default_suite, t.source, 0, 5);
    REQUIRE(p);
    CHECK(p->empty());
    p = chain::consistency_proof(default_suite, t.source, 5, 5);
    REQUIRE(p);
    CHECK(p->empty());
    CHECK_FALSE(chain::consistency_proof(default_suite, t.source, 5, 3));
}
