// Block sync between real nodes in this process: a validator whose store holds a chain
// written by the generator (bench/chain_builder.h) serves it on loopback, and observers
// with empty stores catch up. Checks that they end on the server's tip, and that each
// sync.verify_records mode trusts exactly what it says: a block whose certified header
// commits to a forged record signature (only a quorum of lying validators makes one) is
// refused by a node that verifies the signature and taken by one that trusts the
// certificate; a body changed after certification is refused in every mode.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "base/bytes.h"
#include "bench/chain_builder.h"
#include "consensus/codec.h"
#include "node/peer_offence.h"
#include "p2p/peer_network.h"
#include "tests/support/suite.h"

using namespace jchain;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t hour_ms = 3600 * 1000;

// Polls `condition` until it holds or `limit` passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// `records` in blocks of `block_records`: the first at `first_block_time_ms`, then one
// every `interval_ms`.
bench::ChainSpec past_chain(std::uint64_t records, std::uint64_t block_records, std::uint64_t first_block_time_ms,
                            std::uint64_t interval_ms) {
    bench::ChainSpec spec;
    spec.records = records;
    spec.block_records = block_records;
    spec.first_block_time_ms = first_block_time_ms;
    spec.block_interval_ms = interval_ms;
    return spec;
}

std::unique_ptr<bench::SyncHomes> make_homes(int observers, std::uint64_t genesis_time_ms) {
    auto homes = bench::SyncHomes::create(1, observers, genesis_time_ms);
    REQUIRE_MESSAGE(homes, homes.message());
    return std::move(*homes);
}

std::unique_ptr<node::Node> start_server(const bench::SyncHomes& homes) {
    auto n = homes.start_server(0);
    REQUIRE_MESSAGE(n, n.message());
    return std::move(*n);
}

std::unique_ptr<node::Node> start_observer(const bench::SyncHomes& homes, int i, const std::string& mode,
                                           std::uint64_t recent_ms, const node::Node& server) {
    auto n = homes.start_observer(i, mode, recent_ms, {server.p2p_port()});
    REQUIRE_MESSAGE(n, n.message());
    return std::move(*n);
}

// The observer ends on the server's tip: same block hash and ledger, not catching up.
void check_caught_up(const node::Node& observer, const node::Node& server, const bench::ChainStats& chain) {
    const node::TipInfo want = server.tip();
    CHECK(want.height == chain.height);
    CHECK(want.block_hash == chain.tip_hash);
    CHECK(want.ledger_root == chain.ledger_root);
    // The store's height moves first; the node's tip follows on the commit callback.
    CHECK(eventually([&] { return observer.tip().height == want.height; }, 10s));
    const node::TipInfo got = observer.tip();
    CHECK(got.height == want.height);
    CHECK(got.block_hash == want.block_hash);
    CHECK(got.ledger_size == want.ledger_size);
    CHECK(got.ledger_root == want.ledger_root);
    CHECK(eventually([&] {
        const node::SyncStatus s = observer.sync_status();
        return s.height == want.height && s.best_peer_height == want.height && !s.catching_up;
    }, 10s));
}

}  // namespace

TEST_CASE("a node with an empty store syncs a chain of 100,000 records") {
    spdlog::set_level(spdlog::level::warn);
    const std::uint64_t now = node::now_ms();
    auto homes = make_homes(1, now - 2 * hour_ms);
    // 25 blocks of 4,000, a minute apart, ending about an hour ago.
    const auto chain = homes->build(past_chain(100'000, 4'000, now - 2 * hour_ms + 60'000, 60'000));
    REQUIRE_MESSAGE(chain, chain.message());
    REQUIRE(chain->height == 25);
    auto server = start_server(*homes);
    // "all": it verifies every record signature itself (about 4 s of the test's 7 s on
    // two cores); "none" and "recent" are in the tests below.
    auto observer = start_observer(*homes, 0, "all", 24 * hour_ms, *server);
    REQUIRE(bench::wait_for_height(*observer, chain->height, 120s));
    check_caught_up(*observer, *server, *chain);
}

