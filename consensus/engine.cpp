// The rules are those of Algorithm 1 in Buchman, Kwon, Milosevic (2018); comments name
// them by their line there ("upon ...") so the two can be read side by side.
#include "consensus/engine.h"

#include <cassert>
#include <set>

#include "crypto/hash.h"

namespace jchain::consensus {
namespace {

const Hash nil{};

Hash vote_digest(const crypto::Suite& suite, const chain::Vote& v) { return suite.hash(chain::vote_signed_bytes(v)); }

}  // namespace

std::uint64_t wal_entry_height(const WalEntry& e) {
    return std::visit(
        [](const auto& x) -> std::uint64_t {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, SignedVote>) return x.vote.height;
            else return x.height;
        },
        e);
}

std::string_view fault_name(Fault f) {
    switch (f) {
        case Fault::wrong_chain: return "wrong_chain";
        case Fault::not_validator: return "not_validator";
        case Fault::wrong_proposer: return "wrong_proposer";
        case Fault::bad_signature: return "bad_signature";
        case Fault::bad_value: return "bad_value";
        case Fault::bad_proof_of_lock: return "bad_proof_of_lock";
        case Fault::bad_body: return "bad_body";
    }
    return "unknown";
}

std::optional<Fault> check_message(const EngineConfig& config, const Verifier& verifier, const Message& m) {
    const chain::ValidatorSet& set = config.validators;
    if (const auto* p = std::get_if<Proposal>(&m)) {
        if (!set.find(p->proposer)) return Fault::not_validator;
        if (proposer_of(set, p->height, p->round).key != p->proposer) return Fault::wrong_proposer;
        if (!p->value || p->pol_round < no_round || p->pol_round >= static_cast<std::int64_t>(p->round))
            return Fault::bad_value;
        const chain::BlockHeader& h = p->value->block.header;
        if (h.chain_id != config.chain_id) return Fault::wrong_chain;
        if (h.height != p->height || p->value->hash(config.suite) != p->block_hash) return Fault::bad_value;
        if (!verifier.verify(p->proposer, config.suite.hash(proposal_signed_bytes(config.chain_id, *p)), p->signature))
            return Fault::bad_signature;
        // The proposer signed the block hash; the header commits to the body. A body that
        // does not match was changed by whoever relayed it: refuse this copy only, so the
        // genuine one, later or from another peer, still counts in this round.
        if (!config.unsafe_skip_body_check && !chain::body_matches(config.suite, p->value->block, p->value->records))
            return Fault::bad_body;
        if (p->pol_round == no_round) return p->pol_votes.empty() ? std::nullopt : std::optional(Fault::bad_proof_of_lock);
        if (p->pol_votes.size() > set.validators.size()) return Fault::bad_proof_of_lock;
        std::set<PublicKey> signers;
        std::uint64_t power = 0;
        for (const SignedVote& v : p->pol_votes) {
            const chain::Validator* val = set.find(v.validator);
            if (!val || !signers.insert(v.validator).second || v.vote.type != chain::VoteType::prevote ||
                v.vote.chain_id != config.chain_id || v.vote.height != p->height ||
                v.vote.round != static_cast<std::uint32_t>(p->pol_round) || v.vote.block_hash != p->block_hash ||
                !verifier.verify(v.validator, vote_digest(config.suite, v.vote), v.signature))
                return Fault::bad_proof_of_lock;
            power += val->power;
        }
        if (!set.is_quorum(power)) return Fault::bad_proof_of_lock;
        return std::nullopt;
    }
    const auto& v = std::get<SignedVote>(m);
    if (v.vote.chain_id != config.chain_id) return Fault::wrong_chain;
    if (v.vote.type != chain::VoteType::prevote && v.vote.type != chain::VoteType::precommit) return Fault::bad_value;
    if (!set.find(v.validator)) return Fault::not_validator;
    if (!verifier.verify(v.validator, vote_digest(config.suite, v.vote), v.signature)) return Fault::bad_signature;
    return std::nullopt;
}

Engine::Engine(EngineConfig config, Signer* signer) : config_(std::move(config)), signer_(signer) {
    assert(!config_.validators.validators.empty());
}

Engine::RoundState& Engine::round_state(std::uint32_t round) {
    auto it = rounds_.find(round);
    if (it == rounds_.end()) it = rounds_.emplace(round, RoundState(config_.validators, config_.unsafe_simple_majority)).first;
    return it->second;
}

