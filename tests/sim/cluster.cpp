#include "cluster.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "chain/block_builder.h"
#include "chain/record_privacy.h"
#include "chain/validity.h"
#include "consensus/core.h"
#include "crypto/hash.h"
#include "storage.h"
#include "tests/support/suite.h"

namespace jchain::sim {
namespace {

using consensus::Action;
using consensus::Actions;
using consensus::Message;
using consensus::Proposal;
using consensus::SignedVote;
using consensus::Value;
using consensus::ValuePtr;
using chain::Hash;

const std::string chain_id = "jchain-sim";
// The simulated chain's parameters (its genesis): small blocks, and a client-time window
// short enough that partitions and crashes outlast it, so a node that catches up
// checks blocks whose records are long out of the window of its own clock.
constexpr std::uint64_t block_records_max = 20;
constexpr std::uint64_t client_time_window_ms = 3000;
constexpr std::uint64_t drift_ms = 500;  // a proposal's time must be this close to the clock
constexpr int members = 3;               // court members who sign the records
constexpr std::uint64_t clock_base_ms = 1'000'000;  // a clock with no skew reads this at simulated time 0

// Verifying a signature is the simulator's main cost, and every broadcast reaches N-1
// validators: remember each answer (verification is pure).
class MemoVerifier final : public consensus::Verifier {
public:
    bool verify(const crypto::PublicKey& key, const Hash& digest, const crypto::Signature& sig) const override {
        Hash k = crypto::sha256(concat(key.bytes, digest, sig.bytes));
        auto it = memo_.find(k);
        if (it != memo_.end()) return it->second;
        bool ok = default_suite.verify(key, digest, sig);
        if (memo_.size() > 200'000) memo_.clear();
        return memo_[k] = ok;
    }

private:
    template <class A, class B, class C>
    static Bytes concat(const A& a, const B& b, const C& c) {
        Bytes out(a.begin(), a.end());
        out.insert(out.end(), b.begin(), b.end());
        out.insert(out.end(), c.begin(), c.end());
        return out;
    }
    mutable std::map<Hash, bool> memo_;
};

// The block-validity rule's record verifier, memoised the same way (a record's id is
// its signed digest, so id and signature name the check).
class MemoRecordVerifier final : public chain::RecordVerifier {
public:
    std::vector<bool> verify(std::span<const chain::Record> records, std::span<const Hash> ids) override {
        std::vector<bool> ok(records.size());
        for (std::size_t i = 0; i < records.size(); ++i) {
            Bytes k(ids[i].begin(), ids[i].end());
            k.insert(k.end(), records[i].signature.bytes.begin(), records[i].signature.bytes.end());
            const Hash key = crypto::sha256(k);
            auto it = memo_.find(key);
            if (it == memo_.end()) {
                if (memo_.size() > 200'000) memo_.clear();
                it = memo_.emplace(key, default_suite.verify(records[i].submitter, ids[i], records[i].signature)).first;
            }
            ok[i] = it->second;
        }
        return ok;
    }

private:
    std::map<Hash, bool> memo_;
};

// Committed history of one simulated node, for the rule.
class SimHistory final : public chain::History {
public:
    explicit SimHistory(const std::map<Hash, crypto::PublicKey>& committed) : committed_(committed) {}
    std::optional<crypto::PublicKey> submitter_of(const Hash& id) const override {
        auto it = committed_.find(id);
        if (it == committed_.end()) return std::nullopt;
        return it->second;
    }

private:
    const std::map<Hash, crypto::PublicKey>& committed_;
};

struct Committed {
    ValuePtr value;
    chain::CommitCertificate cert;
};

struct SimNode;

// What a node's consensus core reads from it (node::ConsensusDriver::CoreHost in the node):
// its mempool, its committed records, the simulator's memoised record verifier, its clock.
class SimHost final : public consensus::Host {
public:
    SimHost(const std::map<Hash, chain::Record>& pending, const std::map<Hash, crypto::PublicKey>& committed,
            chain::RecordVerifier& verifier, std::function<std::uint64_t()> clock)
        : pending_(pending), history_(committed), verifier_(verifier), clock_(std::move(clock)) {}
    std::vector<consensus::Candidate> pending(std::size_t max) override {
        std::vector<consensus::Candidate> out;
        for (const auto& [id, r] : pending_) {
            if (out.size() == max) break;
            out.push_back({id, r});
        }
        return out;
    }
    const chain::History& history() override { return history_; }
    chain::RecordVerifier& proposal_verifier() override { return verifier_; }
    std::uint64_t now_ms() override { return clock_(); }

private:
    const std::map<Hash, chain::Record>& pending_;
    SimHistory history_;
    chain::RecordVerifier& verifier_;
    std::function<std::uint64_t()> clock_;
};

struct SimNode {
    int index = 0;
    crypto::KeyPair key;
    std::unique_ptr<consensus::KeySigner> signer;
    // The production consensus core (consensus/core.h): engine, ledger rules, log order.
    // Lost in a crash, built again from the durable ledger and log at restart.
    std::unique_ptr<SimHost> host;
    std::unique_ptr<consensus::Core> core;
    std::uint64_t epoch = 0;  // bumped when the engine is replaced: the old one's timers are void
    unsigned byzantine = 0;  // behaviours; 0 = honest
    bool up = true;
    std::uint64_t generation = 0;  // bumped by a crash or halt: older timers and deliveries are void
    std::int64_t skew_ms = 0;
    SimWal wal;  // the consensus log: durable, but writes can fail or tear
    std::uint64_t muted_until_ms = 0;  // the network withholds what it sends until then
    std::uint64_t sync_held_until_ms = 0;  // and holds back its block-sync traffic until then
    // The ledger: durable, like the node's LevelDB store.
    std::vector<Committed> chain;  // chain[i] is height i + 1
    chain::ChainState state;       // in force at height chain.size() + 1, stored with each block
    chain::MerkleFrontier frontier{default_suite};
    Hash tip_hash{};
    std::uint64_t tip_time_ms = 0;
    std::map<Hash, crypto::PublicKey> committed;  // record id -> submitter
    std::map<Hash, chain::Record> pending;        // the mempool: lost in a crash
    std::map<std::uint64_t, Hash> precommitted;  // height -> last non-nil precommit (statistics)
    std::map<std::pair<int, std::uint64_t>, std::uint64_t> sync_sent_ms;  // (peer, height) -> when
};

enum class EventType { deliver, timeout, records, crash, restart, heal, sync_request,
                       sync_block, new_records, governance, flood };

struct Event {
    std::uint64_t time_ms = 0;
    std::uint64_t seq = 0;
    EventType type = EventType::deliver;
    int node = 0;
    int from = -1;
    std::uint64_t generation = 0;
    std::uint64_t epoch = 0;  // timeout: the engine that asked
    std::shared_ptr<const Message> message;
    consensus::Timeout timeout;
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    ValuePtr value;
    std::shared_ptr<const chain::CommitCertificate> cert;

