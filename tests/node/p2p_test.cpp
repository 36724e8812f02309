// PeerNetwork over loopback: handshake, frames, broadcast, refusals, hostile input, link
// dedup, redial, back-pressure and stop. Every network listens on port 0; waits poll a
// condition for up to several seconds so that a loaded machine does not fail them.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "node/p2p.h"

using namespace jchain;
using namespace std::chrono_literals;
using crypto::PublicKey;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto wait_limit = 10s;
const std::string chain_id = "jchain-p2p-test";

// Polls `condition` until it holds or `limit` passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit = wait_limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

std::shared_ptr<const Bytes> share(Bytes b) { return std::make_shared<const Bytes>(std::move(b)); }

Bytes random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

node::P2pConfig test_config() {
    node::P2pConfig c;
    c.listen = "127.0.0.1:0";
    c.chain_id = chain_id;
    c.redial_ms_min = 20;
    c.redial_ms_max = 200;
    c.handshake_timeout_ms = 3000;
    return c;
}

std::string local(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// A free loopback port, for tests that need two addresses before either network starts.
std::uint16_t free_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

struct Frame {
    PublicKey from;
    std::uint8_t type;
    Bytes payload;
};

// A PeerNetwork and a record of what its handlers saw.
class TestNode {
public:
    explicit TestNode(crypto::KeyPair key = crypto::generate_key()) : key_(key) {}
    ~TestNode() { stop(); }

    Status start(node::P2pConfig config, std::set<PublicKey> allowed) {
        net_ = std::make_unique<node::PeerNetwork>(
            std::move(config), key_, std::move(allowed),
            [this](const PublicKey& from, std::uint8_t type, Bytes payload) {
                std::lock_guard lock(mutex_);
                if (stopped_) ++late_calls_;
                frames_.push_back({from, type, std::move(payload)});
            },
            [this](const PublicKey& peer, bool up) {
                std::lock_guard lock(mutex_);
                if (stopped_) ++late_calls_;
                (up ? ups_ : downs_)[peer]++;
            });
        std::lock_guard lock(mutex_);
        stopped_ = false;
        return net_->start();
    }
    void stop() {
        if (!net_) return;
        net_->stop();
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }

    node::PeerNetwork& net() { return *net_; }
    const PublicKey& key() const { return key_.public_key; }
    const crypto::KeyPair& key_pair() const { return key_; }
    std::string address() const { return local(net_->port()); }

    int ups(const PublicKey& k) const { std::lock_guard lock(mutex_); auto it = ups_.find(k); return it == ups_.end() ? 0 : it->second; }
    int downs(const PublicKey& k) const { std::lock_guard lock(mutex_); auto it = downs_.find(k); return it == downs_.end() ? 0 : it->second; }
    int total_ups() const { std::lock_guard lock(mutex_); int n = 0; for (auto& [k, v] : ups_) n += v; return n; }
    bool linked(const PublicKey& k) const { return ups(k) - downs(k) == 1; }
    bool has_peer(const PublicKey& k) const {
        for (const auto& p : net_->peers())
            if (p.key == k) return true;
        return false;
    }
    std::optional<node::PeerInfo> info(const PublicKey& k) const {
        for (const auto& p : net_->peers())
            if (p.key == k) return p;
        return std::nullopt;
    }
    std::vector<Frame> frames() const { std::lock_guard lock(mutex_); return frames_; }
    std::size_t frame_count() const { std::lock_guard lock(mutex_); return frames_.size(); }
    int late_calls() const { std::lock_guard lock(mutex_); return late_calls_; }

private:
    crypto::KeyPair key_;
    std::unique_ptr<node::PeerNetwork> net_;
    mutable std::mutex mutex_;
    std::vector<Frame> frames_;
    std::map<PublicKey, int> ups_, downs_;
    bool stopped_ = false;
    int late_calls_ = 0;
};

// Both ends see the link, each exactly once, in opposite directions.
bool one_link(const TestNode& a, const TestNode& b) {
    if (!a.linked(b.key()) || !b.linked(a.key())) return false;
    auto ab = a.info(b.key());
    auto ba = b.info(a.key());
    return ab && ba && ab->outbound != ba->outbound;
}

// A plain TCP client, for speaking the protocol by hand or not at all.
class RawPeer {
public:
    explicit RawPeer(std::uint16_t port, int receive_buffer_bytes = 0) : socket_(io_) {
        socket_.open(tcp::v4());
        if (receive_buffer_bytes > 0) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes));
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }

    bool write(ByteSpan bytes) {
        boost::system::error_code ec;
        asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
        return !ec;
    }
    bool write_frame(std::uint8_t type, ByteSpan payload) {
        ByteWriter w;
        w.u32(static_cast<std::uint32_t>(1 + payload.size()));
        w.u8(type);
        w.raw(payload);
        return write(w.bytes());
    }

    // The next frame, or nullopt on close, error or timeout.
    std::optional<std::pair<std::uint8_t, Bytes>> read_frame(std::chrono::milliseconds limit = wait_limit) {
        std::array<std::uint8_t, 5> header{};
        if (!read_exact(header.data(), header.size(), limit)) return std::nullopt;
        const std::uint32_t length = std::uint32_t{header[0]} << 24 | header[1] << 16 | header[2] << 8 | header[3];
        if (length == 0 || length > (64u << 20)) return std::nullopt;
        Bytes payload(length - 1);
        if (!payload.empty() && !read_exact(payload.data(), payload.size(), limit)) return std::nullopt;
        return std::pair{header[4], std::move(payload)};
    }

    // True when the other end closes the connection within `limit` (data before that is
    // skipped), or closed it already.
    bool closed_within(std::chrono::milliseconds limit = wait_limit) {
        // Asio waits for a new epoll edge after a read that hit the end: do not read again.
        if (closed_) return true;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        std::array<std::uint8_t, 4096> buffer{};
        for (;;) {
            bool done = false;
            boost::system::error_code result;
            socket_.async_read_some(asio::buffer(buffer), [&](boost::system::error_code ec, std::size_t) {
                done = true;
                result = ec;
            });
            io_.restart();
            io_.run_until(deadline);
            if (!done) {
                socket_.cancel();
                io_.restart();
                io_.run();
                return false;
            }
            if (result) return closed_ = true;
        }
    }

