// BlockStore: the node's durable state: blocks with their commit certificates, records
// and their indexes (by id, content hash, case, correction), and the ledger tree nodes.
// Key layout: docs/storage.md.
//
// Durability: commit_block writes a block and everything it touches in one synced
// LevelDB WriteBatch, so after a crash the store holds every block whose commit
// returned, and no part of any other. Thread-safety: reads may run concurrently with
// each other and with commit_block; commits must be serialised by the caller.
// A read that fails for a reason other than "not found" (I/O error, corruption) is
// fatal: the node stops with a message naming the key (docs/architecture.md). A read
// while the store is closed after a failed reopen() is not: it waits for the store to
// open again and, if it cannot, throws StoreUnavailable (docs/storage.md, "Damage").
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/result.h"
#include "chain/genesis.h"
#include "chain/merkle.h"
#include "chain/state.h"
#include "chain/validity.h"

namespace jchain::storage {

using chain::Hash;

// Thrown by a read of a store that a failed reopen() left closed and that could not be
// opened again within a few seconds: the disk, not the data, is at fault; retry later.
// (Reads return values, so this is their one way to say "not now"; the RPC layer answers
// it as an internal error with this message.)
struct StoreUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct StoredRecord {
    chain::Record record;
    std::uint64_t height = 0;
    std::uint64_t leaf_index = 0;
};

class BlockStore : public chain::MerkleNodeSource {
public:
    // Opens (creating if absent) the store in `dir` for the chain of `genesis`.
    // Fails if the directory belongs to another genesis or is inconsistent: the
    // tip block, its certificate and the ledger tree must agree (check_tip).
    static Result<std::unique_ptr<BlockStore>> open(const std::string& dir, const chain::Genesis& genesis);

    virtual ~BlockStore() = default;

    // Height of the last committed block; 0 before the first.
    virtual std::uint64_t height() const = 0;
    virtual std::optional<chain::Block> block(std::uint64_t height) const = 0;
    virtual std::optional<std::uint64_t> height_of(const Hash& block_hash) const = 0;
    virtual std::optional<chain::CommitCertificate> certificate(std::uint64_t height) const = 0;

    virtual std::optional<StoredRecord> record(const Hash& id) const = 0;
    virtual bool has_record(const Hash& id) const = 0;
    // Ids in commit order, at most `limit`.
    virtual std::vector<Hash> records_with_content(const Hash& content_hash, std::size_t limit) const = 0;
    virtual std::vector<Hash> records_of_case(const std::string& case_id, std::size_t limit) const = 0;
    virtual std::vector<Hash> corrections_of(const Hash& id) const = 0;

    // The chain state after block `height` (in force at height + 1): the genesis state
    // until a block's governance records change it (chain/state.h).
    virtual chain::ChainState state_after(std::uint64_t height) const = 0;

    // Commits `block` (height() + 1) with its certificate, its records in ledger
    // order, the ledger tree nodes the block completed and, when its governance records
    // changed it, the state after it; synced before returning.
    virtual Status commit_block(const chain::Block& block, const chain::CommitCertificate& certificate,
                                const std::vector<chain::Record>& records,
                                const std::vector<chain::MerkleNode>& nodes,
                                const chain::ChainState* next_state = nullptr) = 0;

    // Signature lines on the checkpoint at ledger size `size` (docs/checkpoints.md): the
    // validators' and witnesses' attestations, made after the block that reached the size
    // committed and not part of it. In signer order.
    virtual std::vector<std::string> checkpoint_signatures(std::uint64_t size) const = 0;
    // Stores one line under `signer` (its key name and key id). A signer's first line for
    // a size is kept: false when one was there. Not synced: a line lost in a crash is
    // signed or sent again.
    virtual Result<bool> add_checkpoint_signature(std::uint64_t size, const std::string& signer,
                                                  const std::string& line) = 0;
    // Sizes that hold signature lines, below `below`, largest first, at most `limit`.
    virtual std::vector<std::uint64_t> checkpoint_sizes(std::uint64_t below, std::size_t limit) const = 0;

    // After a failed write (disk full, I/O error): closes and reopens the underlying
    // files, so a store whose writes failed can take writes again once the cause is
    // gone. height() is re-read from disk (a failed commit may or may not have landed).
    // Fails while the store still cannot be opened; the store is then closed: writes fail,
    // and a read opens it itself, waiting up to 5 s, or throws StoreUnavailable. A reader
    // never sees damage that is not there.
    virtual Status reopen() { return Status::ok(); }

    // Returns once the in-memory indexes that open() builds in the background (the
    // committed-id filter, docs/storage.md) are complete. Answers are the same before and
    // after, only slower before: for tests and benchmarks that measure the steady state.
    virtual void wait_for_indexes() const {}
};

// Committed history for the block-validity rule, read from a store: the records of
// blocks below `below_height` (0: every block in the store). A node checking its next
// block uses 0; an audit of a store that already holds later blocks passes the height
// being checked, so a record counts only where it was committed.
class StoreHistory final : public chain::History {
public:
    explicit StoreHistory(const BlockStore& store, std::uint64_t below_height = 0)
        : store_(store), below_height_(below_height) {}
    void set_below_height(std::uint64_t h) { below_height_ = h; }
    std::optional<chain::PublicKey> submitter_of(const Hash& id) const override {
        auto r = store_.record(id);
        if (!r || (below_height_ != 0 && r->height >= below_height_)) return std::nullopt;
        return r->record.submitter;
    }

private:
    const BlockStore& store_;
    std::uint64_t below_height_;
};

}  // namespace jchain::storage
