// Rules of the consensus engine, driven by hand: four validators, one of them the engine
// under test, the others played by the test with real signatures.
#include <doctest/doctest.h>

#include "chain/block_builder.h"
#include "consensus/codec.h"
#include "consensus/engine.h"
#include "crypto/hash.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace jchain::consensus;

namespace {

const std::string chain_id = "jchain-engine-test";

struct Fixture {
    std::vector<crypto::KeyPair> keys;
    EngineConfig config;
    KeyVerifier verifier{default_suite};

    Fixture() {
        for (std::uint8_t i = 1; i <= 4; ++i) keys.push_back(test::key_from_scalar(i));
        std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.public_key < b.public_key; });
        config.chain_id = chain_id;
        for (std::size_t i = 0; i < keys.size(); ++i)
            config.validators.validators.push_back({"v" + std::to_string(i), keys[i].public_key, 1});
    }
    // The key of the proposer of (height, round).
    const crypto::KeyPair& proposer(std::uint64_t h, std::uint32_t r) const {
        for (const auto& k : keys)
            if (k.public_key == proposer_of(config.validators, h, r).key) return k;
        FAIL("no proposer");
        return keys[0];
    }
    // A validator that does not propose in (height, round).
    const crypto::KeyPair& other_than(const crypto::KeyPair& k) const { return keys[0].public_key == k.public_key ? keys[1] : keys[0]; }

    // A block of one record, signed by keys[0] (the engine never looks inside it).
    ValuePtr value(std::uint64_t time_ms) const {
        const chain::Hash vset = chain::validator_set_hash(default_suite, config.validators);
        chain::Record r;
        r.chain_id = chain_id;
        r.content_hash = crypto::sha256(as_bytes("r"));
        r.client_time_ms = time_ms;
        chain::sign_record(default_suite, r, keys[0]);
        const std::vector<chain::Record> records{r};
        auto built = chain::build_block(chain::HeaderBasis{default_suite, chain_id, {}, vset, vset, {}}, 0, chain::Hash{}, time_ms,
                                        chain::MerkleFrontier(default_suite),
                                        {chain::record_id(default_suite, r)}, records, keys[0].public_key);
        return std::make_shared<const Value>(Value{built.block, records});
    }
    Proposal proposal(std::uint32_t round, ValuePtr v, std::int64_t pol_round = no_round,
                      std::vector<SignedVote> pol = {}) const {
        const auto& k = proposer(1, round);
        Proposal p{1, round, pol_round, v->hash(default_suite), v, std::move(pol), k.public_key, {}};
        p.signature = default_suite.sign(k, default_suite.hash(proposal_signed_bytes(chain_id, p)));
        return p;
    }
    SignedVote vote(const crypto::KeyPair& k, chain::VoteType type, std::uint32_t round, const chain::Hash& h) const {
        SignedVote v{{type, chain_id, 1, round, h}, k.public_key, {}};
        v.signature = default_suite.sign(k, default_suite.hash(chain::vote_signed_bytes(v.vote)));
        return v;
    }
};

template <class T>
std::vector<T> all_of(const Actions& actions) {
    std::vector<T> out;
    for (const auto& a : actions)
        if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    return out;
}

// The engine's own votes among broadcasts.
std::vector<SignedVote> own_votes(const Actions& actions, const crypto::PublicKey& me) {
    std::vector<SignedVote> out;
    for (const auto& b : all_of<Broadcast>(actions))
        if (const auto* v = std::get_if<SignedVote>(&b.message); v && v->validator == me) out.push_back(*v);
    return out;
}

void append(Actions& to, Actions more) { to.insert(to.end(), more.begin(), more.end()); }

}  // namespace

