// The consensus core (consensus/core.h), the part of a node's consensus that the node's
// driver and the simulator share: the order of its steps, the checks of a sync block,
// and the damage check of a consensus log.
#include <doctest/doctest.h>

#include <map>

#include "consensus/core.h"
#include "tests/support/test_chain.h"

using namespace jchain;
using namespace jchain::consensus;

namespace {

class Records final : public chain::History {
public:
    std::optional<chain::PublicKey> submitter_of(const chain::Hash&) const override { return std::nullopt; }
};

// A node's pending records, an empty history, a serial verifier and a fixed clock.
class TestHost final : public Host {
public:
    std::vector<Candidate> waiting;
    std::uint64_t now = 0;
    std::vector<Candidate> pending(std::size_t max) override {
        return {waiting.begin(), waiting.begin() + static_cast<std::ptrdiff_t>(std::min(max, waiting.size()))};
    }
    const chain::History& history() override { return records_; }
    chain::RecordVerifier& proposal_verifier() override { return verifier_; }
    std::uint64_t now_ms() override { return now; }

private:
    Records records_;
    chain::SerialVerifier verifier_{default_suite};
};

struct Node {
    test::TestChain& chain;
    TestHost host;
    KeyVerifier verifier{default_suite};
    KeySigner signer;
    Core core;

    // The chain's single validator when `validator`, else an observer with another key.
    Node(test::TestChain& c, bool validator)
        : chain(c), signer(default_suite, validator ? c.validator : c.outsider), core(config(validator), genesis_tip(c), host) {
        host.now = c.genesis.genesis_time_ms + 1000;
    }
    CoreConfig config(bool validator) {
        CoreConfig cc;
        cc.suite = default_suite;
        cc.chain_id = chain.genesis.chain_id;
        cc.self = validator ? chain.validator.public_key : chain.outsider.public_key;
        cc.signer = validator ? &signer : nullptr;
        cc.verifier = &verifier;
        return cc;
    }
    static Tip genesis_tip(const test::TestChain& c) {
        return Tip{0, chain::genesis_hash(c.genesis), c.genesis.genesis_time_ms, chain::MerkleFrontier(default_suite),
                   std::make_shared<const chain::ChainState>(chain::ChainState::from_genesis(c.genesis))};
    }
    void add(const chain::Record& r) { host.waiting.push_back({chain::record_id(default_suite, r), r}); }
};

template <class T>
std::vector<const T*> all(const Steps& steps) {
    std::vector<const T*> out;
    for (const auto& s : steps)
        if (const auto* x = std::get_if<T>(&s)) out.push_back(x);
    return out;
}

// Block 1 as the single validator commits it.
StoreBlock commit_one(test::TestChain& c) {
    Node v(c, true);
    v.add(c.record(1, c.court, chain::Kind::evidence, c.genesis.genesis_time_ms + 900));
    v.core.start({});
    const Steps steps = v.core.on_records_available();
    auto stored = all<StoreBlock>(steps);
    REQUIRE(stored.size() == 1);
    return *stored[0];
}

}  // namespace

TEST_CASE("core: a new height's log entry waits for the first thing the node writes or sends, then starts a new log") {
    test::TestChain c;
    Node v(c, true);
    v.add(c.record(1, c.court, chain::Kind::evidence, c.genesis.genesis_time_ms + 900));
    const Steps started = v.core.start({});
    CHECK(all<WriteLog>(started).empty());  // entering height 1 alone is not written
    const Steps steps = v.core.on_records_available();
    // The round entry is the first write, as a new log, before the proposal it precedes;
    // every broadcast comes after a log write; the block is stored once, then height 2 starts.
    const auto writes = all<WriteLog>(steps);
    REQUIRE(writes.size() >= 2);
    CHECK(writes[0]->new_log);
    CHECK(std::holds_alternative<WalRound>(writes[0]->entry));
    CHECK_FALSE(writes[1]->new_log);
    bool written = false;
    for (const Step& s : steps) {
        if (std::holds_alternative<WriteLog>(s)) written = true;
        if (std::holds_alternative<Broadcast>(s)) CHECK(written);
    }
    const auto stored = all<StoreBlock>(steps);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0]->extension.built.block.header.height == 1);
    CHECK(stored[0]->extension.value->records.size() == 1);
    CHECK(v.core.ledger().tip().height == 1);
    CHECK(v.core.engine().height() == 2);
    for (const WriteLog* w : all<WriteLog>(steps))  // nothing of height 2 written yet
        CHECK(wal_entry_height(w->entry) == 1);
}