private:
    bool read_exact(std::uint8_t* p, std::size_t n, std::chrono::milliseconds limit) {
        bool done = false;
        boost::system::error_code result;
        asio::async_read(socket_, asio::buffer(p, n), [&](boost::system::error_code ec, std::size_t) {
            done = true;
            result = ec;
        });
        io_.restart();
        io_.run_for(limit);
        if (!done) {
            socket_.cancel();
            io_.restart();
            io_.run();
            return false;
        }
        if (result) closed_ = true;
        return !result;
    }

    asio::io_context io_;
    tcp::socket socket_;
    bool closed_ = false;  // a read failed: the other end closed or reset
};

// The handshake of docs/p2p.md, written out independently of node/p2p.cpp.
crypto::Hash doc_handshake_digest(const std::string& chain, const std::array<std::uint8_t, 32>& nonce,
                                  const PublicKey& signer, const PublicKey& other) {
    ByteWriter w;
    w.str("jchain/p2p-handshake/v1");
    w.str(chain);
    w.fixed(nonce);
    w.fixed(signer.bytes);
    w.fixed(other.bytes);
    return crypto::sha256(w.bytes());
}

Bytes doc_hello(const std::string& chain, const PublicKey& key, const std::array<std::uint8_t, 32>& nonce) {
    ByteWriter w;
    w.u32(0x4A43484E);  // "JCHN"
    w.u16(1);
    w.str(chain);
    w.fixed(key.bytes);
    w.fixed(nonce);
    return std::move(w).take();
}