TEST_CASE("a validator prevotes a timely valid proposal, locks on the polka and commits with a certificate") {
    Fixture f;
    const auto& me = f.other_than(f.proposer(1, 0));
    KeySigner signer(default_suite, me);
    Engine engine(f.config, &signer);
    engine.start(1, {});
    auto v = f.value(1000);
    Actions out = engine.on_message(f.proposal(0, v));
    REQUIRE(all_of<VerifyValue>(out).size() == 1);
    out = engine.on_value_verified(v->hash(default_suite), {true, true});
    auto votes = own_votes(out, me.public_key);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].vote.type == chain::VoteType::prevote);
    CHECK(votes[0].vote.block_hash == v->hash(default_suite));
    CHECK(!all_of<Persist>(out).empty());  // the vote is logged before it is sent

    out.clear();
    for (const auto& k : f.keys)
        if (k.public_key != me.public_key) append(out, engine.on_message(f.vote(k, chain::VoteType::prevote, 0, v->hash(default_suite))));
    CHECK(engine.locked_round() == 0);
    votes = own_votes(out, me.public_key);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].vote.type == chain::VoteType::precommit);

    out.clear();
    int others = 0;
    for (const auto& k : f.keys)
        if (k.public_key != me.public_key && others++ < 2)
            append(out, engine.on_message(f.vote(k, chain::VoteType::precommit, 0, v->hash(default_suite))));
    auto commits = all_of<Commit>(out);
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].value->hash(default_suite) == v->hash(default_suite));
    CHECK(!chain::check_certificate(default_suite, chain_id, 1, v->hash(default_suite), commits[0].certificate, f.config.validators));
    CHECK(engine.height() == 2);
}

TEST_CASE("an untimely proposal gets a nil prevote, an invalid one too") {
    Fixture f;
    const auto& me = f.other_than(f.proposer(1, 0));
    KeySigner signer(default_suite, me);
    for (Validity verdict : {Validity{true, false}, Validity{false, true}}) {
        Engine engine(f.config, &signer);
        engine.start(1, {});
        auto v = f.value(1000);
        engine.on_message(f.proposal(0, v));
        auto votes = own_votes(engine.on_value_verified(v->hash(default_suite), verdict), me.public_key);
        REQUIRE(votes.size() == 1);
        CHECK(votes[0].vote.block_hash == chain::Hash{});
    }
}

namespace {
// Drives `engine` into a lock on `v` in round 0, then into round 1 (precommit timeout).
void lock_then_next_round(const Fixture& f, Engine& engine, const crypto::KeyPair& me, ValuePtr v) {
    engine.start(1, {});
    engine.on_message(f.proposal(0, v));
    engine.on_value_verified(v->hash(default_suite), {true, true});
    for (const auto& k : f.keys)
        if (k.public_key != me.public_key) engine.on_message(f.vote(k, chain::VoteType::prevote, 0, v->hash(default_suite)));
    REQUIRE(engine.locked_round() == 0);
    int others = 0;
    for (const auto& k : f.keys)  // one other precommit for v, one nil: no commit, but a quorum of precommits
        if (k.public_key != me.public_key && others < 2)
            engine.on_message(f.vote(k, chain::VoteType::precommit, 0, others++ == 0 ? v->hash(default_suite) : chain::Hash{}));
    engine.on_timeout({1, 0, TimeoutKind::precommit});
    REQUIRE(engine.round() == 1);
}
}  // namespace

TEST_CASE("a locked validator prevotes nil for another block without a newer proof of lock") {
    Fixture f;
    auto v = f.value(1000), w = f.value(2000);
    const auto& me = [&]() -> const crypto::KeyPair& {  // neither proposer of round 0 nor 1
        for (const auto& k : f.keys)
            if (k.public_key != f.proposer(1, 0).public_key && k.public_key != f.proposer(1, 1).public_key) return k;
        return f.keys[0];
    }();
    KeySigner signer(default_suite, me);

    SUBCASE("the lock holds") {
        Engine engine(f.config, &signer);
        lock_then_next_round(f, engine, me, v);
        engine.on_message(f.proposal(1, w));
        auto votes = own_votes(engine.on_value_verified(w->hash(default_suite), {true, true}), me.public_key);
        REQUIRE(votes.size() == 1);
        CHECK(votes[0].vote.block_hash == chain::Hash{});
    }
    SUBCASE("a proof of lock from a later round releases it") {
        Engine engine(f.config, &signer);
        lock_then_next_round(f, engine, me, v);
        // Round 2's proposer re-proposes w with round 1's polka.
        std::vector<SignedVote> pol;
        for (const auto& k : f.keys)
            if (k.public_key != me.public_key) pol.push_back(f.vote(k, chain::VoteType::prevote, 1, w->hash(default_suite)));
        engine.on_timeout({1, 1, TimeoutKind::propose});
        for (const auto& k : f.keys)
            if (k.public_key != me.public_key) engine.on_message(f.vote(k, chain::VoteType::precommit, 1, chain::Hash{}));
        engine.on_timeout({1, 1, TimeoutKind::precommit});
        REQUIRE(engine.round() == 2);
        auto p = f.proposal(2, w, 1, pol);
        CHECK(!check_message(f.config, f.verifier, p));
        engine.on_message(p);
        auto votes = own_votes(engine.on_value_verified(w->hash(default_suite), {true, false}), me.public_key);
        REQUIRE(votes.size() == 1);
        CHECK(votes[0].vote.block_hash == w->hash(default_suite));  // timeliness is not asked of a re-proposal
    }
    SUBCASE("with the lock rule broken on purpose the validator prevotes the other block") {
        auto config = f.config;
        config.unsafe_forget_lock = true;
        Engine engine(config, &signer);
        lock_then_next_round(f, engine, me, v);
        engine.on_message(f.proposal(1, w));
        auto votes = own_votes(engine.on_value_verified(w->hash(default_suite), {true, true}), me.public_key);
        REQUIRE(votes.size() == 1);
        CHECK(votes[0].vote.block_hash == w->hash(default_suite));
    }
}