    bool operator>(const Event& o) const { return std::tie(time_ms, seq) > std::tie(o.time_ms, o.seq); }
};

class Cluster {
public:
    explicit Cluster(const Scenario& s) : s_(s), rng_(s.seed ^ 0x5eed), relay_rng_(s.seed ^ 0x7e1a) {
        const int nodes = s.validators + (s.governance ? s.spares : 0);
        for (int i = 0; i < nodes; ++i) {
            crypto::PrivateKey k;
            k.bytes[30] = static_cast<std::uint8_t>((i + 1) >> 8);
            k.bytes[31] = static_cast<std::uint8_t>(i + 1);
            keys_.push_back(*default_suite.key_pair_from_private(k));
            // The first `validators` nodes are the genesis set; spares are not in it.
            if (i < s.validators) set_.validators.push_back({"v" + std::to_string(i), keys_.back().public_key, 1});
        }
        std::sort(set_.validators.begin(), set_.validators.end(),
                  [](const auto& a, const auto& b) { return a.key < b.key; });
        set_hash_ = chain::validator_set_hash(default_suite, set_);
        genesis_.chain_id = chain_id;
        genesis_.genesis_time_ms = clock_base_ms - 1;
        genesis_.validators = set_;
        for (int i = 0; i < members; ++i) {
            crypto::PrivateKey k;
            k.bytes[0] = 0x77;
            k.bytes[31] = static_cast<std::uint8_t>(i + 1);
            member_keys_.push_back(*default_suite.key_pair_from_private(k));
            genesis_.members.push_back({"court " + std::to_string(i), member_keys_.back().public_key, "court", 0});
        }
        std::sort(genesis_.members.begin(), genesis_.members.end(),
                  [](const auto& a, const auto& b) { return a.key < b.key; });
        genesis_.policy = chain::default_policy();
        genesis_.params.block_records_max = block_records_max;
        genesis_.params.client_time_window_ms = client_time_window_ms;
        genesis_.params.block_time_drift_ms = drift_ms;
        genesis_hash_ = chain::genesis_hash(genesis_);
        state_ = chain::ChainState::from_genesis(genesis_);
        for (int i = 0; i < nodes; ++i) {
            auto n = std::make_unique<SimNode>();
            n->index = i;
            n->key = keys_[i];
            n->state = state_;
            n->tip_hash = genesis_hash_;
            n->tip_time_ms = genesis_.genesis_time_ms;  // height 1 must be after genesis time
            n->skew_ms = static_cast<std::int64_t>(rng_.below(2 * s.clock_skew_ms_max + 1)) -
                         static_cast<std::int64_t>(s.clock_skew_ms_max);
            if (i < s.byzantine) n->byzantine = s.behaviours[i];
            nodes_.push_back(std::move(n));
        }
        Checker::Config c{chain_id, state_, genesis_hash_, genesis_.genesis_time_ms, drift_ms, clock_base_ms, {}, {}, {},
                          [this](const crypto::PublicKey& key, const Hash& digest, const crypto::Signature& sig) {
                              return verifier_.verify(key, digest, sig);
                          }};
        for (const auto& n : nodes_) {
            c.skew_ms.push_back(n->skew_ms);
            c.honest.push_back(honest(*n));
            c.keys.push_back(n->key.public_key);
            index_of_[n->key.public_key] = n->index;
        }
        checker_ = std::make_unique<Checker>(std::move(c));
    }

    Outcome run() {
        for (auto& n : nodes_) boot(*n, /*restart=*/false);
        plan_faults();
        for (std::uint64_t t = 0; t < end_ms(); t += 200 + rng_.below(800)) push({.time_ms = t, .type = EventType::new_records});
        if (s_.governance)  // changes until half the healed phase has gone, then only liveness
            for (std::uint64_t t = 500; t < s_.fault_phase_ms + s_.liveness_ms / 2; t += 250)
                push({.time_ms = t, .type = EventType::governance});
        while (!queue_.empty() && outcome_.ok) {
            Event e = queue_.top();
            queue_.pop();
            if (e.time_ms > end_ms()) break;
            now_ms_ = e.time_ms;
            ++outcome_.events;
            handle(e);
            // The committed-chain invariant after every step, for the node it touched.
            if (e.type != EventType::new_records && e.type != EventType::heal && e.type != EventType::governance)
                check_tip(*nodes_[e.node]);
        }
        if (outcome_.ok && !outcome_.recorded.empty()) {  // run_until_fork, and no fork came
            const Finding first = outcome_.recorded.front();
            outcome_.ok = false;
            outcome_.violation = first.kind;
            outcome_.safety_violated = true;
            outcome_.failure = first.what + " (and no fork followed)";
        }
        if (outcome_.ok) check_liveness();
        return outcome_;
    }

private:
    std::uint64_t end_ms() const { return s_.fault_phase_ms + s_.liveness_ms; }
    bool faulty_phase() const { return !healed_; }
    bool honest(const SimNode& n) const { return n.byzantine == 0; }
    std::uint64_t clock(const SimNode& n) const {
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms_ + clock_base_ms) + n.skew_ms);
    }
    // A new consensus core on the node's durable tip, as ConsensusDriver::make_core: its
    // engine counts the validator set in force at the next height and signs only if the
    // node is in it. An honest node starts a new engine when a commit changes the set
    // (unless the stale-validators self-test breaks that); a Byzantine validator that was
    // voted out keeps its old engine, which goes on voting under the old set.
    void make_core(SimNode& n) {
        consensus::CoreConfig c;
        c.suite = default_suite;
        c.chain_id = chain_id;
        c.self = n.key.public_key;
        c.signer = n.signer.get();
        c.verifier = &verifier_;
        c.unsafe_forget_lock = s_.unsafe_forget_lock && honest(n);
        c.unsafe_simple_majority = s_.unsafe_simple_majority && honest(n);
        c.unsafe_skip_body_check = s_.unsafe_skip_body_check && honest(n);
        using OnSetChange = consensus::CoreConfig::OnSetChange;
        c.on_set_change = !honest(n)                    ? OnSetChange::keep_engine_if_removed
                          : s_.unsafe_stale_validators ? OnSetChange::keep_engine
                                                       : OnSetChange::new_engine;
        n.host = std::make_unique<SimHost>(n.pending, n.committed, record_verifier_, [this, &n] { return clock(n); });
        n.core = std::make_unique<consensus::Core>(
            std::move(c),
            consensus::Tip{n.chain.size(), n.tip_hash, n.tip_time_ms, n.frontier,
                           std::make_shared<const chain::ChainState>(n.state)},
            *n.host);
        ++n.epoch;
    }
    // The most advanced honest node: its state is the chain's (the checker sees to it
    // that no other honest node holds another block at any height).
    const SimNode& leader() const {
        const SimNode* best = nullptr;
        for (const auto& n : nodes_)
            if (honest(*n) && (!best || n->chain.size() > best->chain.size())) best = n.get();
        return *best;
    }

    void log(const std::string& what) {
        if (s_.verbose) std::printf("%8llu ms  %s\n", static_cast<unsigned long long>(now_ms_), what.c_str());
    }
    void fail(Violation kind, const std::string& why) {
        if (!outcome_.ok) return;
        const std::string what = "at " + std::to_string(now_ms_) + " ms: " + why;
        if (s_.run_until_fork && kind != Violation::fork && kind != Violation::liveness) {
            if (outcome_.recorded.size() < 100) outcome_.recorded.push_back({kind, what});
            log("VIOLATION (recorded; running on until a fork) " + why);
            return;
        }
        outcome_.ok = false;
        outcome_.violation = kind;
        outcome_.safety_violated = kind != Violation::liveness;
        outcome_.failure = what;
        log("VIOLATION " + why);
    }
    void fail(const std::optional<Finding>& f) {
        if (f) fail(f->kind, f->what);
    }
    void check_tip(const SimNode& n) {
        if (outcome_.ok) fail(checker_->on_tip(n.index, n.chain.size(), n.chain.empty() ? Hash{} : n.tip_hash));
    }

    void push(Event e) {
        e.seq = seq_++;
        queue_.push(std::move(e));
    }

    // Starts (or restarts) a node from what is durable: its ledger and its consensus log,
    // with a torn final entry cut, as ConsensusWal::open does.
    void boot(SimNode& n, bool restart) {
        auto opened = n.wal.open();
        if (!opened) {
            n.up = false;  // the node refuses to start, as node/ does on a corrupt log
            return fail(Violation::storage, "v" + std::to_string(n.index) + " cannot restart: its consensus log is corrupt: " +
                                                opened.message());
        }
        if (opened->torn_bytes_cut > 0) {
            ++outcome_.torn_cut;
            log("v" + std::to_string(n.index) + " cuts " + std::to_string(opened->torn_bytes_cut) +
                " bytes of torn log entry");
        }
        if (restart) {
            std::vector<Hash> hashes;
            for (const auto& c : n.chain) hashes.push_back(c.value->hash(default_suite));
            fail(checker_->on_restart(n.index, hashes));
            check_stored_state(n);
        }
        n.up = true;
        n.signer = std::make_unique<consensus::KeySigner>(default_suite, n.key);
        make_core(n);  // under the state its store holds, as the node reads it at start
        if (!n.state.validators.find(n.key.public_key)) {
            // Votes it signed at this height while not a validator of it: only an engine
            // that kept an old set (a voted-out Byzantine validator, or the stale-validators
            // self-test) writes them, and the engine, which counts the votes it restores, takes
            // only a log written under the set in force. The checker has seen them signed.
            const auto before = opened->entries.size();
            std::erase_if(opened->entries, [](const auto& e) { return std::holds_alternative<SignedVote>(e); });
            if (opened->entries.size() != before)
                log("v" + std::to_string(n.index) + " drops " + std::to_string(before - opened->entries.size()) +
                    " votes of its log, signed under an old validator set");
        }
        if (auto why = consensus::log_damage(default_suite, opened->entries)) {  // ConsensusDriver::open_wal
            n.up = false;
            return fail(Violation::storage, "v" + std::to_string(n.index) + " cannot restart: its consensus log " + *why);
        }
        execute(n, n.core->start(opened->entries));
        if (n.up && !n.pending.empty()) execute(n, n.core->on_records_available());
    }