// Runs the handshake by hand as `me` against a network holding `server`. Returns whether
// the server's side of the handshake checked out (its hello and signature).
bool raw_handshake(RawPeer& raw, const crypto::KeyPair& me, const PublicKey& server, bool corrupt_signature = false) {
    std::array<std::uint8_t, 32> mine{};
    const Bytes r = random_bytes(32, 7);
    std::copy(r.begin(), r.end(), mine.begin());
    if (!raw.write_frame(0xF0, doc_hello(chain_id, me.public_key, mine))) return false;

    auto hello = raw.read_frame();
    if (!hello || hello->first != 0xF0) return false;
    ByteReader reader(hello->second);
    const auto magic = reader.u32();
    const auto version = reader.u16();
    const auto chain = reader.str(256);
    const auto key = reader.fixed<33>();
    const auto theirs = reader.fixed<32>();
    if (!magic || *magic != 0x4A43484E || !version || *version != 1 || !chain || *chain != chain_id || !key ||
        *key != server.bytes || !theirs || !reader.done())
        return false;

    auto sig = crypto::sign(me.private_key, doc_handshake_digest(chain_id, *theirs, me.public_key, server));
    if (corrupt_signature) sig.bytes[10] ^= 1;
    if (!raw.write_frame(0xF1, sig.bytes)) return false;

    auto auth = raw.read_frame();
    if (!auth || auth->first != 0xF1) return false;
    auto their_sig = crypto::signature_from_compact(auth->second);
    return their_sig && crypto::verify(server, doc_handshake_digest(chain_id, mine, server, me.public_key), *their_sig);
}

struct QuietLogs {
    QuietLogs() { spdlog::set_level(std::getenv("P2P_TEST_DEBUG") ? spdlog::level::debug : spdlog::level::warn); }
};

}  // namespace

TEST_CASE("p2p: two networks link and deliver frames both ways with type and payload intact") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    REQUIRE(a.start(test_config(), allowed).is_ok());
    CHECK(a.net().port() != 0);
    auto cb = test_config();
    cb.peers = {a.address()};
    REQUIRE(b.start(cb, allowed).is_ok());

    REQUIRE(eventually([&] { return one_link(a, b); }));
    CHECK_FALSE(a.info(b.key())->outbound);
    CHECK(b.info(a.key())->outbound);

    const Bytes big = random_bytes(3 << 20, 1);
    CHECK(b.net().send(a.key(), 7, share({'h', 'e', 'l', 'l', 'o'})));
    CHECK(a.net().send(b.key(), 0xEF, share(big)));
    CHECK(a.net().send(b.key(), 0, share({})));
    CHECK(a.net().send(b.key(), 1, nullptr));  // an empty payload
    REQUIRE(eventually([&] { return a.frame_count() == 1 && b.frame_count() == 3; }));

    const auto at_a = a.frames();
    CHECK(at_a[0].from == b.key());
    CHECK(at_a[0].type == 7);
    CHECK(at_a[0].payload == Bytes{'h', 'e', 'l', 'l', 'o'});
    const auto at_b = b.frames();
    CHECK(at_b[0].from == a.key());
    CHECK(at_b[0].type == 0xEF);
    CHECK(at_b[0].payload == big);  // frames from one thread arrive in order
    CHECK(at_b[1].type == 0);
    CHECK(at_b[1].payload.empty());
    CHECK(at_b[2].type == 1);
    CHECK(at_b[2].payload.empty());

    REQUIRE(eventually([&] { return a.info(b.key())->frames_sent == 3 && a.info(b.key())->queued_bytes == 0; }));
    CHECK(a.info(b.key())->frames_received == 1);
    CHECK(b.info(a.key())->frames_received == 3);
    CHECK(b.info(a.key())->frames_sent == 1);
    CHECK(a.info(b.key())->address.starts_with("127.0.0.1:"));

    CHECK_FALSE(a.net().send(crypto::generate_key().public_key, 1, share({1})));
    a.stop();
    b.stop();
}

