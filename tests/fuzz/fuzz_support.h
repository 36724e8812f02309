// Shared by the fuzz targets and make_corpus (docs/fuzzing.md): a check that aborts (so
// libFuzzer reports it with the input), an in-memory BlockStore, and one fixed chain
// (tests/support/test_chain.h's keys) whose genesis every target that needs one uses, so
// that the seeds make_corpus writes from it are valid for the targets.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "chain/block_builder.h"
#include "storage/block_store.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

// A property the target checks. A failure aborts, so libFuzzer saves the input.
#define FUZZ_CHECK(cond)                                                                             \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__);    \
            std::abort();                                                                            \
        }                                                                                            \
    } while (0)

namespace jchain::fuzz {

inline ByteSpan span_of(const std::uint8_t* data, std::size_t size) { return ByteSpan(data, size); }
inline std::string string_of(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// A BlockStore in memory: what import and receipts need, without LevelDB's cost per input.
class MemoryStore final : public storage::BlockStore {
public:
    std::uint64_t height() const override { return blocks_.size(); }
    std::optional<chain::Block> block(std::uint64_t h) const override {
        if (h == 0 || h > blocks_.size()) return std::nullopt;
        return blocks_[h - 1];
    }
    std::optional<std::uint64_t> height_of(const chain::Hash& hash) const override {
        auto it = heights_.find(hash);
        return it == heights_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
    }
    std::optional<chain::CommitCertificate> certificate(std::uint64_t h) const override {
        if (h == 0 || h > certs_.size()) return std::nullopt;
        return certs_[h - 1];
    }
    std::optional<storage::StoredRecord> record(const chain::Hash& id) const override {
        auto it = records_.find(id);
        return it == records_.end() ? std::nullopt : std::optional<storage::StoredRecord>(it->second);
    }
    bool has_record(const chain::Hash& id) const override { return records_.contains(id); }
    std::vector<chain::Hash> records_with_content(const chain::Hash& content, std::size_t limit) const override {
        return matching(limit, [&](const chain::Record& r) { return r.content_hash == content; });
    }
    std::vector<chain::Hash> records_of_case(const std::string& case_id, std::size_t limit) const override {
        return matching(limit, [&](const chain::Record& r) { return !case_id.empty() && r.case_tag == case_id; });
    }
    std::vector<chain::Hash> corrections_of(const chain::Hash& id) const override {
        return matching(1000, [&](const chain::Record& r) {
            return r.kind == chain::Kind::correction && !r.refs.empty() && r.refs[0] == id;
        });
    }
    std::optional<chain::Hash> node(std::uint8_t level, std::uint64_t index) const override {
        auto it = nodes_.find({level, index});
        return it == nodes_.end() ? std::nullopt : std::optional<chain::Hash>(it->second);
    }
    // The genesis state until a block's governance changed it (set_genesis first).
    chain::ChainState state_after(std::uint64_t h) const override {
        auto it = states_.upper_bound(h);
        if (it == states_.begin()) return chain::ChainState::from_genesis(genesis_);
        return std::prev(it)->second;
    }
    void set_genesis(const chain::Genesis& g) { genesis_ = g; }
    Status commit_block(const chain::Block& block, const chain::CommitCertificate& cert,
                        const std::vector<chain::Record>& records, const std::vector<chain::MerkleNode>& nodes,
                        const chain::ChainState* next_state = nullptr) override {
        if (next_state) states_[block.header.height] = *next_state;
        assert(block.header.height == height() + 1);
        assert(records.size() == block.record_ids.size());
        std::uint64_t leaf = block.header.ledger_size - records.size();
        for (std::size_t i = 0; i < records.size(); ++i, ++leaf) {
            records_[block.record_ids[i]] = storage::StoredRecord{records[i], block.header.height, leaf};
            order_.push_back(block.record_ids[i]);
        }
        for (const auto& n : nodes) nodes_[{n.level, n.index}] = n.hash;
        heights_[chain::block_hash(default_suite, block.header)] = block.header.height;
        blocks_.push_back(block);
        certs_.push_back(cert);
        return Status::ok();
    }

    std::vector<std::string> checkpoint_signatures(std::uint64_t size) const override {
        std::vector<std::string> out;
        for (auto it = lines_.lower_bound({size, ""}); it != lines_.end() && it->first.first == size; ++it)
            out.push_back(it->second);
        return out;
    }
    Result<bool> add_checkpoint_signature(std::uint64_t size, const std::string& signer, const std::string& line) override {
        return lines_.emplace(std::pair{size, signer}, line).second;
    }
    std::vector<std::uint64_t> checkpoint_sizes(std::uint64_t below, std::size_t limit) const override {
        std::vector<std::uint64_t> out;
        for (auto it = lines_.rbegin(); it != lines_.rend() && out.size() < limit; ++it)
            if (it->first.first < below && (out.empty() || out.back() != it->first.first)) out.push_back(it->first.first);
        return out;
    }

private:
    template <class F>
    std::vector<chain::Hash> matching(std::size_t limit, F&& f) const {
        std::vector<chain::Hash> out;
        for (const auto& id : order_)
            if (out.size() < limit && f(records_.at(id).record)) out.push_back(id);
        return out;
    }

    chain::Genesis genesis_;
    std::map<std::pair<std::uint64_t, std::string>, std::string> lines_;
    std::map<std::uint64_t, chain::ChainState> states_;
    std::vector<chain::Block> blocks_;
    std::vector<chain::CommitCertificate> certs_;
    std::map<chain::Hash, std::uint64_t> heights_;
    std::map<chain::Hash, storage::StoredRecord> records_;
    std::vector<chain::Hash> order_;  // record ids in commit order
    std::map<std::pair<std::uint8_t, std::uint64_t>, chain::Hash> nodes_;
};

// The fixed chain: test::TestChain's genesis (one validator, scalar 1; a court and a
// police member) and `blocks` certified blocks of a few records each, the last of
// which holds a record with metadata, a case id and a reference.
struct FuzzChain {
    test::TestChain tc;
    MemoryStore store;

    explicit FuzzChain(int blocks = 0) {
        store.set_genesis(tc.genesis);
        std::uint64_t n = 0;
        for (int b = 0; b < blocks; ++b) {
            std::vector<chain::Record> records;
            for (int i = 0; i < 3; ++i, ++n) records.push_back(tc.record(n, i % 2 ? tc.police : tc.court));
            if (b == blocks - 1) {
                chain::Record r = tc.record(n++, tc.court);
                r.metadata = {{"file_name", "合同.pdf"}, {"source", "upload"}};
                r.refs = {chain::record_id(default_suite, records[0])};
                chain::sign_record(default_suite, r, tc.court);
                records.push_back(r);
            }
            add_block(records);
        }
    }

    void add_block(const std::vector<chain::Record>& records) {
        const std::uint64_t h = store.height();
        chain::MerkleFrontier frontier{default_suite};
        chain::Hash prev = chain::genesis_hash(tc.genesis);
        if (h > 0) {
            const auto last = store.block(h);
            frontier = *chain::MerkleFrontier::load(default_suite, store, last->header.ledger_size);
            prev = chain::block_hash(default_suite, last->header);
        }
        auto certified = tc.block(h, prev, frontier, records);
        (void)store.commit_block(certified.built.block, certified.cert, records, certified.built.nodes);
    }
};

}  // namespace jchain::fuzz