    // The state a restarting node reads from its store must be the one its blocks give:
    // replay them from genesis (what `jchain audit` does) and compare.
    void check_stored_state(const SimNode& n) {
        chain::ChainState replayed = state_;
        for (std::size_t i = 0; i < n.chain.size(); ++i) {
            const chain::Block& b = n.chain[i].value->block;
            if (auto next = chain::state_after_block(replayed, i + 1, n.chain[i].value->records, b.record_ids))
                replayed = std::move(*next);
        }
        if (chain::validator_set_hash(default_suite, replayed.validators) != chain::validator_set_hash(default_suite, n.state.validators) ||
            replayed.proposals.size() != n.state.proposals.size() ||
            chain::state_hash(replayed, n.chain.size() + 1) != chain::state_hash(n.state, n.chain.size() + 1))
            fail(Violation::storage, "v" + std::to_string(n.index) + " restarts with a chain state that is not the one "
                                     "its " + std::to_string(n.chain.size()) + " blocks give");
    }

    // The node's process dies (or, `halted`, its consensus stops after a failed log
    // write, as node/consensus_driver halts): nothing it has not made durable survives,
    // and it does nothing more until restarted.
    void crash(SimNode& n, bool halted = false) {
        if (!n.up) return;
        log(std::string(halted ? "halt" : "crash") + " v" + std::to_string(n.index) + " at height " +
            std::to_string(n.chain.size() + 1));
        ++(halted ? outcome_.halts : outcome_.crashes);
        n.up = false;
        ++n.generation;
        n.core.reset();
        n.pending.clear();
        n.sync_sent_ms.clear();
        n.muted_until_ms = n.sync_held_until_ms = 0;
    }

    void plan_faults() {
        for (int i = 0; i < s_.crashes; ++i) {
            const int who = static_cast<int>(rng_.below(nodes_.size()));
            const std::uint64_t at = rng_.below(s_.fault_phase_ms);
            push({.time_ms = at, .type = EventType::crash, .node = who});
            push({.time_ms = at + 100 + rng_.below(3000), .type = EventType::restart, .node = who});
        }
        for (int i = 0; i < s_.partitions; ++i) {
            const std::uint64_t from = rng_.below(s_.fault_phase_ms);
            std::vector<int> side(nodes_.size());
            for (auto& x : side) x = static_cast<int>(rng_.below(2));
            partitions_.push_back({from, from + 500 + rng_.below(5000), side});
        }
        for (int i = 0; i < s_.isolations; ++i) {
            const std::uint64_t from = rng_.below(s_.fault_phase_ms / 2);
            std::vector<int> side(nodes_.size(), 0);
            side[rng_.below(nodes_.size())] = 1;
            partitions_.push_back(
                {from, from + client_time_window_ms * 3 / 2 + rng_.below(client_time_window_ms * 3 / 2), side});
        }
        for (int i = 0; i < s_.sync_holds; ++i) {
            const std::uint64_t from = rng_.below(s_.fault_phase_ms);
            sync_holds_.push_back({from, std::min(from + 1000 + rng_.below(5000), s_.fault_phase_ms)});
        }
        for (int i = 0; i < s_.relay_floods; ++i)
            push({.time_ms = relay_rng_.below(s_.fault_phase_ms), .type = EventType::flood,
                  .node = static_cast<int>(relay_rng_.below(nodes_.size()))});
        push({.time_ms = s_.fault_phase_ms, .type = EventType::heal});
    }

    struct Partition {
        std::uint64_t from_ms, to_ms;
        std::vector<int> side;
    };

    bool cut(int a, int b) const {
        if (healed_) return false;
        if (now_ms_ < nodes_[a]->muted_until_ms) return true;
        for (const auto& p : partitions_)
            if (now_ms_ >= p.from_ms && now_ms_ < p.to_ms && p.side[a] != p.side[b]) return true;
        return false;
    }

    // Sends `m` from `from` to `to` through the faulty network.
    void send(int from, int to, std::shared_ptr<const Message> m) {
        if (const auto* p = std::get_if<Proposal>(m.get())) checker_->on_proposal(p->block_hash, now_ms_);
        if (from == to || cut(from, to)) return;
        if (faulty_phase() && rng_.chance(s_.loss)) return;
        const int copies = faulty_phase() && rng_.chance(s_.duplicate) ? 2 : 1;
        // A relay on the link gets its changed copy of a proposal there first.
        std::uint64_t lead = 0;
        if (s_.relay_tamper > 0 && std::holds_alternative<Proposal>(*m) && relay_rng_.chance(s_.relay_tamper)) {
            push({.time_ms = now_ms_ + 1, .type = EventType::deliver, .node = to, .from = from,
                  .generation = nodes_[to]->generation, .message = tampered(std::get<Proposal>(*m))});
            lead = 1;
        }
        for (int i = 0; i < copies; ++i) {
            std::uint64_t delay = 1 + lead + rng_.below(20);
            if (faulty_phase() && rng_.chance(s_.delay_spike)) delay += rng_.below(2000);
            push({.time_ms = now_ms_ + delay, .type = EventType::deliver, .node = to, .from = from,
                  .generation = nodes_[to]->generation, .message = m});
        }
        if (s_.relay_replay > 0 || s_.relay_floods > 0) remember(m);
        if (s_.relay_replay > 0 && relay_rng_.chance(s_.relay_replay)) {
            ++outcome_.replayed;
            push({.time_ms = now_ms_ + 500 + relay_rng_.below(4500), .type = EventType::deliver, .node = to,
                  .from = from, .generation = nodes_[to]->generation, .message = m});
        }
    }

    // ---- Byzantine relays. They hold no validator key: all they can do is change the
    // unsigned parts of what they pass on (a proposal's body), send it again later, or
    // send a lot of it. Every node must drop the changed copies without holding them
    // against the block hash, and keep deciding.
    std::shared_ptr<const Message> tampered(const Proposal& p) {
        ++outcome_.tampered;
        Proposal q = p;
        consensus::Value v = *p.value;
        // (A copy changed before, held by a node with the body check broken on purpose, may
        // have records but no ids.)
        switch (v.records.empty() || v.block.record_ids.empty() ? 4 : relay_rng_.below(5)) {
            case 0: v.records[relay_rng_.below(v.records.size())].signature.bytes[relay_rng_.below(64)] ^= 0x01; break;
            case 1: v.records[relay_rng_.below(v.records.size())].nonce ^= 1; break;  // its id changes
            case 2: v.block.record_ids[relay_rng_.below(v.block.record_ids.size())][0] ^= 0x80; break;
            case 3: v.records.pop_back(); break;
            default: v.records.push_back(v.records.empty() ? chain::Record{} : v.records.front()); break;
        }
        q.value = std::make_shared<const consensus::Value>(std::move(v));
        return std::make_shared<const Message>(std::move(q));
    }
    void remember(const std::shared_ptr<const Message>& m) {
        if (recent_.size() < 256) recent_.push_back(m);
        else recent_[relay_rng_.below(recent_.size())] = m;
    }
    void flood(int to) {
        for (int i = 0; i < 200 && !recent_.empty(); ++i) {
            std::shared_ptr<const Message> m = recent_[relay_rng_.below(recent_.size())];
            const std::uint64_t kind = relay_rng_.below(3);
            if (kind == 1 && std::holds_alternative<Proposal>(*m)) {
                m = tampered(std::get<Proposal>(*m));
            } else if (kind == 2) {
                Message bad = *m;
                std::visit([&](auto& x) { x.signature.bytes[relay_rng_.below(64)] ^= 0x01; }, bad);
                m = std::make_shared<const Message>(std::move(bad));
            }
            ++outcome_.flooded;
            const int from = static_cast<int>(index_of_.at(consensus::message_sender(*m)));
            push({.time_ms = now_ms_ + relay_rng_.below(50), .type = EventType::deliver, .node = to, .from = from,
                  .generation = nodes_[to]->generation, .message = std::move(m)});
        }
    }