TEST_CASE("p2p: three networks form a mesh and a broadcast reaches every peer") {
    QuietLogs quiet;
    TestNode a, b, c;
    const std::set<PublicKey> allowed{a.key(), b.key(), c.key()};
    REQUIRE(a.start(test_config(), allowed).is_ok());
    auto cb = test_config();
    cb.peers = {a.address()};
    REQUIRE(b.start(cb, allowed).is_ok());
    auto cc = test_config();
    cc.peers = {a.address(), b.address()};
    REQUIRE(c.start(cc, allowed).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b) && one_link(a, c) && one_link(b, c); }));

    a.net().broadcast(10, share({1, 2, 3}));
    c.net().broadcast(11, share({4}));
    REQUIRE(eventually([&] { return a.frame_count() == 1 && b.frame_count() == 2 && c.frame_count() == 1; }));
    const auto at_a = a.frames();
    CHECK((at_a[0].from == c.key() && at_a[0].type == 11 && at_a[0].payload == Bytes{4}));
    const auto at_c = c.frames();
    CHECK((at_c[0].from == a.key() && at_c[0].type == 10 && at_c[0].payload == Bytes{1, 2, 3}));
    int from_a = 0, from_c = 0;
    for (const auto& f : b.frames()) {
        if (f.from == a.key() && f.type == 10 && f.payload == Bytes{1, 2, 3}) ++from_a;
        if (f.from == c.key() && f.type == 11 && f.payload == Bytes{4}) ++from_c;
    }
    CHECK(from_a == 1);
    CHECK(from_c == 1);
    CHECK(a.net().peers().size() == 2);
}

TEST_CASE("p2p: a key that is not allowed is refused at both ends") {
    QuietLogs quiet;
    TestNode a, stranger;
    REQUIRE(a.start(test_config(), {a.key()}).is_ok());
    auto cs = test_config();
    cs.peers = {a.address()};
    REQUIRE(stranger.start(cs, {a.key(), stranger.key()}).is_ok());
    std::this_thread::sleep_for(600ms);  // several dials at redial_ms_max = 200
    CHECK(a.total_ups() == 0);
    CHECK(stranger.total_ups() == 0);
    CHECK(a.net().peers().empty());
    CHECK(stranger.net().peers().empty());

    // By hand: the stranger's hello is refused and the link closed.
    RawPeer raw(a.net().port());
    CHECK_FALSE(raw_handshake(raw, crypto::generate_key(), a.key()));
    CHECK(raw.closed_within());
    CHECK(a.total_ups() == 0);
}

TEST_CASE("p2p: a peer on another chain id is refused") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    REQUIRE(a.start(test_config(), allowed).is_ok());
    auto cb = test_config();
    cb.chain_id = "another-chain";
    cb.peers = {a.address()};
    REQUIRE(b.start(cb, allowed).is_ok());
    std::this_thread::sleep_for(600ms);
    CHECK(a.total_ups() == 0);
    CHECK(b.total_ups() == 0);
    CHECK(a.net().peers().empty());
}