std::uint32_t Engine::lowest_round() const {
    return round_ > config_.rounds_behind_max ? round_ - config_.rounds_behind_max : 0;
}

// Drops what no rule can use any more, so that a height that takes many rounds holds a
// bounded number of rounds and blocks (docs/consensus.md, "Memory"). Why each rule
// survives:
// - Voting (prevote, lock, precommit, nil) reads the current round only; a re-proposal's
//   proof of lock travels in the proposal (check_message), and the polka behind the
//   valid value is copied to valid_pol_votes_. The locked and valid values are kept.
// - Signing happens only at round_, which never decreases: own votes and proposals of
//   earlier rounds can never be asked for again, so forgetting them cannot lead to a
//   second signature (the log still has them, and a restart resumes at the last round).
// - The round skip reads highest_round_, one number per validator, kept whole.
// - Committing in an older round needs more than 2/3 precommits there. Kept: the window,
//   and every block that more than 1/3 precommitted in it (one honest validator did, so
//   it may be decided there). A block decided in a forgotten
//   round reaches this node by block sync from the validators that committed it; one
//   nobody committed is only a polka, and the lock rule carries it into later rounds.
void Engine::forget_old_rounds() {
    const std::uint32_t low = lowest_round();
    rounds_.erase(rounds_.begin(), rounds_.lower_bound(low));
    std::erase_if(own_votes_, [&](const auto& e) { return e.first.first < low; });
    std::erase_if(own_proposals_, [&](const auto& e) { return e.first < low; });
    std::set<Hash> keep;
    if (locked_value_) keep.insert(locked_value_->hash(config_.suite));
    if (valid_value_) keep.insert(valid_value_->hash(config_.suite));
    for (const auto& [round, rs] : rounds_) {
        if (rs.proposal) keep.insert(rs.proposal->block_hash);
        for (const Hash& h : rs.precommits.hashes_over_third()) keep.insert(h);
    }
    std::erase_if(values_, [&](const auto& e) { return !keep.count(e.first); });
    std::erase_if(logged_values_, [&](const auto& e) { return !keep.count(e.first); });
}

const Engine::ValueState* Engine::value_state(const Hash& h) const {
    auto it = values_.find(h);
    return it == values_.end() ? nullptr : &it->second;
}

bool Engine::is_proposer() const {
    return signer_ && proposer_of(config_.validators, height_, round_).key == signer_->public_key();
}

void Engine::reset_height(std::uint64_t height) {
    height_ = height;
    round_ = 0;
    step_ = Step::propose;
    active_ = false;
    proposing_ = false;
    locked_round_ = valid_round_ = no_round;
    locked_value_.reset();
    valid_value_.reset();
    valid_pol_votes_.clear();
    rounds_.clear();
    values_.clear();
    highest_round_.clear();
    own_votes_.clear();
    own_proposals_.clear();
    logged_values_.clear();
    equivocations_ = 0;
}

Actions Engine::start(std::uint64_t height, std::span<const WalEntry> wal) {
    reset_height(height);
    std::uint32_t round = 0;
    bool resumed = false;
    for (const WalEntry& e : wal) {
        if (wal_entry_height(e) != height) continue;
        // A log written while this node was a validator of another set (it has since been
        // voted out, or its store was replaced): what the set in force does not count is
        // not restored.
        if (const auto* v = std::get_if<SignedVote>(&e); v && !config_.validators.find(v->validator)) continue;
        if (const auto* p = std::get_if<Proposal>(&e); p && !config_.validators.find(p->proposer)) continue;
        if (const auto* r = std::get_if<WalRound>(&e)) {
            round = std::max(round, r->round);
            resumed = resumed || r->round > 0;  // entering round 0 alone is no activity: an idle chain stays idle
            continue;
        }
        resumed = true;
        if (const auto* l = std::get_if<WalLock>(&e)) {
            const Hash h = l->value ? l->value->hash(config_.suite) : l->value_hash;
            ValuePtr value = l->value ? l->value : logged_value(h);
            assert(value);  // by reference only after an entry of this height that held it
            logged_values_.try_emplace(h, value);
            locked_round_ = valid_round_ = l->round;
            locked_value_ = valid_value_ = value;
            valid_pol_votes_ = l->pol_votes;
            values_[h] = {value, Check::valid, true};
        } else if (const auto* p = std::get_if<Proposal>(&e)) {
            Proposal own = *p;
            if (!own.value) own.value = logged_value(p->block_hash);
            assert(own.value);
            logged_values_.try_emplace(own.block_hash, own.value);
            own_proposals_[own.round] = own;
            round_state(own.round).proposal = own;
            values_[own.block_hash] = {own.value, Check::valid, true};
        } else {
            const auto& v = std::get<SignedVote>(e);
            own_votes_[{v.vote.round, v.vote.type}] = v;
            count_vote(v);
        }
    }
    Actions out;
    active_ = resumed;
    enter_round(round, out);
    out.push_back(ScheduleTimeout{{height_, 0, TimeoutKind::rebroadcast}, config_.timeouts.rebroadcast_ms});
    apply_rules(out);
    return out;
}