    void send_sync(int from, int to, EventType type, std::uint64_t height) {
        SimNode& n = *nodes_[from];
        if (type == EventType::sync_block && (n.byzantine & coalition)) return;  // it serves no blocks
        auto& last = n.sync_sent_ms[{to, height}];
        if (last != 0 && now_ms_ < last + 300) return;  // a node rate-limits its sync traffic
        last = now_ms_ + 1;
        if (cut(from, to) || (faulty_phase() && rng_.chance(s_.loss))) return;
        std::uint64_t at = now_ms_ + 1 + rng_.below(20);
        if (!healed_) {  // the scheduler holds it back
            for (const auto& [hold_from, hold_to] : sync_holds_)
                if (now_ms_ >= hold_from && now_ms_ < hold_to) at = std::max(at, hold_to + rng_.below(20));
            if (now_ms_ < n.sync_held_until_ms) at = std::max(at, n.sync_held_until_ms + rng_.below(20));
            if (at > now_ms_ + 20) ++outcome_.sync_held;
        }
        Event e{.time_ms = at, .type = type, .node = to, .from = from, .generation = nodes_[to]->generation,
                .height = height};
        if (type == EventType::sync_block) {
            e.value = n.chain[height - 1].value;
            e.cert = std::make_shared<chain::CommitCertificate>(n.chain[height - 1].cert);
        }
        push(std::move(e));
    }

    void broadcast(SimNode& n, const Message& m) {
        if (consensus::message_sender(m) != n.key.public_key) {  // relaying another's message
            if (n.byzantine) return;
            auto shared = std::make_shared<const Message>(m);
            for (std::size_t to = 0; to < nodes_.size(); ++to) send(n.index, static_cast<int>(to), shared);
            return;
        }
        if (const auto* sv = std::get_if<SignedVote>(&m); sv && honest(n)) {
            fail(checker_->on_vote(n.index, *sv));
            if (!outcome_.ok) return;
        }
        if (const auto* sv = std::get_if<SignedVote>(&m); sv && honest(n) && sv->vote.block_hash != Hash{}) {
            auto& last = n.precommitted[sv->vote.height];
            if (sv->vote.type == chain::VoteType::precommit) last = sv->vote.block_hash;
            else if (last != Hash{} && last != sv->vote.block_hash) ++outcome_.relocks;
        }
        if (s_.verbose) {
            std::string what;
            if (const auto* p = std::get_if<Proposal>(&m))
                what = "proposes " + to_hex(p->block_hash).substr(0, 8) + " pol " + std::to_string(p->pol_round);
            else {
                const auto& v = std::get<SignedVote>(m).vote;
                what = std::string(v.type == chain::VoteType::prevote ? "prevotes " : "precommits ") +
                       (v.block_hash == Hash{} ? std::string("nil") : to_hex(v.block_hash).substr(0, 8));
            }
            log("v" + std::to_string(n.index) + " h" + std::to_string(consensus::message_height(m)) + " r" +
                std::to_string(consensus::message_round(m)) + " " + what);
        }
        if (n.byzantine) return byzantine_broadcast(n, m);
        auto shared = std::make_shared<const Message>(m);
        for (std::size_t to = 0; to < nodes_.size(); ++to) send(n.index, static_cast<int>(to), shared);
    }

    // ---- Byzantine validators: an honest engine whose messages are bent on the way out.
    // Signatures are deterministic (RFC 6979), and a Byzantine validator signs the same
    // vote again each time it is shown a proposal: remember them, as the verifier does.
    crypto::Signature sign(const SimNode& n, const Hash& digest) {
        auto [it, fresh] = signed_.try_emplace({n.index, digest});
        if (fresh) {
            if (signed_.size() > 200'000) {
                signed_.clear();
                it = signed_.try_emplace({n.index, digest}).first;
            }
            it->second = default_suite.sign(n.key, digest);
        }
        return it->second;
    }
    SignedVote sign_vote(const SimNode& n, chain::VoteType type, std::uint64_t h, std::uint32_t r, const Hash& bh) {
        SignedVote v{{type, chain_id, h, r, bh}, n.key.public_key, {}};
        v.signature = sign(n, crypto::sha256(chain::vote_signed_bytes(v.vote)));
        return v;
    }
    Proposal sign_proposal(const SimNode& n, Proposal p) {
        p.block_hash = p.value->hash(default_suite);
        p.signature = sign(n, crypto::sha256(consensus::proposal_signed_bytes(chain_id, p)));
        return p;
    }
    Hash random_hash() {
        Hash h{};
        for (auto& b : h) b = static_cast<std::uint8_t>(rng_.next());
        return h;
    }

    void byzantine_broadcast(SimNode& n, const Message& m) {
        const unsigned b = n.byzantine;
        std::vector<Message> per_peer(nodes_.size(), m);
        if (const auto* p = std::get_if<Proposal>(&m)) {
            if (b & amnesia && p->pol_round != consensus::no_round) {
                Value fresh = n.core->build_value();
                fresh.block.header.time_ms += p->round;
                Proposal q = *p;
                q.pol_round = consensus::no_round;
                q.pol_votes.clear();
                q.value = std::make_shared<const Value>(std::move(fresh));
                for (auto& x : per_peer) x = sign_proposal(n, q);
            }
            if (b & invalid_blocks && rng_.chance(0.5)) {
                Value bad = *std::get<Proposal>(per_peer[0]).value;
                bad.block.header.ledger_root = random_hash();
                Proposal q = *p;
                q.value = std::make_shared<const Value>(std::move(bad));
                for (auto& x : per_peer) x = sign_proposal(n, q);
            }
            const Proposal& x = std::get<Proposal>(per_peer[0]);
            if (b & bad_time && x.pol_round == consensus::no_round && rng_.chance(0.5)) {
                Value off = *x.value;  // 1 to 10 s off its clock, still after its parent
                const std::uint64_t shift = 1000 + rng_.below(9000);
                off.block.header.time_ms = rng_.chance(0.5) ? off.block.header.time_ms + shift
                                                            : std::max(n.tip_time_ms + 1, off.block.header.time_ms - shift);
                Proposal q = x;
                q.value = std::make_shared<const Value>(std::move(off));
                for (auto& y : per_peer) y = sign_proposal(n, q);
            }
            if (b & coalition) {
                const Proposal mine = std::get<Proposal>(per_peer[0]);
                const RoundPlan& plan = coalition_plan(mine);
                Hash other = mine.block_hash;
                if (plan.play != Play::united) {  // a new block: one per side
                    Value v = *mine.value;
                    v.block.header.time_ms += 1;  // same records, another block
                    Proposal q = mine;
                    q.value = std::make_shared<const Value>(std::move(v));
                    const Message alt = sign_proposal(n, q);
                    other = std::get<Proposal>(alt).block_hash;
                    for (std::size_t to = 0; to < per_peer.size(); ++to)
                        if (plan.side[to] == 1) per_peer[to] = alt;
                }
                coalition_votes(plan, p->height, p->round, mine.block_hash, other);
            } else if (b & equivocate_proposal && p->pol_round == consensus::no_round) {
                Value other = *p->value;
                other.block.header.time_ms += 1;  // same records, another block
                Proposal q = *p;
                q.value = std::make_shared<const Value>(std::move(other));
                Message alt = sign_proposal(n, q);
                for (std::size_t i = 0; i < per_peer.size(); i += 2) per_peer[i] = alt;
            }
        } else {
            const auto& v = std::get<SignedVote>(m);
            if (b & (split | coalition)) return;
            if (b & double_vote) {
                const Hash other = v.vote.block_hash == Hash{} ? random_hash() : Hash{};
                Message alt = sign_vote(n, v.vote.type, v.vote.height, v.vote.round, other);
                for (std::size_t i = 1; i < per_peer.size(); i += 2) per_peer[i] = alt;
            }
            if (b & unknown_block_votes && rng_.chance(0.3)) {
                auto extra = std::make_shared<const Message>(
                    sign_vote(n, v.vote.type, v.vote.height, v.vote.round + static_cast<std::uint32_t>(rng_.below(3)),
                              random_hash()));
                for (std::size_t to = 0; to < nodes_.size(); ++to) send(n.index, static_cast<int>(to), extra);
            }
        }
        for (std::size_t to = 0; to < nodes_.size(); ++to) {
            Message out = per_peer[to];
            if (b & bad_signatures && rng_.chance(0.2)) {
                if (auto* p = std::get_if<Proposal>(&out)) p->signature.bytes[5] ^= 1;
                else std::get<SignedVote>(out).signature.bytes[5] ^= 1;
            }
            send(n.index, static_cast<int>(to), std::make_shared<const Message>(std::move(out)));
        }
    }