TEST_CASE("p2p: the handshake follows docs/p2p.md byte for byte") {
    QuietLogs quiet;
    TestNode a;
    const auto r = crypto::generate_key();
    const auto r2 = crypto::generate_key();
    REQUIRE(a.start(test_config(), {a.key(), r.public_key, r2.public_key}).is_ok());

    RawPeer raw(a.net().port());
    REQUIRE(raw_handshake(raw, r, a.key()));
    REQUIRE(eventually([&] { return a.linked(r.public_key); }));
    CHECK_FALSE(a.info(r.public_key)->outbound);

    REQUIRE(raw.write_frame(9, Bytes{1, 2, 3}));
    REQUIRE(eventually([&] { return a.frame_count() == 1; }));
    CHECK((a.frames()[0].from == r.public_key && a.frames()[0].type == 9 && a.frames()[0].payload == Bytes{1, 2, 3}));

    REQUIRE(a.net().send(r.public_key, 42, share({5, 6})));
    std::optional<std::pair<std::uint8_t, Bytes>> f;
    do f = raw.read_frame(); while (f && f->first == 0xF2);  // pings
    REQUIRE(f);
    CHECK(f->first == 42);
    CHECK(f->second == Bytes{5, 6});

    // A hello after the handshake is a protocol violation: the link goes.
    REQUIRE(raw.write_frame(0xF0, Bytes{}));
    CHECK(raw.closed_within());
    REQUIRE(eventually([&] { return a.downs(r.public_key) == 1; }));
    CHECK(a.net().peers().empty());

    // A bad signature: the network answers the hello, then closes without a link.
    RawPeer bad(a.net().port());
    (void)raw_handshake(bad, r2, a.key(), /*corrupt_signature=*/true);
    CHECK(bad.closed_within());
    CHECK(a.ups(r2.public_key) == 0);
}

TEST_CASE("p2p: the handshake bytes match the test vector in docs/p2p.md") {
    crypto::PrivateKey one, two;
    one.bytes[31] = 1;
    two.bytes[31] = 2;
    const auto signer = *crypto::key_pair_from_private(one);
    const auto other = *crypto::key_pair_from_private(two);
    std::array<std::uint8_t, 32> nonce{};
    nonce.fill(0x11);
    const auto digest = doc_handshake_digest("jchain-test", nonce, signer.public_key, other.public_key);
    CHECK(to_hex(digest) == "c9248aba20317f7980bc5eea5a2e1d99bbfdd911ff6030ce734a20489e96164e");
    CHECK(to_hex(crypto::sign(signer.private_key, digest).bytes) ==
          "95a357e331a998152e46c37169ed9d8c2a503e78a14fb4f72b76791bde039b53"
          "5223f4abc1232b46015be69fba0ba5902f5ad5a7ebad8eb08fc0f6c42ac895cc");
    nonce.fill(0x22);
    CHECK(to_hex(doc_hello("jchain-test", signer.public_key, nonce)) ==
          "4a43484e00010000000b6a636861696e2d74657374"
          "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
          "2222222222222222222222222222222222222222222222222222222222222222");
}