TEST_CASE("a restarted validator restores its lock and never signs a conflicting vote") {
    Fixture f;
    const auto& me = f.other_than(f.proposer(1, 0));
    KeySigner signer(default_suite, me);
    auto v = f.value(1000), w = f.value(2000);
    std::vector<WalEntry> wal;
    {
        Engine engine(f.config, &signer);
        auto record = [&](const Actions& out) {
            for (const auto& p : all_of<Persist>(out)) wal.push_back(p.entry);
        };
        record(engine.start(1, {}));
        record(engine.on_message(f.proposal(0, v)));
        record(engine.on_value_verified(v->hash(default_suite), {true, true}));
        for (const auto& k : f.keys)
            if (k.public_key != me.public_key) record(engine.on_message(f.vote(k, chain::VoteType::prevote, 0, v->hash(default_suite))));
        REQUIRE(engine.locked_round() == 0);
    }  // killed
    Engine engine(f.config, &signer);
    Actions out = engine.start(1, wal);
    CHECK(engine.locked_round() == 0);
    CHECK(engine.round() == 0);
    // Its round-0 votes are in the log. Shown a nil polka and then a different proposal
    // for round 0, it signs nothing new: what it sends again are its logged votes for v.
    for (const auto& k : f.keys)
        if (k.public_key != me.public_key) append(out, engine.on_message(f.vote(k, chain::VoteType::prevote, 0, chain::Hash{})));
    append(out, engine.on_message(f.proposal(0, w)));
    append(out, engine.on_value_verified(w->hash(default_suite), {true, true}));
    const auto resent = own_votes(out, me.public_key);
    REQUIRE_FALSE(resent.empty());
    for (const auto& x : resent) {
        CHECK(x.vote.round == 0);
        CHECK(x.vote.block_hash == v->hash(default_suite));
    }
    // ...where a validator that lost its log prevotes it, a second prevote in round 0: the
    // input does ask for a vote, and only the log keeps it from signing one.
    Engine amnesiac(f.config, &signer);
    Actions forgot = amnesiac.start(1, {});
    append(forgot, amnesiac.on_message(f.proposal(0, w)));
    append(forgot, amnesiac.on_value_verified(w->hash(default_suite), {true, true}));
    const auto conflicting = own_votes(forgot, me.public_key);
    REQUIRE(conflicting.size() == 1);
    CHECK(conflicting[0].vote.block_hash == w->hash(default_suite));
    // Persisted entries of another height are ignored.
    Engine fresh(f.config, &signer);
    fresh.start(2, wal);
    CHECK(fresh.locked_round() == no_round);
    // A log written while this node was a validator, restored under a set that no longer
    // has it (voted out by governance): its own votes are not counted, and nothing breaks.
    EngineConfig without_me = f.config;
    std::erase_if(without_me.validators.validators, [&](const auto& x) { return x.key == me.public_key; });
    Engine removed(without_me, nullptr);
    Actions after = removed.start(1, wal);
    CHECK(own_votes(after, me.public_key).empty());
    for (const auto& k : f.keys)
        if (k.public_key != me.public_key) append(after, removed.on_message(f.vote(k, chain::VoteType::prevote, 0, v->hash(default_suite))));
    CHECK(own_votes(after, me.public_key).empty());
}