    bool in_coalition(const crypto::PublicKey& key) const {
        auto it = index_of_.find(key);
        return it != index_of_.end() && (nodes_[static_cast<std::size_t>(it->second)]->byzantine & coalition);
    }

    // How the coalition plays a round in which one of its members proposes.
    enum class Play : std::uint8_t {
        united,  // one block; every member votes for it, to everyone
        split,   // block a to one half of the honest validators, b to the other; members
                 // prevote and precommit each side's block to that side (under a broken
                 // quorum rule, each half commits its own block)
        lock_attack,  // block b to one honest validator, a to the rest; members prevote
                      // each side's block to that side but precommit a only to one honest
                      // validator, the target, and nil to the others (so that they time
                      // out into the next round), and the network holds back the target's
                      // block-sync traffic for 4 to 8 s. The target commits a; the others are
                      // locked on a without knowing it was committed, and the coalition
                      // helps any new block in the next rounds: only the lock rule stops
                      // them from making a conflicting polka.
    };
    struct RoundPlan {
        Play play = Play::united;
        std::vector<int> side;  // per node: 0 is shown block a, 1 block b
        int target = -1;        // lock_attack: who alone sees the precommits for a
    };

    // The plan for the round of `p`, made once: the proposal is re-sent every
    // rebroadcast_ms, and each time the coalition plays the same way again.
    const RoundPlan& coalition_plan(const Proposal& p) {
        auto [it, fresh] = plans_.try_emplace({p.height, p.round});
        RoundPlan& plan = it->second;
        if (!fresh) return plan;
        // A re-proposal is played united, and so is every round after a lock attack at
        // its height: the coalition then helps whatever new block comes.
        const bool attacked = attacked_heights_.count(p.height) > 0;
        const std::uint64_t pick = rng_.below(4);
        plan.play = p.pol_round != consensus::no_round || attacked ? Play::united
                    : pick == 0                                    ? Play::united
                    : pick == 1                                    ? Play::split
                                                                   : Play::lock_attack;
        if (plan.play == Play::lock_attack) attacked_heights_.insert(p.height);
        plan.side.assign(nodes_.size(), 0);
        // The honest validators in force, as the proposing member's state has them.
        const chain::ValidatorSet& in_force = nodes_[static_cast<std::size_t>(index_of_.at(p.proposer))]->state.validators;
        std::vector<int> honest_nodes;
        for (const auto& m : nodes_)
            if (honest(*m) && in_force.find(m->key.public_key)) honest_nodes.push_back(m->index);
        if (honest_nodes.empty() || plan.play == Play::united) return plan;
        const std::size_t shift = rng_.below(honest_nodes.size());
        for (std::size_t k = 0; k < honest_nodes.size(); ++k) {
            const std::size_t rank = (k + shift) % honest_nodes.size();
            plan.side[static_cast<std::size_t>(honest_nodes[k])] =
                plan.play == Play::split ? static_cast<int>(rank % 2) : rank == 0 ? 1 : 0;
        }
        if (plan.play == Play::lock_attack && honest_nodes.size() > 1) {
            std::vector<int> side_a;
            for (int i : honest_nodes)
                if (plan.side[static_cast<std::size_t>(i)] == 0) side_a.push_back(i);
            plan.target = side_a[rng_.below(side_a.size())];
            SimNode& t = *nodes_[static_cast<std::size_t>(plan.target)];
            t.sync_held_until_ms = std::max(t.sync_held_until_ms, now_ms_ + 4000 + rng_.below(4000));
            log("coalition: lock attack on v" + std::to_string(plan.target) + " at h" + std::to_string(p.height) +
                " r" + std::to_string(p.round) + "; its sync is held until " + std::to_string(t.sync_held_until_ms) +
                " ms");
        }
        return plan;
    }

    // Every running coalition member votes in (height, round) as `plan` says, for `a`
    // (side 0) and `b` (side 1; the same as `a` when united).
    void coalition_votes(const RoundPlan& plan, std::uint64_t height, std::uint32_t round, const Hash& a,
                         const Hash& b) {
        for (auto& m : nodes_) {
            if (!m->up || !(m->byzantine & coalition)) continue;
            for (auto type : {chain::VoteType::prevote, chain::VoteType::precommit}) {
                auto va = std::make_shared<const Message>(sign_vote(*m, type, height, round, a));
                auto vb = a == b ? va : std::make_shared<const Message>(sign_vote(*m, type, height, round, b));
                std::shared_ptr<const Message> nil;
                if (type == chain::VoteType::precommit && plan.target >= 0)
                    nil = std::make_shared<const Message>(sign_vote(*m, type, height, round, Hash{}));
                for (std::size_t to = 0; to < nodes_.size(); ++to)
                    send(m->index, static_cast<int>(to),
                         nil && static_cast<int>(to) != plan.target ? nil : plan.side[to] ? vb : va);
            }
        }
    }

    // A Byzantine validator with amnesia votes for whatever it is shown, in any round.
    void amnesia_votes(SimNode& n, const Proposal& p) {
        for (auto type : {chain::VoteType::prevote, chain::VoteType::precommit}) {
            auto m = std::make_shared<const Message>(sign_vote(n, type, p.height, p.round, p.block_hash));
            const std::size_t hidden_from = 1 + (p.height + p.round) % (nodes_.size() - 1);
            for (std::size_t to = 0; to < nodes_.size(); ++to)
                if (!(n.byzantine & split) || type == chain::VoteType::precommit || to != hidden_from)
                    send(n.index, static_cast<int>(to), m);
        }
    }

    // ---- The simulated ledger and mempool (what node/ keeps in LevelDB and memory). The
    // blocks themselves are built, checked and laid onto the ledger by the production
    // consensus core (consensus/core.h, consensus/ledger.h).

    // A client signs a record now; its clock is off by up to 100 ms.
    chain::Record new_record() {
        chain::Record r;
        r.chain_id = chain_id;
        r.kind = chain::Kind::evidence;
        r.content_hash = random_hash();
        r.case_tag = chain::case_tag(default_suite, chain::CaseKey{}, r.chain_id, "(2026)sim" + std::to_string(rng_.below(100)));
        r.client_time_ms = now_ms_ + 1'000'000 - 100 + rng_.below(201);
        r.nonce = rng_.next();
        chain::sign_record(default_suite, r, member_keys_[rng_.below(member_keys_.size())]);
        return r;
    }

