#include "consensus/core.h"

#include <cassert>
#include <deque>
#include <set>

#include "base/hex.h"

namespace jchain::consensus {
namespace {

TimeoutConfig timeouts_of(const chain::ChainParams& p) {
    TimeoutConfig t;
    t.propose_ms = p.timeout_propose_ms;
    t.propose_delta_ms = p.timeout_propose_delta_ms;
    t.prevote_ms = p.timeout_prevote_ms;
    t.prevote_delta_ms = p.timeout_prevote_delta_ms;
    t.precommit_ms = p.timeout_precommit_ms;
    t.precommit_delta_ms = p.timeout_precommit_delta_ms;
    return t;
}

}  // namespace

std::optional<std::string> log_damage(const crypto::Suite& suite, const std::vector<WalEntry>& entries) {
    std::set<std::pair<std::uint64_t, chain::Hash>> held;  // (height, block) logged whole
    for (const WalEntry& e : entries) {
        const std::uint64_t h = wal_entry_height(e);
        std::optional<chain::Hash> named;
        if (const auto* l = std::get_if<WalLock>(&e)) {
            if (l->value) held.insert({h, l->value->hash(suite)});
            else named = l->value_hash;
        } else if (const auto* p = std::get_if<Proposal>(&e)) {
            if (p->value) held.insert({h, p->block_hash});
            else named = p->block_hash;
        }
        if (named && !held.count({h, *named}))
            return "names block " + to_hex(*named).substr(0, 16) + " at height " + std::to_string(h) +
                   " by hash, but no earlier entry holds it";
    }
    return std::nullopt;
}

bool peer_at_fault(Fault fault) {
    return fault == Fault::bad_signature || fault == Fault::wrong_chain || fault == Fault::bad_value ||
           fault == Fault::bad_body;
}

Core::Core(CoreConfig config, Tip tip, Host& host)
    : config_(std::move(config)), host_(host), ledger_(config_.suite, std::move(tip)) {
    assert(config_.verifier);
    make_engine();
}

// The engine for the validator set in force at the next height; it signs only when this
// node is a validator of that set.
void Core::make_engine() {
    const chain::ChainState& state = ledger_.state();
    engine_config_ = EngineConfig{};
    engine_config_.suite = config_.suite;
    engine_config_.chain_id = config_.chain_id;
    engine_config_.validators = state.validators;
    engine_config_.timeouts = timeouts_of(state.params);
    engine_config_.unsafe_forget_lock = config_.unsafe_forget_lock;
    engine_config_.unsafe_simple_majority = config_.unsafe_simple_majority;
    engine_config_.unsafe_skip_body_check = config_.unsafe_skip_body_check;
    const bool votes = config_.signer && state.validators.find(config_.self);
    engine_ = std::make_unique<Engine>(engine_config_, votes ? config_.signer : nullptr);
}

Steps Core::start(const std::vector<WalEntry>& log) {
    for (const WalEntry& e : log) log_height_ = std::max(log_height_, wal_entry_height(e));
    return run(engine_->start(ledger_.tip().height + 1, log));
}

Core::Delivered Core::on_message(const Message& m) {
    Delivered d;
    d.height = message_height(m);
    if (halted_) return d;
    if (auto fault = check_message(engine_config_, *config_.verifier, m)) {
        d.route = Route::refused;
        d.fault = fault;
        return d;
    }
    if (d.height <= ledger_.tip().height) {
        d.route = Route::behind;
        return d;
    }
    if (d.height > engine_->height()) {
        d.route = Route::ahead;
        return d;
    }
    d.steps = run(engine_->on_message(m));
    return d;
}

Steps Core::on_timeout(const Timeout& t) { return halted_ ? Steps{} : run(engine_->on_timeout(t)); }

Steps Core::on_records_available() { return halted_ ? Steps{} : run(engine_->on_records_available()); }

Core::SyncResult Core::on_certified(const CertifiedBlock& block, chain::RecordVerifier& verifier) {
    SyncResult out;
    const Value& v = *block.value;
    const std::uint64_t height = ledger_.tip().height + 1;
    if (halted_ || v.block.header.height != height) {
        out.verdict = Synced::not_next;
        return out;
    }
    // Whatever this node trusts the certificate for, it certifies only the header: a body
    // that is not the one the header commits to was changed by the peer.
    if (!chain::body_matches(config_.suite, v.block, v.records)) {
        out.verdict = Synced::bad_body;
        out.why = "its records are not the body its header commits to";
        return out;
    }
    const Verifier& check = *config_.verifier;
    if (auto why = chain::check_certificate(
            config_.suite, config_.chain_id, height, v.hash(config_.suite), block.certificate,
            ledger_.state().validators,
            [&](const chain::PublicKey& k, const chain::Hash& d, const chain::Signature& s) { return check.verify(k, d, s); })) {
        out.verdict = Synced::bad_certificate;
        out.why = *why;
        return out;
    }
    const chain::BlockCheck checked = ledger_.check(v, host_.history(), verifier);
    if (!checked.valid()) {
        out.verdict = Synced::bad_block;
        out.why = checked.faults.front().describe();
        return out;
    }
    out.steps = run(engine_->on_certified(block.value, block.certificate));
    if (ledger_.tip().height != height && !halted_ && engine_->height() == height) out.verdict = Synced::refused;
    return out;
}

Value Core::build_value() {
    const std::size_t cap = std::min<std::size_t>(config_.block_records_max, ledger_.state().params.block_records_max);
    return ledger_.build(host_.pending(cap), cap, host_.now_ms(), host_.history(), config_.self);
}

// A proposal: the block-validity rule, then its time against this node's clock.
Validity Core::check_value(const Value& v) {
    const std::uint64_t now = host_.now_ms();
    const chain::BlockCheck checked = ledger_.check(v, host_.history(), host_.proposal_verifier());
    host_.proposal_checked(v.block.header, checked, now);
    Validity out;
    out.valid = checked.valid();
    out.timely = out.valid && chain::is_timely(ledger_.state().params, v.block.header.time_ms, now);
    return out;
}

Steps Core::run(Actions first) {
    Steps out;
    std::deque<Action> todo(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
    auto more = [&](Actions a) {
        for (auto& x : a) todo.push_back(std::move(x));
    };
    // Entering a new height is written lazily: until this validator persists anything
    // else at that height or sends anything, losing it in a crash loses nothing (it has
    // signed nothing there, and restarts at round 0 of it). A node catching up enters a
    // height per synced block, and would otherwise rewrite and sync the log for each.
    auto flush_round = [&] {
        if (!deferred_round_) return;
        log_height_ = std::max(log_height_, wal_entry_height(*deferred_round_));
        out.push_back(WriteLog{std::move(*deferred_round_), true});
        deferred_round_.reset();
    };
    while (!todo.empty() && !halted_) {
        Action a = std::move(todo.front());
        todo.pop_front();
        if (auto* p = std::get_if<Persist>(&a)) {
            const std::uint64_t h = wal_entry_height(p->entry);
            if (std::holds_alternative<WalRound>(p->entry) && h > log_height_) {
                deferred_round_ = std::move(p->entry);
                continue;
            }
            flush_round();
            out.push_back(WriteLog{std::move(p->entry), h > log_height_});
            log_height_ = std::max(log_height_, h);
        } else if (auto* b = std::get_if<Broadcast>(&a)) {
            flush_round();
            out.push_back(std::move(*b));
        } else if (auto* t = std::get_if<ScheduleTimeout>(&a)) {
            out.push_back(*t);
        } else if (auto* bv = std::get_if<BuildValue>(&a)) {
            more(engine_->on_value_built(bv->height, bv->round, build_value()));
        } else if (auto* vv = std::get_if<VerifyValue>(&a)) {
            if (vv->value->block.header.height == ledger_.tip().height + 1)
                more(engine_->on_value_verified(vv->value->hash(config_.suite), check_value(*vv->value)));
        } else if (auto* c = std::get_if<Commit>(&a)) {
            auto extension = ledger_.extend(c->value);
            if (!extension) {
                halted_ = true;
                out.push_back(Halt{extension.message()});
                break;
            }
            ledger_.advance(*extension);
            const bool changed = extension->validators_changed;
            out.push_back(StoreBlock{std::move(*extension), c->certificate});
            using OnSetChange = CoreConfig::OnSetChange;
            const bool keep = config_.on_set_change == OnSetChange::keep_engine ||
                              (config_.on_set_change == OnSetChange::keep_engine_if_removed &&
                               !ledger_.state().validators.find(config_.self));
            if (changed && !keep) {
                // The old engine's next height counts the old set: start the new height
                // afresh under the new one (nothing has been signed at it yet).
                todo.clear();
                make_engine();
                out.push_back(EngineReplaced{});
                more(engine_->start(ledger_.tip().height + 1, {}));
            }
        }
    }
    return out;
}

}  // namespace jchain::consensus