TEST_CASE("a value is logged once per height: a re-proposal of the locked value names it by hash, and a restart restores both") {
    Fixture f;
    const auto& me = f.proposer(1, 1);  // locks in round 0, then proposes its valid value in round 1
    REQUIRE(me.public_key != f.proposer(1, 0).public_key);
    KeySigner signer(default_suite, me);
    auto v = f.value(1000);
    const Hash hv = v->hash(default_suite);
    std::vector<WalEntry> wal;
    std::size_t value_bytes = 0, reference_bytes = 0;
    {
        Engine engine(f.config, &signer);
        auto record = [&](const Actions& out) {
            for (const auto& p : all_of<Persist>(out)) {  // through the codec, as the node's log does
                const Bytes bytes = encode_wal_entry(p.entry);
                auto back = decode_wal_entry(bytes);
                REQUIRE(back);
                if (const auto* l = std::get_if<WalLock>(&*back)) {
                    value_bytes = bytes.size();
                    CHECK(l->value);
                }
                if (const auto* q = std::get_if<Proposal>(&*back)) {
                    reference_bytes = bytes.size();
                    CHECK_FALSE(q->value);  // v was logged with the lock
                    CHECK(q->block_hash == hv);
                }
                wal.push_back(std::move(*back));
            }
        };
        record(engine.start(1, {}));
        record(engine.on_message(f.proposal(0, v)));
        record(engine.on_value_verified(hv, {true, true}));
        for (const auto& k : f.keys)
            if (k.public_key != me.public_key) record(engine.on_message(f.vote(k, chain::VoteType::prevote, 0, hv)));
        REQUIRE(engine.locked_round() == 0);
        for (const auto& k : f.keys)
            if (k.public_key != me.public_key) record(engine.on_message(f.vote(k, chain::VoteType::precommit, 0, Hash{})));
        record(engine.on_timeout({1, 0, TimeoutKind::precommit}));
        REQUIRE(engine.round() == 1);
    }  // killed
    CHECK(value_bytes > 0);
    REQUIRE(reference_bytes > 0);
    CHECK(reference_bytes < value_bytes);
    Engine engine(f.config, &signer);
    Actions out = engine.start(1, wal);
    CHECK(engine.locked_round() == 0);
    CHECK(engine.round() == 1);
    // What it sends again is its round-1 proposal, whole.
    append(out, engine.on_timeout({1, 0, TimeoutKind::rebroadcast}));
    bool resent = false;
    for (const auto& b : all_of<Broadcast>(out))
        if (const auto* p = std::get_if<Proposal>(&b.message); p && p->round == 1) {
            resent = true;
            REQUIRE(p->value);
            CHECK(p->value->hash(default_suite) == hv);
            CHECK(p->pol_round == 0);
            CHECK(!check_message(f.config, f.verifier, *p));
        }
    CHECK(resent);
}

TEST_CASE("one peer claiming a far round moves nothing; more than 1/3 of the power does") {
    Fixture f;
    const auto& me = f.keys[0];
    KeySigner signer(default_suite, me);
    Engine engine(f.config, &signer);
    engine.start(1, {});
    engine.on_message(f.vote(f.keys[1], chain::VoteType::prevote, 1'000'000, chain::Hash{}));
    CHECK(engine.round() == 0);
    engine.on_message(f.vote(f.keys[2], chain::VoteType::prevote, 7, chain::Hash{}));
    CHECK(engine.round() == 7);  // two of four: the lower of their rounds
}

TEST_CASE("a proposal relayed with a changed body is refused, and the genuine copy still counts in its round") {
    Fixture f;
    const auto& me = f.other_than(f.proposer(1, 0));
    KeySigner signer(default_suite, me);
    Engine engine(f.config, &signer);
    engine.start(1, {});
    auto v = f.value(1000);
    auto p = f.proposal(0, v);
    // The tampered copy arrives first: the node refuses it before the engine sees it,
    // so nothing is recorded against the block hash or the round.
    Proposal bad = p;
    Value changed = *v;
    changed.records[0].signature.bytes[40] ^= 1;
    bad.value = std::make_shared<const Value>(std::move(changed));
    REQUIRE(check_message(f.config, f.verifier, bad) == Fault::bad_body);
    // Then the genuine one.
    REQUIRE(!check_message(f.config, f.verifier, p));
    auto actions = engine.on_message(p);
    auto verify = all_of<VerifyValue>(actions);
    REQUIRE(verify.size() == 1);
    CHECK(verify[0].value->records[0].signature == v->records[0].signature);
    auto votes = own_votes(engine.on_value_verified(v->hash(default_suite), {true, true}), me.public_key);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0].vote.type == chain::VoteType::prevote);
    CHECK(votes[0].vote.block_hash == v->hash(default_suite));
}