    // Stores a block the core laid onto its ledger, with the state after it (the node's
    // store writes both in one batch). False: the node must do nothing more.
    bool apply_commit(SimNode& n, const consensus::StoreBlock& s) {
        const consensus::Extension& x = s.extension;
        const chain::BlockHeader& h = x.value->block.header;
        const std::string who = "v" + std::to_string(n.index);
        if (h.height != n.chain.size() + 1 || h.prev_hash != n.tip_hash) {
            fail(Violation::bad_commit,
                 who + " committed a block that does not extend its chain at height " + std::to_string(h.height));
            return false;
        }
        for (const Finding& f : checker_->on_commit(n.index, *x.value, s.certificate, now_ms_)) fail(f.kind, f.what);
        n.frontier = x.built.frontier;
        n.tip_hash = x.value->hash(default_suite);
        n.tip_time_ms = h.time_ms;
        for (std::size_t i = 0; i < x.value->records.size(); ++i) {
            n.committed.emplace(x.value->block.record_ids[i], x.value->records[i].submitter);
            n.pending.erase(x.value->block.record_ids[i]);
        }
        // Records that no block this node would take as timely can hold leave its mempool.
        std::erase_if(n.pending, [&](const auto& p) {
            return p.second.client_time_ms + client_time_window_ms + drift_ms < clock(n);
        });
        n.chain.push_back({x.value, s.certificate});
        if (x.next_state) {
            for (const auto& [id, p] : x.next_state->proposals)
                if (p.effective_height == h.height + 1)
                    log(who + ": governance: " + p.action.describe() + " (proposal " + to_hex(id).substr(0, 8) +
                        "), in force from height " + std::to_string(p.effective_height));
            n.state = *x.next_state;
        }
        if (x.validators_changed)
            log(who + ": validator set changed at height " + std::to_string(n.chain.size() + 1) + ": " +
                std::to_string(n.state.validators.validators.size()) + " validators, this node " +
                (n.state.validators.find(n.key.public_key) ? "votes" : "does not vote"));
        log(who + " commits height " + std::to_string(h.height) + " round " + std::to_string(s.certificate.round) +
            " with " + std::to_string(x.value->block.record_ids.size()) + " records");
        return true;
    }

    // Writes `entry` to the node's log, with the scenario's storage faults. False when
    // the write failed or the node crashed in the middle of it: the node is down (a
    // failed write halts it, as node/consensus_driver does) and must do nothing more.
    bool persist(SimNode& n, const consensus::WalEntry& entry, bool new_log) {
        SimWal::Fault fault = SimWal::Fault::none;
        if (faulty_phase() && rng_.chance(s_.crash_mid_persist)) fault = SimWal::Fault::crash_torn;
        else if (faulty_phase() && rng_.chance(s_.wal_write_failure))
            fault = static_cast<SimWal::Fault>(static_cast<int>(SimWal::Fault::fail_nothing_written) + rng_.below(3));
        const bool ok = n.wal.append(entry, new_log, fault, static_cast<double>(1 + rng_.below(999)) / 1000.0);
        const auto* vote = std::get_if<SignedVote>(&entry);
        if (vote && honest(n) && (ok || fault == SimWal::Fault::fail_written)) fail(checker_->on_vote(n.index, *vote));
        if (ok) return true;
        const bool halted = fault != SimWal::Fault::crash_torn;
        if (halted) log("v" + std::to_string(n.index) + ": cannot write the consensus log (simulated fault " +
                        std::to_string(static_cast<int>(fault)) + ")");
        crash(n, halted);
        push({.time_ms = now_ms_ + (halted ? 500 + rng_.below(2500) : 50 + rng_.below(1000)),
              .type = EventType::restart, .node = n.index});
        return false;
    }

    // Carries out a node's steps in order, as ConsensusDriver::carry_out does. A log write
    // may be the last thing the node does: crashing right after it is how the simulator
    // tests that recovery from every persistence point is safe.
    void execute(SimNode& n, consensus::Steps steps) {
        bool committed = false;
        for (consensus::Step& step : steps) {
            if (!n.up || !outcome_.ok) return;
            if (auto* w = std::get_if<consensus::WriteLog>(&step)) {
                if (!persist(n, w->entry, w->new_log)) return;
                if (const auto* r = std::get_if<consensus::WalRound>(&w->entry); r && s_.verbose)
                    log("v" + std::to_string(n.index) + " enters h" + std::to_string(r->height) + " r" +
                        std::to_string(r->round));
                // The first honest validator to lock in a round may be muted: it can commit
                // on the others' precommits while they never see its own.
                if (const auto* l = std::get_if<consensus::WalLock>(&w->entry);
                    l && honest(n) && faulty_phase() && first_locks_.insert({l->height, l->round}).second &&
                    rng_.chance(s_.mute_on_lock)) {
                    n.muted_until_ms = now_ms_ + 2000 + rng_.below(4000);
                    ++outcome_.mutes;
                    log("v" + std::to_string(n.index) + " locked: the network mutes it until " +
                        std::to_string(n.muted_until_ms) + " ms");
                }
                if (faulty_phase() && rng_.chance(s_.crash_at_persist)) {
                    crash(n);
                    push({.time_ms = now_ms_ + 50 + rng_.below(1000), .type = EventType::restart, .node = n.index});
                }
            } else if (auto* b = std::get_if<consensus::Broadcast>(&step)) {
                broadcast(n, b->message);
            } else if (auto* t = std::get_if<consensus::ScheduleTimeout>(&step)) {
                push({.time_ms = now_ms_ + t->delay_ms, .type = EventType::timeout, .node = n.index,
                      .generation = n.generation, .epoch = n.epoch, .timeout = t->timeout});
            } else if (auto* sb = std::get_if<consensus::StoreBlock>(&step)) {
                if (!apply_commit(n, *sb)) return;
                committed = true;
            } else if (std::holds_alternative<consensus::EngineReplaced>(step)) {
                ++n.epoch;  // the old engine's timers are void (the driver clears them)
                ++outcome_.engine_swaps;
            } else if (auto* h = std::get_if<consensus::Halt>(&step)) {
                return fail(Violation::bad_commit, "v" + std::to_string(n.index) + " halts: " + h->why);
            }
        }
        if (committed && n.up && !n.pending.empty())
            push({.time_ms = now_ms_, .type = EventType::records, .node = n.index, .generation = n.generation});
    }

    // Records reach every running node's mempool (clients submit, nodes gossip).
    void inject(const std::vector<chain::Record>& records) {
        for (auto& n : nodes_) {
            if (!n->up) continue;
            for (const auto& r : records) n->pending.emplace(chain::record_id(default_suite, r), r);
            push({.time_ms = now_ms_ + rng_.below(30), .type = EventType::records, .node = n->index,
                  .generation = n->generation});
        }
    }

    void handle(const Event& e) {
        if (e.type == EventType::new_records) {
            std::vector<chain::Record> records(1 + rng_.below(5));
            for (auto& r : records) r = new_record();
            return inject(records);
        }
        if (e.type == EventType::governance) return governance_step();
        if (e.type == EventType::flood) return flood(e.node);
        if (e.type == EventType::heal) {
            healed_ = true;
            log("faults heal");
            for (auto& n : nodes_)
                if (!n->up) boot(*n, /*restart=*/true);
            for (auto& n : nodes_) heights_at_heal_ = std::max<std::uint64_t>(heights_at_heal_, n->chain.size());
            return;
        }
        SimNode& n = *nodes_[e.node];
        if (e.type == EventType::crash) {
            if (!healed_) crash(n);
            return;
        }
        if (e.type == EventType::restart) {
            if (!n.up) {
                log("restart v" + std::to_string(n.index));
                boot(n, /*restart=*/true);
            }
            return;
        }
        if (!n.up || e.generation != n.generation) return;
        if (e.type == EventType::timeout && e.epoch != n.epoch)
            return;  // asked by an engine since replaced (the driver clears its timers)
        consensus::Core& core = *n.core;
        switch (e.type) {
            case EventType::deliver: {
                const std::size_t before = core.engine().equivocations();
                auto d = core.on_message(*e.message);  // routed as ConsensusDriver::on_frame routes it
                using Route = consensus::Core::Route;
                if (d.route == Route::refused) {
                    log("v" + std::to_string(n.index) + " drops a message from v" + std::to_string(e.from) + ": " +
                        std::string(consensus::fault_name(*d.fault)));
                    return;
                }
                if (d.route == Route::behind) send_sync(n.index, e.from, EventType::sync_block, d.height);
                if (d.route == Route::ahead) send_sync(n.index, e.from, EventType::sync_request, n.chain.size() + 1);
                // Amnesia and the coalition vote for what they are shown at their height and
                // the one before (one that committed keeps helping a conflicting block).
                if (n.byzantine & (amnesia | coalition))
                    if (const auto* p = std::get_if<Proposal>(e.message.get());
                        p && p->height + 1 >= core.engine().height())
                        if (!(n.byzantine & coalition) || !in_coalition(p->proposer)) amnesia_votes(n, *p);
                execute(n, std::move(d.steps));
                if (n.up && n.core->engine().equivocations() > before) ++outcome_.equivocations_seen;
                return;
            }
            case EventType::timeout: return execute(n, core.on_timeout(e.timeout));
            case EventType::records: return execute(n, core.on_records_available());
            case EventType::sync_request:
                if (e.height <= n.chain.size()) send_sync(n.index, e.from, EventType::sync_block, e.height);
                return;
            case EventType::sync_block: {
                // Checked as ConsensusDriver::apply_fetched checks it: body, certificate, rule.
                auto r = core.on_certified({e.value, *e.cert}, record_verifier_);
                using Synced = consensus::Core::Synced;
                // Honest nodes serve only blocks they committed with the certificate that
                // made them final: refusing one is a bug. (A Byzantine node that kept an old
                // engine serves certificates of the old set, which are refused rightly.)
                if ((r.verdict == Synced::bad_body || r.verdict == Synced::bad_certificate ||
                     r.verdict == Synced::bad_block) &&
                    honest(*nodes_[static_cast<std::size_t>(e.from)]))
                    return fail(Violation::bad_commit, "v" + std::to_string(n.index) + " refuses block " +
                                                           std::to_string(e.value->block.header.height) + " served by v" +
                                                           std::to_string(e.from) + ": " + r.why);
                return execute(n, std::move(r.steps));
            }
            default: return;
        }
    }