TEST_CASE("core: a sync block's body, then its certificate, then the rule; only then the engine") {
    test::TestChain c;
    const StoreBlock one = commit_one(c);
    const CertifiedBlock genuine{one.extension.value, one.certificate};

    SUBCASE("the genuine block commits") {
        Node o(c, false);
        o.core.start({});
        chain::SerialVerifier verify(default_suite);
        auto r = o.core.on_certified(genuine, verify);
        CHECK(r.verdict == Core::Synced::committed);
        CHECK(all<StoreBlock>(r.steps).size() == 1);
        CHECK(o.core.ledger().tip().height == 1);
        CHECK(o.core.on_certified(genuine, verify).verdict == Core::Synced::not_next);
    }
    SUBCASE("a changed record signature is a bad body, whatever the verifier trusts") {
        Node o(c, false);
        o.core.start({});
        Value v = *genuine.value;
        v.records[0].signature.bytes[10] ^= 1;
        chain::TrustingVerifier trusting;
        auto r = o.core.on_certified({std::make_shared<const Value>(v), genuine.certificate}, trusting);
        CHECK(r.verdict == Core::Synced::bad_body);
        CHECK(r.steps.empty());
        CHECK(o.core.ledger().tip().height == 0);
        // The genuine copy is still taken.
        CHECK(o.core.on_certified(genuine, trusting).verdict == Core::Synced::committed);
    }
    SUBCASE("a certificate without its signature is refused before any record is checked") {
        Node o(c, false);
        o.core.start({});
        CertifiedBlock unsigned_block = genuine;
        unsigned_block.certificate.signatures.clear();
        chain::SerialVerifier verify(default_suite);
        auto r = o.core.on_certified(unsigned_block, verify);
        CHECK(r.verdict == Core::Synced::bad_certificate);
        CHECK(o.core.ledger().tip().height == 0);
    }
}

TEST_CASE("core: a consensus log that names a block by hash needs an earlier entry of its height holding it") {
    test::TestChain c;
    const StoreBlock one = commit_one(c);
    const chain::Hash h = one.extension.value->hash(default_suite);
    WalLock by_ref{1, 0, nullptr, {}, h};
    CHECK(log_damage(default_suite, {WalRound{1, 0}, by_ref}).has_value());
    WalLock whole{1, 0, one.extension.value, {}, {}};
    CHECK_FALSE(log_damage(default_suite, {WalRound{1, 0}, whole, by_ref}).has_value());
    WalLock other_height{2, 0, nullptr, {}, h};
    CHECK(log_damage(default_suite, {whole, other_height}).has_value());
}

TEST_CASE("core: which refused messages convict the peer that sent them") {
    CHECK(peer_at_fault(Fault::bad_signature));
    CHECK(peer_at_fault(Fault::bad_body));
    CHECK(peer_at_fault(Fault::wrong_chain));
    CHECK(peer_at_fault(Fault::bad_value));
    CHECK_FALSE(peer_at_fault(Fault::not_validator));  // may be a validator of another height's set
    CHECK_FALSE(peer_at_fault(Fault::wrong_proposer));
    CHECK_FALSE(peer_at_fault(Fault::bad_proof_of_lock));
}