TEST_CASE("p2p: garbage, oversized and empty frames close the link and the network keeps working") {
    QuietLogs quiet;
    TestNode a, b;
    const auto r = crypto::generate_key();
    auto ca = test_config();
    ca.frame_bytes_max = 64 * 1024;
    ca.handshake_timeout_ms = 1000;
    REQUIRE(a.start(ca, {a.key(), b.key(), r.public_key}).is_ok());
    auto cb = test_config();
    cb.peers = {a.address()};
    REQUIRE(b.start(cb, {a.key(), b.key()}).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b); }));

    for (unsigned seed = 0; seed < 8; ++seed) {
        RawPeer garbage(a.net().port());
        garbage.write(random_bytes(4096, 100 + seed));
        CHECK(garbage.closed_within());
    }
    {
        RawPeer huge(a.net().port());
        huge.write(Bytes{0xFF, 0xFF, 0xFF, 0xFF});
        CHECK(huge.closed_within());
    }
    {
        RawPeer empty(a.net().port());
        empty.write(Bytes{0, 0, 0, 0});
        CHECK(empty.closed_within());
    }
    {
        // Before the handshake a frame may not exceed what a hello needs.
        RawPeer big_hello(a.net().port());
        big_hello.write(Bytes{0, 0, 0x10, 0, 0xF0});
        CHECK(big_hello.closed_within());
    }
    {
        std::array<std::uint8_t, 32> nonce{};
        Bytes hello = doc_hello(chain_id, r.public_key, nonce);
        hello[5] = 2;  // version 2
        RawPeer wrong_version(a.net().port());
        wrong_version.write_frame(0xF0, hello);
        CHECK(wrong_version.closed_within());
        hello = doc_hello(chain_id, r.public_key, nonce);
        hello.push_back(0);  // a trailing byte
        RawPeer trailing(a.net().port());
        trailing.write_frame(0xF0, hello);
        CHECK(trailing.closed_within());
        hello = doc_hello(chain_id, r.public_key, nonce);
        hello[10 + chain_id.size()] = 0x07;  // the key's SEC1 prefix: not a compressed point
        RawPeer bad_key(a.net().port());
        bad_key.write_frame(0xF0, hello);
        CHECK(bad_key.closed_within());
    }
    {
        RawPeer wrong_first(a.net().port());
        wrong_first.write_frame(3, Bytes{1, 2, 3});
        CHECK(wrong_first.closed_within());
    }
    {
        RawPeer silent(a.net().port());  // closed by the handshake timeout
        CHECK(silent.closed_within());
    }
    {
        // An authenticated peer announcing a frame over frame_bytes_max.
        RawPeer raw(a.net().port());
        REQUIRE(raw_handshake(raw, r, a.key()));
        REQUIRE(eventually([&] { return a.linked(r.public_key); }));
        raw.write(Bytes{0, 0x10, 0, 1, 7});
        CHECK(raw.closed_within());
        REQUIRE(eventually([&] { return a.downs(r.public_key) == 1; }));
    }
    CHECK(a.total_ups() == 2);  // b, and the hand-made peer once
    CHECK(one_link(a, b));
    REQUIRE(b.net().send(a.key(), 3, share({9})));
    REQUIRE(a.net().send(b.key(), 4, share({8})));
    REQUIRE(eventually([&] { return a.frame_count() == 1 && b.frame_count() == 1; }));
    CHECK(a.frames()[0].payload == Bytes{9});
    CHECK(b.frames()[0].payload == Bytes{8});
}

TEST_CASE("p2p: two networks dialling each other end with exactly one working link") {
    QuietLogs quiet;
    // When both ends dial at once, each may report the first link to authenticate and
    // then swap it, once, for the link the tie-break prefers (docs/p2p.md); settle() waits
    // out that swap.
    const auto settle = [](const TestNode& x, const TestNode& y) {
        const int x_before = x.ups(y.key()), y_before = y.ups(x.key());
        REQUIRE(eventually([&] { return one_link(x, y); }));
        std::this_thread::sleep_for(500ms);
        REQUIRE(eventually([&] { return one_link(x, y); }));
        CHECK(x.ups(y.key()) - x_before <= 2);
        CHECK(y.ups(x.key()) - y_before <= 2);
    };
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        std::uint16_t pa = free_port(), pb = free_port();
        while (pb == pa) pb = free_port();
        TestNode a, b;
        const std::set<PublicKey> allowed{a.key(), b.key()};
        auto ca = test_config();
        ca.listen = local(pa);
        ca.peers = {local(pb)};
        auto cb = test_config();
        cb.listen = local(pb);
        cb.peers = {local(pa)};
        REQUIRE(a.start(ca, allowed).is_ok());
        REQUIRE(b.start(cb, allowed).is_ok());
        settle(a, b);

        const int ups_a = a.total_ups(), ups_b = b.total_ups();
        REQUIRE(a.net().send(b.key(), 1, share({1})));
        REQUIRE(b.net().send(a.key(), 2, share({2})));
        REQUIRE(eventually([&] { return a.frame_count() == 1 && b.frame_count() == 1; }));
        std::this_thread::sleep_for(300ms);  // settled: no more links come and go
        CHECK(one_link(a, b));
        CHECK(a.total_ups() == ups_a);
        CHECK(b.total_ups() == ups_b);
        CHECK(a.net().peers().size() == 1);
        CHECK(b.net().peers().size() == 1);

        // One end restarts on its port: both dial again, and again one link remains.
        a.stop();
        REQUIRE(eventually([&] { return b.net().peers().empty(); }));
        TestNode a2(a.key_pair());
        REQUIRE(a2.start(ca, allowed).is_ok());
        settle(a2, b);
        REQUIRE(a2.net().send(b.key(), 3, share({3})));
        REQUIRE(b.net().send(a2.key(), 4, share({4})));
        REQUIRE(eventually([&] { return a2.frame_count() == 1 && b.frame_count() == 2; }));
    }
}