    // ---- Governance: the validators' operators. One proposal at a time: a validator in
    // force proposes a change; once the proposal is on chain every other honest validator
    // in force approves it (again every 2.5 s while it is pending: approvals get lost with
    // their blocks' proposals, or expire from mempools); when it is approved, expires,
    // or never reaches the chain (the rule refused it, or its time window passed), the
    // next change comes 1 to 3 s later. Changes keep the Byzantine validators' power
    // below 1/3 of the set (what the operators of honest validators would approve);
    // everything else, the rule's safety refusals included, is left to the rule.
    struct GovPlan {
        bool pending = false;
        Hash proposal{};
        std::uint64_t next_at_ms = 1000, proposed_at_ms = 0, approvals_at_ms = 0;
        int proposals = 0;
    };
    static constexpr std::uint64_t proposal_expires_after = 40;  // blocks

    chain::Record governance_record(int by, std::map<std::string, std::string> metadata, std::vector<Hash> refs) {
        chain::Record r;
        r.chain_id = chain_id;
        r.kind = chain::Kind::governance;
        r.content_hash = random_hash();
        r.metadata = std::move(metadata);
        r.refs = std::move(refs);
        r.client_time_ms = now_ms_ + clock_base_ms - 100 + rng_.below(201);
        r.nonce = rng_.next();
        chain::sign_record(default_suite, r, keys_[static_cast<std::size_t>(by)]);
        ++outcome_.governance_records;
        return r;
    }

    // The next change to propose under `st`, or nullopt.
    std::optional<chain::GovAction> choose_action(const chain::ChainState& st) {
        const chain::ValidatorSet& set = st.validators;
        const std::uint64_t total = set.total_power();
        std::uint64_t byzantine_power = 0;
        for (const auto& v : set.validators)
            if (!honest(*nodes_[static_cast<std::size_t>(index_of_.at(v.key))])) byzantine_power += v.power;
        auto tolerable = [](std::uint64_t byz, std::uint64_t all) { return byz * 3 < all; };
        std::vector<chain::GovAction> add, remove, remove_byzantine, power;
        for (const auto& n : nodes_) {
            const chain::Validator* v = set.find(n->key.public_key);
            chain::GovAction a;
            a.key = n->key.public_key;
            if (!v) {
                if (!honest(*n)) continue;  // no operator votes a Byzantine node in
                a.op = chain::GovOp::add_validator;
                a.name = "v" + std::to_string(n->index);
                a.power = 1 + rng_.below(3);  // 3 joining four of power 1: 3/7 of the new set is new
                add.push_back(a);
                continue;
            }
            a.op = chain::GovOp::remove_validator;
            if (!honest(*n)) remove_byzantine.push_back(a);
            else if (tolerable(byzantine_power, total - v->power)) remove.push_back(a);
            a.op = chain::GovOp::set_power;
            a.power = 1 + rng_.below(3);
            if (a.power == v->power) continue;
            const std::uint64_t all = total - v->power + a.power;
            if (tolerable(honest(*n) ? byzantine_power : byzantine_power - v->power + a.power, all)) power.push_back(a);
        }
        auto pick = [&](const std::vector<chain::GovAction>& from) { return from[rng_.below(from.size())]; };
        // The first change brings a spare node in; removing a Byzantine validator (which
        // goes on voting) is favoured after that.
        if (plan_.proposals == 0 && !add.empty()) return pick(add);
        if (!remove_byzantine.empty() && rng_.chance(0.4)) return pick(remove_byzantine);
        for (remove.insert(remove.end(), remove_byzantine.begin(), remove_byzantine.end());;) {
            const std::uint64_t which = rng_.below(3);
            if (which == 0 && !add.empty()) return pick(add);
            if (which == 1 && !remove.empty()) return pick(remove);
            if (which == 2 && !power.empty()) return pick(power);
            if (add.empty() && remove.empty() && power.empty()) return std::nullopt;
        }
    }

    void governance_step() {
        const chain::ChainState& st = leader().state;
        const std::uint64_t height = leader().chain.size();  // st.height is the last block that changed it
        if (plan_.pending) {
            auto it = st.proposals.find(plan_.proposal);
            if (it == st.proposals.end()) {
                // Not on chain: once its client time is out of every block's window, it never will be.
                if (now_ms_ < plan_.proposed_at_ms + client_time_window_ms + drift_ms + 1000) return;
                log("governance: proposal " + to_hex(plan_.proposal).substr(0, 8) + " never reached the chain");
                ++outcome_.proposals_dropped;
            } else if (const chain::Proposal& p = it->second; p.effective_height != 0) {
                ++outcome_.proposals_approved;
            } else if (height > p.expires_height) {
                log("governance: proposal " + to_hex(plan_.proposal).substr(0, 8) + " expired");
            } else {
                if (plan_.approvals_at_ms != 0 && now_ms_ < plan_.approvals_at_ms + 2500) return;
                plan_.approvals_at_ms = now_ms_;
                std::vector<chain::Record> approvals;
                for (const auto& n : nodes_)
                    if (honest(*n) && st.validators.find(n->key.public_key) && !p.approvals.count(n->key.public_key))
                        approvals.push_back(governance_record(n->index, {{"action", "approve"}}, {plan_.proposal}));
                log("governance: " + std::to_string(approvals.size()) + " approvals of " +
                    to_hex(plan_.proposal).substr(0, 8));
                return inject(approvals);
            }
            plan_.pending = false;
            plan_.next_at_ms = now_ms_ + 1000 + rng_.below(2000);
            return;
        }
        if (now_ms_ < plan_.next_at_ms) return;
        auto action = choose_action(st);
        std::vector<int> proposers;
        for (const auto& n : nodes_)
            if (honest(*n) && st.validators.find(n->key.public_key)) proposers.push_back(n->index);
        if (!action || proposers.empty()) return;
        const int by = proposers[rng_.below(proposers.size())];
        chain::Record r = governance_record(by, chain::governance_metadata(*action, proposal_expires_after), {});
        plan_ = {true, chain::record_id(default_suite, r), 0, now_ms_, 0, plan_.proposals + 1};
        // The rule's verdict under the state now (statistics only: the record goes to the
        // mempools all the same, and proposers and validators apply the rule themselves).
        const auto refused = chain::GovernanceBlock(st, height + 1).check(r, plan_.proposal);
        if (refused) ++outcome_.proposals_refused;
        log("governance: v" + std::to_string(by) + " proposes " + action->describe() + " (" +
            to_hex(plan_.proposal).substr(0, 8) + ") at height " + std::to_string(height + 1) +
            (refused ? "; the rule refuses it: " + refused->word + ": " + refused->message : ""));
        inject({r});
    }