TEST_CASE("the generator's blocks pass the block-validity rule, and a node trusting certificates syncs them") {
    spdlog::set_level(spdlog::level::warn);
    const std::uint64_t now = node::now_ms();
    auto homes = make_homes(1, now - 2 * hour_ms);
    auto spec = past_chain(20'000, 2'500, now - 2 * hour_ms + 1'000, 1'000);
    spec.check_blocks = true;  // the generator's blocks pass chain::check_block, signatures and all
    const auto chain = homes->build(spec);
    REQUIRE_MESSAGE(chain, chain.message());
    CHECK(chain->faults.empty());
    REQUIRE(chain->height == 8);
    auto server = start_server(*homes);
    // "none": the certificates vouch for the record signatures.
    auto observer = start_observer(*homes, 0, "none", 24 * hour_ms, *server);
    REQUIRE(bench::wait_for_height(*observer, chain->height, 120s));
    check_caught_up(*observer, *server, *chain);
}

TEST_CASE("a synced block whose record signature was changed after certification is refused in every mode") {
    spdlog::set_level(spdlog::level::off);  // the refusals are logged as warnings
    const std::uint64_t now = node::now_ms();
    // Five blocks of 500 records, an hour apart; the server's copy of record 1,250
    // (block 3) has one signature byte flipped after the block was certified: what a peer
    // that changes a body on the way serves. The header commits to the genuine signature.
    auto homes = make_homes(4, now - 11 * hour_ms);
    auto spec = past_chain(2'500, 500, now - 10 * hour_ms, hour_ms);
    spec.tampered_record = 1'250;
    const auto chain = homes->build(spec);
    REQUIRE_MESSAGE(chain, chain.message());
    REQUIRE(chain->height == 5);
    auto server = start_server(*homes);
    const chain::Block block3 = *server->store().block(3);
    const chain::Hash tampered_id = block3.record_ids[250];
    std::vector<chain::Record> body;
    for (const auto& id : block3.record_ids) body.push_back(server->store().record(id)->record);
    REQUIRE_FALSE(chain::body_matches(default_suite, block3, body));

    std::vector<std::unique_ptr<node::Node>> observers;
    observers.push_back(start_observer(*homes, 0, "all", 24 * hour_ms, *server));
    observers.push_back(start_observer(*homes, 1, "recent", 8 * hour_ms + hour_ms / 2, *server));
    observers.push_back(start_observer(*homes, 2, "none", 24 * hour_ms, *server));
    observers.push_back(start_observer(*homes, 3, "recent", 7 * hour_ms + hour_ms / 2, *server));
    // Each reaches block 2, finds block 3's body not the one its header commits to, and
    // bans the peer that sent it (whatever its verify_records mode).
    for (const auto& o : observers) {
        REQUIRE(bench::wait_for_height(*o, 2, 60s));
        auto& bans = o->metrics().peer_offences.bans;
        CHECK(eventually([&] { return bans[static_cast<std::size_t>(node::PeerOffence::bad_body)] == 1; }, 10s));
    }
    std::this_thread::sleep_for(3s);
    for (const auto& o : observers) {
        CHECK(o->store().height() == 2);
        CHECK(o->tip().height == 2);
        CHECK_FALSE(o->store().has_record(tampered_id));
        CHECK(o->sync_status().halted.empty());  // refused as the peer's fault, not taken for a broken ledger
    }
}

TEST_CASE("a synced block whose certified header commits to a forged record signature is refused by a node that verifies it, taken by one that trusts the certificate") {
    spdlog::set_level(spdlog::level::err);  // the refusals are logged as warnings
    const std::uint64_t now = node::now_ms();
    // Five blocks of 1,000 records, an hour apart: block k at now - (11 - k) h, so block 3
    // is 8 hours old. Record 2,500 (block 3) has a flipped signature byte; its block and
    // certificate are otherwise valid.
    auto homes = make_homes(4, now - 11 * hour_ms);
    auto spec = past_chain(5'000, 1'000, now - 10 * hour_ms, hour_ms);
    spec.forged_record = 2'500;
    spec.check_blocks = true;
    const auto chain = homes->build(spec);
    REQUIRE_MESSAGE(chain, chain.message());
    REQUIRE(chain->height == 5);
    // The generator's own check: exactly one fault, the forged signature, in block 3.
    REQUIRE(chain->faults.size() == 1);
    CHECK(chain->faults[0].find("height 3: signature:") == 0);
    CHECK(chain->faults[0].find("(record 500)") != std::string::npos);

    auto server = start_server(*homes);
    const chain::Block forged_block = *server->store().block(3);
    const chain::Hash forged_id = forged_block.record_ids[500];
    const chain::Record forged = server->store().record(forged_id)->record;
    CHECK_FALSE(chain::verify_record_signature(default_suite, forged));

    // "all", and "recent" with a window reaching back over block 3 (8.5 h), verify it;
    // "none", and "recent" with a window of 7.5 h (blocks 4 and 5 only), trust it.
    auto verify_all = start_observer(*homes, 0, "all", 24 * hour_ms, *server);
    auto recent_long = start_observer(*homes, 1, "recent", 8 * hour_ms + hour_ms / 2, *server);
    auto trust_all = start_observer(*homes, 2, "none", 24 * hour_ms, *server);
    auto recent_short = start_observer(*homes, 3, "recent", 7 * hour_ms + hour_ms / 2, *server);

    for (const auto* taker : {&trust_all, &recent_short}) {
        REQUIRE(bench::wait_for_height(**taker, chain->height, 60s));
        check_caught_up(**taker, *server, *chain);
        const auto stored = (*taker)->store().record(forged_id);
        REQUIRE(stored);
        CHECK(stored->record.signature == forged.signature);
    }
    for (const auto* refuser : {&verify_all, &recent_long}) {
        // It reaches block 2, finds block 3 bad, and bans the peer that sent it: a
        // certified block that breaks the rule is a frame no honest node sends.
        REQUIRE(bench::wait_for_height(**refuser, 2, 60s));
        auto& bans = (*refuser)->metrics().peer_offences.bans;
        CHECK(eventually([&] { return bans[static_cast<std::size_t>(node::PeerOffence::bad_block)] == 1; }, 10s));
        CHECK(eventually([&] { return (*refuser)->peers().empty(); }, 10s));
        // A banned peer's claimed height is not reported.
        CHECK(eventually([&] { return (*refuser)->sync_status().best_peer_height == 0; }, 10s));
    }
    std::this_thread::sleep_for(3s);
    for (const auto* refuser : {&verify_all, &recent_long}) {
        CHECK((*refuser)->store().height() == 2);
        CHECK((*refuser)->tip().height == 2);
        CHECK_FALSE((*refuser)->store().has_record(forged_id));
    }
}

TEST_CASE("a peer that claims a height it never serves does not keep a validator from committing") {
    spdlog::set_level(spdlog::level::err);
    auto homes = make_homes(1, node::now_ms() - 60'000);
    auto server = start_server(*homes);  // a lone validator on an empty chain

    // The liar holds an allowed key (the observer's), announces a height far ahead of
    // the chain and never answers a request for blocks.
    const auto liar_key = default_suite.read_key_file(node::HomePaths{homes->observer_home(0)}.node_key_file()).value();
    p2p::P2pConfig config;
    config.listen = "127.0.0.1:0";
    config.peers = {"127.0.0.1:" + std::to_string(server->p2p_port())};
    config.chain_id = homes->genesis().chain_id;
    const std::set<crypto::PublicKey> allowed{homes->genesis().validators.validators.at(0).key};
    p2p::PeerNetwork liar(config, liar_key, allowed, [](const crypto::PublicKey&, std::uint8_t, Bytes, p2p::FrameCredit) {}, nullptr);
    REQUIRE(liar.start().is_ok());
    std::atomic<bool> lying{true};
    std::thread announcer([&] {
        ByteWriter w;
        w.u64(1'000'000);  // frame 3: status, the sender's committed height
        const auto status = std::make_shared<const Bytes>(std::move(w).take());
        while (lying) {
            liar.broadcast(3, status);
            std::this_thread::sleep_for(200ms);
        }
    });
    // The validator believes it at first: it is behind, and fetches instead of voting.
    REQUIRE(eventually([&] { return server->sync_status().catching_up; }, 10s));

    chain::Record r;
    r.chain_id = homes->genesis().chain_id;
    r.kind = chain::Kind::evidence;
    r.content_hash = crypto::sha256(as_bytes(std::string("liar test")));
    r.client_time_ms = node::now_ms();
    r.nonce = 7;
    chain::sign_record(default_suite, r, homes->member());
    const chain::Hash id = chain::record_id(default_suite, r);
    auto admitted = server->admission().admit({r}, node::now_ms());
    REQUIRE(std::holds_alternative<chain::Hash>(admitted.at(0)));
    server->records_arrived({id});

    // It asks the liar for blocks, hears nothing, stops counting it, and commits.
    CHECK(eventually([&] { return server->store().has_record(id); }, 20s));
    CHECK(eventually([&] { return !server->sync_status().catching_up; }, 5s));
    lying = false;
    announcer.join();
    liar.stop();
    // Its claim goes with it: status does not keep the highest height ever heard.
    CHECK(eventually([&] { return server->sync_status().best_peer_height < 1'000'000; }, 10s));
}

namespace {

// A peer holding an allowed key (the observer's), linked to `server` only.
struct RawLiar {
    RawLiar(const bench::SyncHomes& homes, const node::Node& server) {
        key = default_suite.read_key_file(node::HomePaths{homes.observer_home(0)}.node_key_file()).value();
        p2p::P2pConfig config;
        config.listen = "127.0.0.1:0";
        config.peers = {"127.0.0.1:" + std::to_string(server.p2p_port())};
        config.chain_id = homes.genesis().chain_id;
        config.redial_ms_min = 50;
        config.redial_ms_max = 100;
        net = std::make_unique<p2p::PeerNetwork>(
            config, key, std::set<crypto::PublicKey>{homes.genesis().validators.validators.at(0).key},
            [](const crypto::PublicKey&, std::uint8_t, Bytes, p2p::FrameCredit) {},
            [this](const crypto::PublicKey&, bool up) { (up ? ups : downs)++; });
        REQUIRE(net->start().is_ok());
        REQUIRE(eventually([&] { return ups == 1; }, 10s));
    }
    ~RawLiar() { net->stop(); }
    crypto::KeyPair key;
    std::unique_ptr<p2p::PeerNetwork> net;
    std::atomic<int> ups{0}, downs{0};
};

std::uint64_t bans(node::Node& n, node::PeerOffence o) {
    return n.metrics().peer_offences.bans[static_cast<std::size_t>(o)];
}

}  // namespace

TEST_CASE("a peer that relays a record with a bad signature is cut off at once, banned, and counted once") {
    spdlog::set_level(spdlog::level::err);
    auto homes = make_homes(1, node::now_ms() - 60'000);
    auto server = start_server(*homes);
    RawLiar liar(*homes, *server);

    // Ten frames of a real member's records, each with one byte of its signature flipped.
    for (int f = 0; f < 10; ++f) {
        std::vector<chain::Record> records;
        for (int i = 0; i < 20; ++i) {
            chain::Record r;
            r.chain_id = homes->genesis().chain_id;
            r.kind = chain::Kind::evidence;
            r.content_hash = crypto::sha256(as_bytes("bad gossip " + std::to_string(f * 100 + i)));
            r.client_time_ms = node::now_ms();
            r.nonce = static_cast<std::uint64_t>(f * 100 + i);
            chain::sign_record(default_suite, r, homes->member());
            if (i == 7) r.signature.bytes[10] ^= 1;
            records.push_back(std::move(r));
        }
        liar.net->broadcast(2, std::make_shared<const Bytes>(consensus::encode_records(records)));
    }
    REQUIRE(eventually([&] { return liar.downs == 1; }, 10s));
    CHECK(eventually([&] { return bans(*server, node::PeerOffence::bad_record_signature) == 1; }, 10s));
    // One incident, one ban: the frames queued behind the first are dropped unread.
    std::this_thread::sleep_for(500ms);
    CHECK(bans(*server, node::PeerOffence::bad_record_signature) == 1);
    // Banned: its redials (every 100 ms) are refused.
    std::this_thread::sleep_for(1s);
    CHECK(liar.ups == 1);
    CHECK(server->peers().empty());
}

TEST_CASE("a peer that sends a block it was not asked for is cut off at once and banned") {
    spdlog::set_level(spdlog::level::err);
    const std::uint64_t now = node::now_ms();
    auto homes = make_homes(1, now - 2 * hour_ms);
    const auto chain = homes->build(past_chain(200, 50, now - 2 * hour_ms + 60'000, 60'000));
    REQUIRE_MESSAGE(chain, chain.message());
    auto server = start_server(*homes);
    RawLiar liar(*homes, *server);

    // A well-formed certified block for a height above the server's tip, never asked.
    auto block = server->store().block(1).value();
    block.header.height = chain->height + 3;
    consensus::Value value{block, {}};
    for (const auto& id : block.record_ids) value.records.push_back(server->store().record(id)->record);
    const auto cert = server->store().certificate(1).value();
    liar.net->broadcast(5, std::make_shared<const Bytes>(consensus::encode_certified(value, cert)));
    REQUIRE(eventually([&] { return liar.downs == 1; }, 10s));
    CHECK(eventually([&] { return bans(*server, node::PeerOffence::unrequested_block) == 1; }, 10s));
    CHECK(server->tip().height == chain->height);
}
