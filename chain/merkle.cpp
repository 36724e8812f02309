#include "chain/merkle.h"

#include <cstdio>
#include <cstdlib>

#include <bit>
#include <string>

namespace jchain::chain {

namespace {

// Largest power of two strictly less than n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

Hash reference_root(const Suite& suite, const std::vector<Bytes>& leaves, std::size_t lo, std::size_t hi) {
    if (hi - lo == 1) return merkle_leaf_hash(suite, leaves[lo]);
    std::size_t k = split_point(hi - lo);
    return merkle_node_hash(suite, reference_root(suite, leaves, lo, lo + k), reference_root(suite, leaves, lo + k, hi));
}

Result<Hash> stored_node(const MerkleNodeSource& source, std::uint8_t level, std::uint64_t index) {
    auto h = source.node(level, index);
    if (!h) return Status::error("ledger tree node level " + std::to_string(level) + " index " + std::to_string(index) +
                                 " is missing from the store");
    return *h;
}

// MTH(D[lo:hi]) for a range that appears in RFC 6962's recursion: lo is a multiple of
// the smallest power of two >= hi - lo, so the range is a complete stored subtree or
// splits into one and a smaller such range.
Result<Hash> range_hash(const Suite& suite, const MerkleNodeSource& source, std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t n = hi - lo;
    if (std::has_single_bit(n)) {
        auto level = static_cast<std::uint8_t>(std::countr_zero(n));
        return stored_node(source, level, lo >> level);
    }
    std::uint64_t k = split_point(n);
    auto left = range_hash(suite, source, lo, lo + k);
    if (!left) return left;
    auto right = range_hash(suite, source, lo + k, hi);
    if (!right) return right;
    return merkle_node_hash(suite, *left, *right);
}

Status inclusion_path(const Suite& suite, const MerkleNodeSource& source, std::uint64_t m, std::uint64_t lo, std::uint64_t hi,
                      std::vector<Hash>& out) {
    std::uint64_t n = hi - lo;
    if (n == 1) return Status::ok();
    std::uint64_t k = split_point(n);
    Result<Hash> sibling = Status::error("unset");
    if (m < k) {
        if (auto s = inclusion_path(suite, source, m, lo, lo + k, out); !s) return s;
        sibling = range_hash(suite, source, lo + k, hi);
    } else {
        if (auto s = inclusion_path(suite, source, m - k, lo + k, hi, out); !s) return s;
        sibling = range_hash(suite, source, lo, lo + k);
    }
    if (!sibling) return sibling.status();
    out.push_back(*sibling);
    return Status::ok();
}

// SUBPROOF(m, D[lo:hi], b) of RFC 6962 section 2.1.2.
Status subproof(const Suite& suite, const MerkleNodeSource& source, std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool b,
                std::vector<Hash>& out) {
    std::uint64_t n = hi - lo;
    if (m == n) {
        if (b) return Status::ok();
        auto h = range_hash(suite, source, lo, hi);
        if (!h) return h.status();
        out.push_back(*h);
        return Status::ok();
    }
    std::uint64_t k = split_point(n);
    Result<Hash> sibling = Status::error("unset");
    if (m <= k) {
        if (auto s = subproof(suite, source, m, lo, lo + k, b, out); !s) return s;
        sibling = range_hash(suite, source, lo + k, hi);
    } else {
        if (auto s = subproof(suite, source, m - k, lo + k, hi, false, out); !s) return s;
        sibling = range_hash(suite, source, lo, lo + k);
    }
    if (!sibling) return sibling.status();
    out.push_back(*sibling);
    return Status::ok();
}

}  // namespace

Hash merkle_leaf_hash(const Suite& suite, ByteSpan leaf_input) {
    Bytes buf;
    buf.reserve(1 + leaf_input.size());
    buf.push_back(0x00);
    buf.insert(buf.end(), leaf_input.begin(), leaf_input.end());
    return suite.hash(buf);
}

Hash merkle_node_hash(const Suite& suite, const Hash& left, const Hash& right) {
    std::uint8_t buf[65];
    buf[0] = 0x01;
    std::copy(left.begin(), left.end(), buf + 1);
    std::copy(right.begin(), right.end(), buf + 33);
    return suite.hash(buf);
}

Hash merkle_empty_root(const Suite& suite) { return suite.hash({}); }

Hash merkle_root_of_leaves(const Suite& suite, const std::vector<Bytes>& leaves) {
    return leaves.empty() ? merkle_empty_root(suite) : reference_root(suite, leaves, 0, leaves.size());
}

bool verify_inclusion(const Suite& suite, const Hash& leaf_hash, std::uint64_t index, std::uint64_t size, const std::vector<Hash>& path,
                      const Hash& root) {
    if (index >= size) return false;
    std::uint64_t fn = index, sn = size - 1;
    Hash r = leaf_hash;
    for (const Hash& p : path) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            r = merkle_node_hash(suite, p, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
        } else {
            r = merkle_node_hash(suite, r, p);
        }
        fn >>= 1, sn >>= 1;
    }
    return sn == 0 && r == root;
}