    // Every honest node, whether a validator of the final set or one that follows the
    // chain (a spare never added, a validator removed), commits at least 3 blocks after
    // the faults heal: the final set's honest validators make blocks, the rest sync them.
    void check_liveness() {
        std::uint64_t lo = UINT64_MAX, hi = 0;
        const SimNode* slowest = nullptr;
        for (const auto& n : nodes_) {
            if (!honest(*n)) continue;
            if (n->chain.size() < lo) slowest = n.get();
            lo = std::min<std::uint64_t>(lo, n->chain.size());
            hi = std::max<std::uint64_t>(hi, n->chain.size());
        }
        const chain::ChainState& final_state = leader().state;
        outcome_.validator_changes = final_state.validator_changes.size() - 1;
        for (const auto& n : nodes_)
            if (n->up)
                log("v" + std::to_string(n->index) + (honest(*n) ? "" : " (byzantine)") + ": height " +
                    std::to_string(n->core->engine().height()) + " round " + std::to_string(n->core->engine().round()) +
                    " step " + std::to_string(static_cast<int>(n->core->engine().step())) + " locked round " +
                    std::to_string(n->core->engine().locked_round()) + ", " + std::to_string(n->pending.size()) +
                    " records pending");
        outcome_.min_height = lo;
        outcome_.max_height = hi;
        if (s_.governance) {
            std::string set;
            for (const auto& v : final_state.validators.validators)
                set += " v" + std::to_string(index_of_.at(v.key)) + (v.power != 1 ? "*" + std::to_string(v.power) : "");
            log("final validator set (in force at height " + std::to_string(leader().chain.size() + 1) + "):" + set + "; " +
                std::to_string(outcome_.validator_changes) + " changes");
        }
        if (lo < heights_at_heal_ + 3)
            fail(Violation::liveness,
                 "LIVENESS: after the faults healed at height " + std::to_string(heights_at_heal_) + ", honest v" +
                     std::to_string(slowest->index) +
                     (final_state.validators.find(slowest->key.public_key) ? " (a validator of the final set)"
                                                                            : " (not in the final validator set)") +
                     " is only at height " + std::to_string(lo));
    }

    const Scenario s_;
    Rng rng_;
    Rng relay_rng_;  // the relays' own stream: a scenario without them draws nothing from it
    std::vector<std::shared_ptr<const Message>> recent_;  // what relays replay and flood with
    chain::ValidatorSet set_;
    Hash set_hash_{}, genesis_hash_{};
    chain::Genesis genesis_;
    chain::ChainState state_;  // the genesis state; each node keeps the one in force at its tip (SimNode::state)
    std::vector<crypto::KeyPair> keys_, member_keys_;
    MemoRecordVerifier record_verifier_;
    std::vector<std::unique_ptr<SimNode>> nodes_;
    std::vector<Partition> partitions_;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
    std::uint64_t seq_ = 0, now_ms_ = 0, heights_at_heal_ = 0;
    bool healed_ = false;
    MemoVerifier verifier_;
    std::unique_ptr<Checker> checker_;
    std::map<crypto::PublicKey, int> index_of_;
    std::map<std::pair<int, Hash>, crypto::Signature> signed_;  // (node, digest) -> its signature
    std::vector<std::pair<std::uint64_t, std::uint64_t>> sync_holds_;  // [from, to) ms
    std::set<std::pair<std::uint64_t, std::uint32_t>> first_locks_;  // (height, round) where an honest validator locked
    std::map<std::pair<std::uint64_t, std::uint32_t>, RoundPlan> plans_;  // the coalition's, per (height, round)
    GovPlan plan_;
    std::set<std::uint64_t> attacked_heights_;  // heights with a lock attack
    Outcome outcome_;
};

}  // namespace

Scenario Scenario::random(std::uint64_t seed, const ScenarioOptions& options) {
    Rng rng(seed);
    Scenario s;
    s.seed = seed;
    const std::uint64_t size = rng.below(10);  // 4 (60%), 7 (30%) or 10 validators (10%: they cost the most)
    s.validators = options.validators > 0 ? options.validators : size < 6 ? 4 : size < 9 ? 7 : 10;
    const int f = (s.validators - 1) / 3;
    s.byzantine = static_cast<int>(rng.below(f + 1));
    for (int i = 0; i < s.byzantine; ++i) s.behaviours.push_back(1 + static_cast<unsigned>(rng.below(all_behaviours)));
    const double losses[] = {0, 0.02, 0.1, 0.3};
    s.loss = losses[rng.below(4)];
    s.duplicate = rng.chance(0.5) ? 0.1 : 0;
    s.delay_spike = rng.chance(0.5) ? 0.05 : 0;
    s.crash_at_persist = rng.chance(0.3) ? 0.01 : 0;
    s.crashes = static_cast<int>(rng.below(4));
    s.partitions = static_cast<int>(rng.below(3));
    s.isolations = static_cast<int>(rng.below(2));
    s.sync_holds = static_cast<int>(rng.below(3));
    s.mute_on_lock = rng.chance(0.3) ? 0.2 : 0;
    s.wal_write_failure = rng.chance(0.3) ? 0.005 : 0;
    s.crash_mid_persist = rng.chance(0.3) ? 0.01 : 0;
    if (options.hostile) {
        s.byzantine = f;
        s.behaviours.assign(f, amnesia | split | coalition);
        // Swarm testing: each fault at full strength or off, so that some seeds are chaos
        // and others leave room for a precise attack.
        s.loss = rng.chance(0.5) ? 0.3 : 0.02;
        s.crash_at_persist = rng.chance(0.5) ? 0.05 : 0;
        s.partitions = rng.chance(0.5) ? 4 : 0;
        s.sync_holds = 3;
        s.mute_on_lock = rng.chance(0.5) ? 0.5 : 0;
    }
    if (options.relays) {  // from their own stream: the scenario above is the same as without
        Rng relay(seed ^ 0x7e1a7e1a);
        s.relay_tamper = relay.chance(0.5) ? 1.0 : 0.3;
        s.relay_replay = relay.chance(0.5) ? 0.05 : 0.01;
        s.relay_floods = 1 + static_cast<int>(relay.below(4));
    }
    if (options.governance) {  // drawn last: the other scenarios stay as they were
        s.governance = true;
        s.spares = 1 + static_cast<int>(rng.below(2));
        // A shorter healed phase (the run's cost grows with its length and with the square
        // of its nodes): changes go on in its first half, and 10 s are left for liveness.
        s.liveness_ms = 20'000;
        if (options.validators == 0) {  // 4 or 7: one or two spares are a real change to them
            s.validators = rng.chance(0.7) ? 4 : 7;
            const int f2 = (s.validators - 1) / 3;
            if (s.byzantine > f2 || options.hostile) {
                s.byzantine = options.hostile ? f2 : std::min(s.byzantine, f2);
                s.behaviours.resize(static_cast<std::size_t>(s.byzantine),
                                    options.hostile ? amnesia | split | coalition : all_behaviours);
            }
        }
    }
    return s;
}

std::string Scenario::describe() const {
    std::ostringstream o;
    o << "seed " << seed << ": " << validators << " validators, " << byzantine << " byzantine";
    for (unsigned b : behaviours) o << " [behaviours " << b << "]";
    o << ", loss " << loss << ", duplicate " << duplicate << ", delay spikes " << delay_spike << ", crash at persist "
      << crash_at_persist << ", crash mid persist " << crash_mid_persist << ", log write failure " << wal_write_failure
      << ", " << crashes << " crashes, " << partitions << " partitions, " << isolations << " isolations, "
      << sync_holds << " sync holds, mute on lock " << mute_on_lock
      << (governance ? ", governance with " + std::to_string(spares) + " spare node" + (spares == 1 ? "" : "s") : "")
      << (relay_tamper > 0 || relay_replay > 0 || relay_floods > 0
              ? ", relays: tamper " + std::to_string(relay_tamper).substr(0, 4) + ", replay " +
                    std::to_string(relay_replay).substr(0, 4) + ", " + std::to_string(relay_floods) + " floods"
              : "")
      << (unsafe_skip_body_check ? ", BODY CHECK SKIPPED ON PURPOSE" : "")
      << (unsafe_forget_lock ? ", LOCK RULE BROKEN ON PURPOSE" : "")
      << (unsafe_simple_majority ? ", QUORUM RULE BROKEN ON PURPOSE" : "")
      << (unsafe_stale_validators ? ", NODES KEEP THE OLD VALIDATOR SET ON PURPOSE" : "");
    return o.str();
}

Outcome run(const Scenario& scenario) { return Cluster(scenario).run(); }

}  // namespace jchain::sim