// StartRound(round).
void Engine::enter_round(std::uint32_t round, Actions& out) {
    round_ = round;
    step_ = Step::propose;
    proposing_ = false;
    if (config_.unsafe_forget_lock) {
        locked_round_ = valid_round_ = no_round;
        locked_value_.reset();
        valid_value_.reset();
    }
    forget_old_rounds();
    out.push_back(Persist{WalRound{height_, round_}});
    if (active_) begin_round(out);
}

void Engine::begin_round(Actions& out) {
    out.push_back(ScheduleTimeout{{height_, round_, TimeoutKind::propose},
                                  timeout_ms(config_.timeouts, TimeoutKind::propose, round_)});
    if (!is_proposer()) return;
    if (auto it = own_proposals_.find(round_); it != own_proposals_.end()) {
        out.push_back(Broadcast{it->second});  // proposed before a restart: never propose twice
    } else if (valid_value_) {
        propose(valid_value_, valid_round_, out);
    } else {
        proposing_ = true;
        out.push_back(BuildValue{height_, round_});
    }
}

void Engine::activate(Actions& out) {
    if (active_) return;
    active_ = true;
    begin_round(out);
}

Actions Engine::on_records_available() {
    Actions out;
    activate(out);
    apply_rules(out);
    return out;
}

Actions Engine::on_value_built(std::uint64_t height, std::uint32_t round, Value value) {
    Actions out;
    if (height != height_ || round != round_ || !proposing_ || step_ != Step::propose) return out;
    proposing_ = false;
    auto ptr = std::make_shared<const Value>(std::move(value));
    values_[ptr->hash(config_.suite)] = {ptr, Check::valid, true};
    propose(ptr, no_round, out);
    apply_rules(out);
    return out;
}

Actions Engine::on_value_verified(const Hash& block_hash, Validity validity) {
    Actions out;
    auto it = values_.find(block_hash);
    if (it == values_.end() || it->second.check != Check::pending) return out;
    it->second.check = validity.valid ? Check::valid : Check::invalid;
    it->second.timely = validity.timely;
    apply_rules(out);
    return out;
}

Actions Engine::on_message(const Message& m) {
    Actions out;
    if (message_height(m) != height_) return out;
    const std::uint32_t round = message_round(m);
    std::uint32_t& highest = highest_round_[message_sender(m)];
    highest = std::max(highest, round);
    activate(out);
    if (round >= lowest_round() && round <= round_ + config_.rounds_ahead_max) {
        if (const auto* p = std::get_if<Proposal>(&m)) {
            RoundState& rs = round_state(round);
            if (!rs.proposal) {
                rs.proposal = *p;
                add_value(p->value, out);
            } else if (rs.proposal->block_hash != p->block_hash) {
                ++equivocations_;  // the proposer equivocated: the first proposal stands
            }
        } else {
            count_vote(std::get<SignedVote>(m));
        }
    }
    // upon f+1 <*, h, round, ...> with round > round_p: StartRound(round).
    if (auto skip = skip_round(config_.validators, highest_round_, round_)) enter_round(*skip, out);
    apply_rules(out);
    return out;
}

Actions Engine::on_timeout(const Timeout& t) {
    Actions out;
    if (t.height != height_) return out;
    switch (t.kind) {
        case TimeoutKind::propose:  // OnTimeoutPropose
            if (t.round == round_ && step_ == Step::propose) {
                cast(chain::VoteType::prevote, nil, out);
                step_ = Step::prevote;
            }
            break;
        case TimeoutKind::prevote:  // OnTimeoutPrevote
            if (t.round == round_ && step_ == Step::prevote) {
                cast(chain::VoteType::precommit, nil, out);
                step_ = Step::precommit;
            }
            break;
        case TimeoutKind::precommit:  // OnTimeoutPrecommit
            if (t.round == round_) enter_round(round_ + 1, out);
            break;
        case TimeoutKind::rebroadcast:
            rebroadcast(out);
            out.push_back(ScheduleTimeout{{height_, 0, TimeoutKind::rebroadcast}, config_.timeouts.rebroadcast_ms});
            break;
    }
    apply_rules(out);
    return out;
}

