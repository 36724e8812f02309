#include "node/admission.h"

namespace jchain::node {

using chain::Reject;
using chain::RejectReason;

Admission::Admission(const CurrentState& state, const storage::BlockStore& store, Mempool& mempool, VerifyPool& pool)
    : state_(state), store_(store), mempool_(mempool), pool_(pool) {}

const crypto::PreparedKey* Admission::prepared(const crypto::PublicKey& key) {
    auto it = prepared_keys_.find(key);
    if (it == prepared_keys_.end()) {
        auto parsed = crypto::PreparedKey::from(state_.get()->suite, key);
        if (!parsed) return nullptr;  // not a point of the suite's curve: cannot verify
        it = prepared_keys_.emplace(key, std::move(*parsed)).first;
    }
    return &it->second;  // std::map nodes stay put
}

std::optional<Reject> Admission::check_policy(const chain::ChainState& state, const chain::Record& r,
                                              std::size_t signed_bytes, std::uint64_t now_ms) const {
    const chain::ChainParams& params = state.params;
    if (r.chain_id != state.chain_id)
        return Reject{RejectReason::wrong_chain, "record is for chain '" + r.chain_id + "', this is '" + state.chain_id + "'"};
    if (auto problem = chain::check_record_shape(r)) return Reject{RejectReason::invalid_record, *problem};
    if (signed_bytes > params.record_bytes_max)
        return Reject{RejectReason::too_large, "record exceeds " + std::to_string(params.record_bytes_max) + " signed bytes"};
    const std::uint64_t window = params.client_time_window_ms;
    if (r.client_time_ms < now_ms && now_ms - r.client_time_ms > window)
        return Reject{RejectReason::stale_timestamp, "client_time_ms is more than " + std::to_string(window / 1000) +
                                                         " s behind the node's clock"};
    if (r.client_time_ms > now_ms && r.client_time_ms - now_ms > window)
        return Reject{RejectReason::stale_timestamp, "client_time_ms is more than " + std::to_string(window / 1000) +
                                                         " s ahead of the node's clock"};
    const std::uint64_t height = store_.height() + 1;
    for (const auto& ref : r.refs)
        if (!store_.has_record(ref))
            return Reject{RejectReason::unknown_reference, "ref " + to_hex(ref) + " is not a committed record"};
    auto submitter_of = [this](const chain::Hash& id) -> std::optional<crypto::PublicKey> {
        auto target = store_.record(id);
        if (!target) return std::nullopt;
        return target->record.submitter;
    };
    if (auto denied = chain::check_permission(state, height, r, submitter_of)) return Reject{denied->reason, denied->message};
    if (r.kind == chain::Kind::governance) {
        chain::GovernanceBlock governance(state, height);
        if (auto bad = governance.check(r, chain::record_id(state.suite, r)))
            return Reject{bad->reason, bad->message, bad->word};
    }
    return std::nullopt;
}

namespace {

// Only on failure, so it costs nothing on the good path: a record signed for another
// suite (or SM2 user ID) is told so, not just that its signature is bad.
Reject signature_reject(const crypto::Suite& suite, const chain::Record& r) {
    if (auto other = chain::foreign_suite(suite, r))
        return Reject{RejectReason::wrong_suite, chain::wrong_suite_message(suite, *other)};
    return Reject{RejectReason::bad_signature,
                  "signature does not verify for submitter " + to_hex(r.submitter.bytes) +
                      (suite.is_sm2() ? " (SM2 with SM3, user ID " + suite.sm2_user_id() + ")" : "")};
}

}  // namespace

std::vector<AdmitResult> Admission::admit(std::vector<chain::Record> records, std::uint64_t now_ms) {
    std::vector<AdmitResult> results(records.size(), chain::Hash{});
    std::vector<chain::Hash> ids(records.size());
    std::vector<std::uint64_t> checked_at(records.size(), 0);
    std::vector<VerifyPool::Job> jobs;
    std::vector<std::size_t> positions;
    const auto state = state_.get();  // once per batch
    for (std::size_t i = 0; i < records.size(); ++i) {
        const Bytes bytes = chain::record_signed_bytes(records[i]);
        if (auto reject = check_policy(*state, records[i], bytes.size(), now_ms)) {
            // A key this chain does not know may be a key of another suite.
            if (reject->reason == RejectReason::unknown_member)
                if (auto other = chain::foreign_suite(state->suite, records[i]))
                    reject = Reject{RejectReason::wrong_suite, chain::wrong_suite_message(state->suite, *other)};
            results[i] = std::move(*reject);
            continue;
        }
        ids[i] = state->suite.hash(bytes);
        // The cheap refusals come before the signature, which is the one costly check.
        if (mempool_.contains(ids[i])) {
            results[i] = Reject{RejectReason::duplicate, "record " + to_hex(ids[i]) + " was already submitted"};
            continue;
        }
        checked_at[i] = mempool_.removals();  // before the store read (Mempool::add)
        if (store_.has_record(ids[i])) {
            results[i] = Reject{RejectReason::duplicate, "record " + to_hex(ids[i]) + " is already committed"};
            continue;
        }
        if (mempool_.full()) {
            results[i] = Reject{RejectReason::mempool_full, "the mempool is full; retry shortly"};
            continue;
        }
        jobs.push_back({nullptr, &ids[i], &records[i].signature});
        positions.push_back(i);
    }
    {
        std::lock_guard lock(keys_mutex_);  // the keys stay put (std::map nodes) while the pool reads them
        for (std::size_t k = 0; k < positions.size(); ++k) jobs[k].key = prepared(records[positions[k]].submitter);
    }
    const std::vector<bool> ok = pool_.verify(jobs);
    auto committed = [this](const chain::Hash& id) { return store_.has_record(id); };
    for (std::size_t k = 0; k < positions.size(); ++k) {
        const std::size_t i = positions[k];
        if (!ok[k]) {
            results[i] = signature_reject(state->suite, records[i]);
            continue;
        }
        if (auto reject = mempool_.add({ids[i], std::move(records[i]), now_ms}, committed, checked_at[i]))
            results[i] = std::move(*reject);
        else
            results[i] = ids[i];
    }
    return results;
}

}  // namespace jchain::node
