// Admission: the only way a record enters the node. In order, cheapest first:
// chain id, size, client time window (genesis params, against the node's clock), member
// and role policy at the next height, references (committed ones only), duplicates
// (pending, then committed: a store read), a full mempool, and only then the signature
// (on the VerifyPool, once per node: blocks never re-verify), then the atomic duplicate
// check and insert into the mempool (Mempool::add; no store read under its lock). A
// refused record changes nothing. Thread-safe.
//
// Admission may be stricter than the block-validity rule (chain/validity.h): it uses
// the node's clock. It never decides whether a committed block is valid; a block from a
// peer goes through the rule alone.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

#include "chain/state.h"
#include "chain/reject.h"
#include "node/mempool.h"
#include "node/verify_pool.h"
#include "storage/block_store.h"

namespace jchain::node {

using AdmitResult = std::variant<chain::Hash, chain::Reject>;  // the id, or why not

// The chain state in force at the tip's next height: written by the consensus driver
// when a block's governance records change it, read by admission and RPC.
class CurrentState {
public:
    explicit CurrentState(chain::ChainState s) : state_(std::make_shared<const chain::ChainState>(std::move(s))) {}
    std::shared_ptr<const chain::ChainState> get() const {
        std::lock_guard lock(mutex_);
        return state_;
    }
    void set(std::shared_ptr<const chain::ChainState> s) {
        std::lock_guard lock(mutex_);
        state_ = std::move(s);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const chain::ChainState> state_;
};

class Admission {
public:
    Admission(const CurrentState& state, const storage::BlockStore& store, Mempool& mempool, VerifyPool& pool);

    // Checks and admits each record; results are in input order.
    std::vector<AdmitResult> admit(std::vector<chain::Record> records, std::uint64_t now_ms);

    // The checks that need no signature and no mempool: nullopt when they pass.
    // `signed_bytes` is record_signed_bytes(record), computed once by the caller.
    // Under `state`, which admit() reads once per batch.
    std::optional<chain::Reject> check_policy(const chain::ChainState& state, const chain::Record& record,
                                              std::size_t signed_bytes, std::uint64_t now_ms) const;

private:
    const crypto::PreparedKey* prepared(const crypto::PublicKey& key);  // under keys_mutex_

    const CurrentState& state_;
    const storage::BlockStore& store_;
    Mempool& mempool_;
    VerifyPool& pool_;
    std::mutex keys_mutex_;
    std::map<crypto::PublicKey, crypto::PreparedKey> prepared_keys_;  // parsed once per key
};

}  // namespace jchain::node