Actions Engine::on_certified(ValuePtr value, const chain::CommitCertificate& cert) {
    Actions out;
    if (!value || value->block.header.height != height_) return out;
    if (chain::check_certificate(config_.suite, config_.chain_id, height_, value->hash(config_.suite), cert, config_.validators)) return out;
    commit(std::move(value), cert, out);
    return out;
}

void Engine::add_value(ValuePtr value, Actions& out) {
    auto [it, inserted] = values_.try_emplace(value->hash(config_.suite), ValueState{value, Check::pending, false});
    if (inserted) out.push_back(VerifyValue{std::move(value)});
}

void Engine::apply_rules(Actions& out) {
    for (bool progress = true; progress;) {
        progress = false;
        if (try_commit(out)) return;
        RoundState& rs = round_state(round_);
        if (step_ == Step::propose && try_prevote_on_proposal(out)) progress = true;
        // upon 2f+1 <PREVOTE, h, round_p, *> while step = prevote for the first time.
        if (step_ == Step::prevote && !rs.prevote_timeout_set && rs.prevotes.has_quorum_any()) {
            rs.prevote_timeout_set = true;
            out.push_back(ScheduleTimeout{{height_, round_, TimeoutKind::prevote},
                                          timeout_ms(config_.timeouts, TimeoutKind::prevote, round_)});
        }
        // upon <PROPOSAL, h, round_p, v, *> and 2f+1 <PREVOTE, h, round_p, id(v)> while
        // valid(v) and step >= prevote for the first time.
        if (step_ != Step::propose && !rs.polka_seen && rs.proposal) {
            const Hash& h = rs.proposal->block_hash;
            const ValueState* vs = value_state(h);
            if (vs && vs->check == Check::valid && rs.prevotes.has_quorum_for(h)) {
                rs.polka_seen = true;
                if (step_ == Step::prevote) {
                    lock(round_, vs->value, out);
                    cast(chain::VoteType::precommit, h, out);
                    step_ = Step::precommit;
                }
                valid_round_ = round_;
                valid_value_ = vs->value;
                valid_pol_votes_ = rs.prevotes.votes_for(h);
                progress = true;
            }
        }
        // upon 2f+1 <PREVOTE, h, round_p, nil> while step = prevote.
        if (step_ == Step::prevote && rs.prevotes.has_quorum_for(nil)) {
            cast(chain::VoteType::precommit, nil, out);
            step_ = Step::precommit;
            progress = true;
        }
        // upon 2f+1 <PRECOMMIT, h, round_p, *> for the first time.
        if (!rs.precommit_timeout_set && rs.precommits.has_quorum_any()) {
            rs.precommit_timeout_set = true;
            out.push_back(ScheduleTimeout{{height_, round_, TimeoutKind::precommit},
                                          timeout_ms(config_.timeouts, TimeoutKind::precommit, round_)});
        }
    }
}

// upon <PROPOSAL, h, round_p, v, -1> from proposer(h, round_p) while step = propose, and
// upon <PROPOSAL, h, round_p, v, vr> and 2f+1 <PREVOTE, h, vr, id(v)> while step = propose
// and 0 <= vr < round_p.
bool Engine::try_prevote_on_proposal(Actions& out) {
    const RoundState& rs = round_state(round_);
    if (!rs.proposal) return false;
    const Proposal& p = *rs.proposal;
    const ValueState* vs = value_state(p.block_hash);
    if (!vs || vs->check == Check::pending) return false;
    const bool valid = vs->check == Check::valid;
    const bool locked_on_it = locked_value_ && locked_value_->hash(config_.suite) == p.block_hash;
    bool accept;
    if (p.pol_round == no_round) {
        accept = valid && vs->timely && (locked_round_ == no_round || locked_on_it);
    } else {  // check_message verified the proof of lock the proposal carries
        accept = valid && (locked_round_ <= p.pol_round || locked_on_it);
    }
    cast(chain::VoteType::prevote, accept ? p.block_hash : nil, out);
    step_ = Step::prevote;
    return true;
}