TEST_CASE("p2p: a peer that stops and starts again on its port is redialled") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    REQUIRE(b.start(test_config(), allowed).is_ok());
    const std::uint16_t pb = b.net().port();
    auto ca = test_config();
    ca.peers = {local(pb)};
    REQUIRE(a.start(ca, allowed).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b); }));

    b.stop();
    REQUIRE(eventually([&] { return a.downs(b.key()) == 1 && a.net().peers().empty(); }));
    std::this_thread::sleep_for(300ms);  // a few failed redials

    TestNode b2(b.key_pair());
    auto cb = test_config();
    cb.listen = local(pb);
    REQUIRE(b2.start(cb, allowed).is_ok());
    REQUIRE(eventually([&] { return a.ups(b.key()) == 2 && one_link(a, b2); }));
    REQUIRE(a.net().send(b.key(), 5, share({5})));
    REQUIRE(eventually([&] { return b2.frame_count() == 1; }));
    CHECK(b2.frames()[0].payload == Bytes{5});
}

TEST_CASE("p2p: a network configured to dial itself links to no one but its real peers") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    const std::uint16_t pa = free_port();
    auto ca = test_config();
    ca.listen = local(pa);
    ca.peers = {local(pa)};
    REQUIRE(a.start(ca, allowed).is_ok());
    std::this_thread::sleep_for(500ms);
    CHECK(a.total_ups() == 0);
    CHECK(a.net().peers().empty());

    auto cb = test_config();
    cb.peers = {local(pa)};
    REQUIRE(b.start(cb, allowed).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b); }));
}

TEST_CASE("p2p: send returns false and counts a drop when the peer's queue is full") {
    QuietLogs quiet;
    TestNode a;
    const auto r = crypto::generate_key();
    auto ca = test_config();
    ca.queue_bytes_max = 256 * 1024;
    ca.frame_bytes_max = 64 * 1024;
    REQUIRE(a.start(ca, {a.key(), r.public_key}).is_ok());

    RawPeer raw(a.net().port(), /*receive_buffer_bytes=*/4096);  // completes the handshake, then reads nothing
    REQUIRE(raw_handshake(raw, r, a.key()));
    REQUIRE(eventually([&] { return a.linked(r.public_key); }));

    CHECK_FALSE(a.net().send(r.public_key, 1, share(Bytes(64 * 1024))));  // over frame_bytes_max
    CHECK(a.info(r.public_key)->frames_dropped == 1);

    // Send until the queue stays full: first the socket buffers fill (the peer reads
    // nothing), then the queue; from then on every frame is refused.
    const auto payload = share(Bytes(32 * 1024, 0xAB));
    const std::size_t frame_bytes = 5 + payload->size();
    std::uint64_t accepted = 0, refused = 0;
    auto last_accepted = std::chrono::steady_clock::now();
    const auto deadline = last_accepted + wait_limit;
    while (std::chrono::steady_clock::now() - last_accepted < 300ms && std::chrono::steady_clock::now() < deadline) {
        if (a.net().send(r.public_key, 2, payload)) {
            ++accepted;
            last_accepted = std::chrono::steady_clock::now();
        } else {
            ++refused;
            std::this_thread::sleep_for(1ms);
        }
    }
    REQUIRE(std::chrono::steady_clock::now() - last_accepted >= 300ms);
    CHECK(refused > 0);
    CHECK(accepted > ca.queue_bytes_max / frame_bytes);  // some went into the socket
    a.net().broadcast(3, payload);  // dropped for this peer too
    const auto info = a.info(r.public_key);
    REQUIRE(info);
    CHECK(info->frames_dropped == 1 + refused + 1);
    CHECK(info->frames_sent < accepted);
    CHECK(info->queued_bytes == (accepted - info->frames_sent) * frame_bytes);
    CHECK(info->queued_bytes <= ca.queue_bytes_max);
    CHECK(info->queued_bytes + frame_bytes > ca.queue_bytes_max);
}