TEST_CASE("messages from the network are checked before the engine sees them") {
    Fixture f;
    auto v = f.value(1000);
    auto p = f.proposal(0, v);
    CHECK(!check_message(f.config, f.verifier, p));
    auto bad = p;
    bad.signature.bytes[10] ^= 1;
    CHECK(check_message(f.config, f.verifier, bad) == Fault::bad_signature);
    bad = p;
    bad.round = 1;  // another round has another proposer
    CHECK(check_message(f.config, f.verifier, bad) == Fault::wrong_proposer);
    bad = p;
    bad.value = f.value(999);
    CHECK(check_message(f.config, f.verifier, bad) == Fault::bad_value);
    // A relay that changes a record's signature, or its bytes, or the list of ids, keeps
    // the proposer's signed header: the body no longer matches it.
    auto tampered = [&](auto change) {
        Value changed = *p.value;
        change(changed);
        Proposal q = p;
        q.value = std::make_shared<const Value>(std::move(changed));
        return check_message(f.config, f.verifier, q);
    };
    CHECK(tampered([](Value& x) { x.records[0].signature.bytes[40] ^= 1; }) == Fault::bad_body);
    CHECK(tampered([](Value& x) { x.records[0].nonce ^= 1; }) == Fault::bad_body);
    CHECK(tampered([](Value& x) { x.block.record_ids[0][0] ^= 1; }) == Fault::bad_body);
    CHECK(tampered([](Value& x) { x.records.push_back(x.records[0]); }) == Fault::bad_body);
    CHECK(tampered([](Value& x) { x.records.clear(); }) == Fault::bad_body);
    // A re-proposal whose proof of lock is short of a quorum.
    auto w = f.value(2000);
    std::vector<SignedVote> pol = {f.vote(f.keys[0], chain::VoteType::prevote, 0, w->hash(default_suite)),
                                   f.vote(f.keys[1], chain::VoteType::prevote, 0, w->hash(default_suite))};
    CHECK(check_message(f.config, f.verifier, f.proposal(1, w, 0, pol)) == Fault::bad_proof_of_lock);
    pol.push_back(f.vote(f.keys[2], chain::VoteType::prevote, 0, w->hash(default_suite)));
    CHECK(!check_message(f.config, f.verifier, f.proposal(1, w, 0, pol)));
    pol[2] = pol[1];  // a repeated signer
    CHECK(check_message(f.config, f.verifier, f.proposal(1, w, 0, pol)) == Fault::bad_proof_of_lock);

    auto vote = f.vote(f.keys[0], chain::VoteType::prevote, 0, v->hash(default_suite));
    CHECK(!check_message(f.config, f.verifier, vote));
    auto outsider = f.vote(test::key_from_scalar(9), chain::VoteType::prevote, 0, v->hash(default_suite));
    CHECK(check_message(f.config, f.verifier, outsider) == Fault::not_validator);
    vote.vote.chain_id = "other";
    CHECK(check_message(f.config, f.verifier, vote) == Fault::wrong_chain);
}