bool verify_consistency(const Suite& suite, std::uint64_t size1, std::uint64_t size2, const Hash& root1, const Hash& root2,
                        const std::vector<Hash>& path) {
    if (size1 > size2) return false;
    if (size1 == size2) return path.empty() && root1 == root2;
    if (size1 == 0) return path.empty() && root1 == merkle_empty_root(suite);
    if (path.empty()) return false;
    std::vector<Hash> p;
    if (std::has_single_bit(size1)) p.push_back(root1);
    p.insert(p.end(), path.begin(), path.end());
    std::uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) fn >>= 1, sn >>= 1;
    Hash fr = p[0], sr = p[0];
    for (std::size_t i = 1; i < p.size(); ++i) {
        if (sn == 0) return false;
        if ((fn & 1) || fn == sn) {
            fr = merkle_node_hash(suite, p[i], fr);
            sr = merkle_node_hash(suite, p[i], sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
        } else {
            sr = merkle_node_hash(suite, sr, p[i]);
        }
        fn >>= 1, sn >>= 1;
    }
    return fr == root1 && sr == root2 && sn == 0;
}

Result<Hash> merkle_root_at(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size) {
    if (size == 0) return merkle_empty_root(suite);
    return range_hash(suite, source, 0, size);
}

Result<std::vector<Hash>> inclusion_proof(const Suite& suite, const MerkleNodeSource& source, std::uint64_t index, std::uint64_t size) {
    if (index >= size) return Status::error("leaf index " + std::to_string(index) + " is not below tree size " +
                                            std::to_string(size));
    std::vector<Hash> path;
    if (auto s = inclusion_path(suite, source, index, 0, size, path); !s) return s;
    return path;
}

Result<std::vector<Hash>> consistency_proof(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size1, std::uint64_t size2) {
    if (size1 > size2) return Status::error("size1 must not exceed size2");
    std::vector<Hash> path;
    if (size1 == 0 || size1 == size2) return path;
    if (auto s = subproof(suite, source, size1, 0, size2, true, path); !s) return s;
    return path;
}

Result<MerkleFrontier> MerkleFrontier::load(const Suite& suite, const MerkleNodeSource& source, std::uint64_t size) {
    MerkleFrontier f(suite);
    f.size_ = size;
    for (int level = 0; level < 64; ++level) {
        if (!((size >> level) & 1)) continue;
        auto h = stored_node(source, static_cast<std::uint8_t>(level), (size >> level) - 1);
        if (!h) return h.status();
        f.peaks_[level] = *h;
    }
    return f;
}

const Suite& MerkleFrontier::suite() const {
    if (!suite_) {
        std::fprintf(stderr, "fatal: a placeholder MerkleFrontier was used (a bug: no suite)\n");
        std::abort();
    }
    return *suite_;
}

std::vector<MerkleNode> MerkleFrontier::append(const Hash& leaf_hash) {
    std::vector<MerkleNode> written;
    Hash cur = leaf_hash;
    std::uint64_t index = size_;
    std::uint8_t level = 0;
    written.push_back({level, index, cur});
    while (index & 1) {  // a left sibling waits at this level: merge
        cur = merkle_node_hash(suite(), peaks_[level], cur);
        ++level;
        index >>= 1;
        written.push_back({level, index, cur});
    }
    peaks_[level] = cur;
    ++size_;
    return written;
}

Hash MerkleFrontier::root() const {
    if (size_ == 0) return merkle_empty_root(suite());
    std::optional<Hash> r;
    for (int level = 0; level < 64; ++level) {
        if (!((size_ >> level) & 1)) continue;
        r = r ? merkle_node_hash(suite(), peaks_[level], *r) : peaks_[level];
    }
    return *r;
}

}  // namespace jchain::chain