TEST_CASE("p2p: stop while frames flow is clean and no handler runs after it returns") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    REQUIRE(a.start(test_config(), allowed).is_ok());
    auto cb = test_config();
    cb.peers = {a.address()};
    REQUIRE(b.start(cb, allowed).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b); }));

    std::atomic<bool> go{true};
    const auto payload = share(random_bytes(2048, 3));
    auto pump = [&](TestNode& from, const PublicKey& to) {
        while (go) {
            from.net().broadcast(5, payload);
            from.net().send(to, 6, payload);
        }
    };
    std::thread ta(pump, std::ref(a), b.key());
    std::thread tb(pump, std::ref(b), a.key());
    CHECK(eventually([&] { return a.frame_count() > 200 && b.frame_count() > 200; }));
    a.stop();
    b.stop();
    const std::size_t at_a = a.frame_count(), at_b = b.frame_count();
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(a.net().send(b.key(), 1, payload));
    go = false;
    ta.join();
    tb.join();
    CHECK(a.frame_count() == at_a);
    CHECK(b.frame_count() == at_b);
    CHECK(a.late_calls() == 0);
    CHECK(b.late_calls() == 0);
    a.net().stop();  // again: nothing happens
    CHECK(a.net().peers().empty());
}

TEST_CASE("p2p: start names the address it cannot use; an unstarted network stops quietly") {
    QuietLogs quiet;
    TestNode a, b, c, d;
    REQUIRE(a.start(test_config(), {a.key()}).is_ok());
    auto cb = test_config();
    cb.listen = a.address();  // taken
    const Status taken = b.start(cb, {b.key()});
    REQUIRE_FALSE(taken.is_ok());
    CHECK(taken.message().find(a.address()) != std::string::npos);
    auto cc = test_config();
    cc.peers = {"no-port-here"};
    const Status bad_peer = c.start(cc, {c.key()});
    REQUIRE_FALSE(bad_peer.is_ok());
    CHECK(bad_peer.message().find("no-port-here") != std::string::npos);

    node::PeerNetwork never(test_config(), crypto::generate_key(), {}, nullptr, nullptr);
    never.stop();
    CHECK(never.peers().empty());
}

TEST_CASE("p2p: a peer disconnected for a while is dropped, refused while the ban lasts, and linked again after") {
    QuietLogs quiet;
    TestNode a, b;
    const std::set<PublicKey> allowed{a.key(), b.key()};
    REQUIRE(a.start(test_config(), allowed).is_ok());
    auto cb = test_config();
    cb.peers = {a.address()};
    cb.redial_ms_max = 200;
    REQUIRE(b.start(cb, allowed).is_ok());
    REQUIRE(eventually([&] { return one_link(a, b); }));

    const auto banned_at = std::chrono::steady_clock::now();
    const auto ban = std::chrono::milliseconds(4000);
    a.net().disconnect(b.key(), ban, "test");
    REQUIRE(eventually([&] { return !a.has_peer(b.key()) && a.downs(b.key()) == 1; }));
    // b keeps redialling every 200 ms; a refuses it until the ban ends.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    if (std::chrono::steady_clock::now() < banned_at + ban) {  // a loaded machine may have slept past it
        CHECK_FALSE(a.has_peer(b.key()));
        CHECK(a.ups(b.key()) == 1);
    }
    REQUIRE(eventually([&] { return a.has_peer(b.key()) && a.ups(b.key()) == 2; }, std::chrono::milliseconds(10000)));
    a.stop();
    b.stop();
}