TEST_CASE("a height that cannot decide for 10,000 rounds holds a bounded number of rounds and blocks, and still replays and commits") {
    Fixture f;
    const auto& me = f.keys[0];
    KeySigner signer(default_suite, me);
    Engine engine(f.config, &signer);
    std::vector<WalEntry> wal;
    std::size_t wal_bytes = 0, whole_values = 0;
    auto record = [&](const Actions& out) {
        for (const auto& p : all_of<Persist>(out)) {  // through the codec, as the node's log does
            const Bytes bytes = encode_wal_entry(p.entry);
            wal_bytes += bytes.size();
            auto back = decode_wal_entry(bytes);
            REQUIRE(back);
            if (const auto* l = std::get_if<WalLock>(&*back); l && l->value) ++whole_values;
            if (const auto* q = std::get_if<Proposal>(&*back); q && q->value) ++whole_values;
            wal.push_back(std::move(*back));
        }
    };
    // Three other validators' nil precommits: a quorum of precommits, no commit.
    auto nil_precommits = [&](std::uint32_t round) {
        for (std::size_t i = 1; i < f.keys.size(); ++i)
            record(engine.on_message(f.vote(f.keys[i], chain::VoteType::precommit, round, Hash{})));
    };
    // A new block every round, from the round's proposer (this engine when its turn
    // comes), then nil precommits and the precommit timeout. In round `lock_at` the
    // others prevote the block: the engine locks on it, and keeps it to the end.
    constexpr std::uint32_t rounds = 10'000, lock_at = 6;
    ValuePtr locked;
    std::size_t rounds_max = 0, values_max = 0, own_max = 0;
    record(engine.start(1, {}));
    record(engine.on_records_available());
    for (std::uint32_t r = 0; r < rounds; ++r) {
        REQUIRE(engine.round() == r);
        const bool mine = f.proposer(1, r).public_key == me.public_key;
        if (mine && !locked) {
            Actions out = engine.on_value_built(1, r, *f.value(1000 + r));
            record(out);
        } else if (!mine) {
            auto v = f.value(1000 + r);
            record(engine.on_message(f.proposal(r, v)));
            record(engine.on_value_verified(v->hash(default_suite), {true, true}));
            if (r == lock_at) {
                for (std::size_t i = 1; i < f.keys.size(); ++i)
                    record(engine.on_message(f.vote(f.keys[i], chain::VoteType::prevote, r, v->hash(default_suite))));
                REQUIRE(engine.locked_round() == r);
                locked = v;
            }
        }
        nil_precommits(r);
        record(engine.on_timeout({1, r, TimeoutKind::precommit}));
        const auto held = engine.retained();
        rounds_max = std::max(rounds_max, held.rounds);
        values_max = std::max(values_max, held.values);
        own_max = std::max({own_max, held.own_votes, held.own_proposals, held.logged_values});
    }
    REQUIRE(engine.round() == rounds);
    CHECK(engine.locked_round() == lock_at);
    const std::size_t window = f.config.rounds_behind_max + 1 + f.config.rounds_ahead_max;
    CHECK(rounds_max <= window);
    CHECK(values_max <= 2 + window);  // the locked and valid values, and one per round held
    CHECK(own_max <= 2 * window);
    // The log of the height: a few hundred bytes a round, and after the lock no block
    // written again (before it, this engine's own new blocks are written whole).
    MESSAGE("log of ", rounds, " rounds: ", wal_bytes, " bytes, ", whole_values, " entries holding a block");
    CHECK(whole_values <= lock_at / 4 + 2);

    // Votes for long-gone rounds (a peer replaying old messages) make it hold nothing more.
    for (std::uint32_t r = 0; r < 50; ++r)
        for (std::size_t i = 1; i < f.keys.size(); ++i)
            engine.on_message(f.vote(f.keys[i], chain::VoteType::prevote, r, Hash{}));
    CHECK(engine.retained().rounds <= window);

    // A restart replays the whole log: the lock and the round come back, and the locked
    // block, named by hash ever since, is still there to re-propose.
    Engine restarted(f.config, &signer);
    Actions out = restarted.start(1, wal);
    CHECK(restarted.round() == rounds);
    CHECK(restarted.locked_round() == lock_at);
    CHECK(restarted.retained().rounds <= window);
    CHECK(restarted.retained().values <= 2 + window);
    // Both engines commit the locked block on a quorum of precommits in the current round.
    for (Engine* e : {&engine, &restarted}) {
        Actions done;
        for (std::size_t i = 1; i < f.keys.size(); ++i)
            append(done, e->on_message(f.vote(f.keys[i], chain::VoteType::precommit, rounds, locked->hash(default_suite))));
        auto commits = all_of<Commit>(done);
        REQUIRE(commits.size() == 1);
        CHECK(commits[0].value->hash(default_suite) == locked->hash(default_suite));
        CHECK(e->height() == 2);
    }
}