// upon <PROPOSAL, h, r, v, *> and 2f+1 <PRECOMMIT, h, r, id(v)> while decision_p[h] = nil.
bool Engine::try_commit(Actions& out) {
    for (const auto& [round, rs] : rounds_) {
        auto h = rs.precommits.quorum_hash();
        if (!h || *h == nil) continue;
        const ValueState* vs = value_state(*h);
        if (!vs || vs->check != Check::valid) continue;  // not yet here or checked: sync or wait
        chain::CommitCertificate cert{height_, round, *h, {}};
        for (const SignedVote& v : rs.precommits.votes_for(*h)) cert.signatures.push_back({v.validator, v.signature});
        commit(vs->value, std::move(cert), out);
        return true;
    }
    return false;
}

void Engine::propose(ValuePtr value, std::int64_t pol_round, Actions& out) {
    Proposal p{height_, round_, pol_round, value->hash(config_.suite), value, {}, signer_->public_key(), {}};
    if (pol_round != no_round) p.pol_votes = valid_pol_votes_;
    p.signature = signer_->sign(config_.suite.hash(proposal_signed_bytes(config_.chain_id, p)));
    own_proposals_[round_] = p;
    Proposal logged = p;
    if (!logged_values_.try_emplace(p.block_hash, value).second) logged.value = nullptr;  // logged before: by hash
    out.push_back(Persist{std::move(logged)});
    out.push_back(Broadcast{p});
    round_state(round_).proposal = p;
    values_.try_emplace(p.block_hash, ValueState{value, Check::valid, true});
}

void Engine::cast(chain::VoteType type, const Hash& block_hash, Actions& out) {
    if (!signer_ || !config_.validators.find(signer_->public_key())) return;  // observers never vote
    if (auto it = own_votes_.find({round_, type}); it != own_votes_.end()) {
        out.push_back(Broadcast{it->second});  // signed before (a restart): repeat it, never sign another
        return;
    }
    SignedVote v{{type, config_.chain_id, height_, round_, block_hash}, signer_->public_key(), {}};
    v.signature = signer_->sign(vote_digest(config_.suite, v.vote));
    own_votes_[{round_, type}] = v;
    out.push_back(Persist{v});
    out.push_back(Broadcast{v});
    count_vote(v);
}

void Engine::count_vote(const SignedVote& v) {
    RoundState& rs = round_state(v.vote.round);
    VoteSet& set = v.vote.type == chain::VoteType::prevote ? rs.prevotes : rs.precommits;
    if (set.add(v) == VoteSet::Added::conflicting) ++equivocations_;
}

void Engine::lock(std::uint32_t round, ValuePtr value, Actions& out) {
    locked_round_ = round;
    locked_value_ = value;
    const Hash h = value->hash(config_.suite);
    WalLock entry{height_, round, value, round_state(round).prevotes.votes_for(h), h};
    if (!logged_values_.try_emplace(h, value).second) entry.value = nullptr;  // logged before: by hash
    out.push_back(Persist{std::move(entry)});
}

void Engine::commit(ValuePtr value, chain::CommitCertificate cert, Actions& out) {
    out.push_back(Commit{std::move(value), std::move(cert)});
    reset_height(height_ + 1);
    enter_round(0, out);
    out.push_back(ScheduleTimeout{{height_, 0, TimeoutKind::rebroadcast}, config_.timeouts.rebroadcast_ms});
}

// Repeats, while a height lasts, the current round's proposal and every vote this
// validator holds for the current and the previous round, its own and others', and its
// own votes of the older rounds it still holds (rounds_behind_max of them). Relaying
// others' votes is what makes Tendermint live under a Byzantine validator that shows
// its vote to some validators only: the honest ones that saw it pass it on, so the
// rest reach the same quorums (the paper's gossip assumption).
void Engine::rebroadcast(Actions& out) {
    if (!active_) return;
    auto it = rounds_.find(round_);
    if (it != rounds_.end() && it->second.proposal) out.push_back(Broadcast{*it->second.proposal});
    for (const auto& [key, v] : own_votes_)
        if (v.vote.round + 1 < round_) out.push_back(Broadcast{v});
    for (auto r = rounds_.lower_bound(round_ == 0 ? 0 : round_ - 1); r != rounds_.end() && r->first <= round_; ++r)
        for (const VoteSet* set : {&r->second.prevotes, &r->second.precommits})
            for (const SignedVote& v : set->all()) out.push_back(Broadcast{v});
}

}  // namespace jchain::consensus
