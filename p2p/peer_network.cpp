#include "p2p/peer_network.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <cassert>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

#include "base/address.h"
#include "base/bytes.h"
#include "crypto/aead.h"
#include "crypto/ecdh.h"
#include "crypto/hash.h"
#include "p2p/handshake.h"

namespace jchain::p2p {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;

// Frame types, the hello, the key schedule and the frame format are in p2p/handshake.h.
// Limits (docs/p2p.md).
// Accepted links not yet authenticated, at once and from one address. Past either, the
// oldest such link (from that address, or any) is closed to make room: whoever holds
// handshakes open without finishing them only loses its oldest, and a genuine peer, which
// finishes within milliseconds, gets in. Links this node dials are never counted.
constexpr std::size_t inbound_handshakes_max = 64;
constexpr std::size_t inbound_handshakes_per_address_max = 16;
constexpr std::size_t ephemeral_keys_kept = 64;           // to recognise a link to ourselves
constexpr std::size_t read_chunk_bytes = 64 * 1024;
// A link's write buffer (one sealed frame) is given back after a frame larger than this.
constexpr std::size_t write_buffer_bytes_kept = 1 << 20;
// Every tick each authenticated link with nothing waiting to go out gets a ping; a link
// that has received no byte for idle_ticks_max ticks is dead (a peer that vanished
// without closing its socket) and is closed, so that the peer can link again.
constexpr std::uint64_t tick_ms = 2000;
constexpr unsigned idle_ticks_max = 10;
constexpr std::uint64_t accept_retry_ms = 50;

std::string short_key(const crypto::PublicKey& key) { return to_hex(key.bytes).substr(0, 12); }

std::string endpoint_string(const tcp::endpoint& e) {
    const auto a = e.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

// One frame waiting to be written, in plaintext: the payload is shared between peers,
// and each link seals its own copy when the frame's turn to be written comes.
struct Outgoing {
    std::uint8_t type = 0;
    std::shared_ptr<const Bytes> payload;
    std::size_t accounted_bytes = 0;  // counted in the link's queued_bytes (caller frames only)
};

struct Dialer;

// One TCP connection. Everything but the counters is touched only on the I/O thread.
struct Link {
    Link(tcp::socket s, Dialer* d, std::string remote, std::string remote_ip)
        : socket(std::move(s)), handshake_timer(socket.get_executor()), dialer(d), outbound(d != nullptr),
          address(std::move(remote)), ip(std::move(remote_ip)), opened(std::chrono::steady_clock::now()) {}
    ~Link() {
        OPENSSL_cleanse(ephemeral.private_key.bytes.data(), ephemeral.private_key.bytes.size());
        OPENSSL_cleanse(send_key.data(), send_key.size());
        OPENSSL_cleanse(receive_key.data(), receive_key.size());
    }

    tcp::socket socket;
    asio::steady_timer handshake_timer;
    Dialer* const dialer;  // the dialer that made it; null for an accepted link
    const bool outbound;
    const std::string address;
    const std::string ip;  // of the remote end, for the per-address handshake limit
    const std::chrono::steady_clock::time_point opened;

    // Handshake.
    crypto::KeyPair ephemeral;               // ours, for this link only; private half wiped after use
    std::shared_ptr<const Bytes> hello_sent;  // our hello's payload, until th is computed
    bool hello_received = false;  // the peer's hello checked out: keys derived, frames sealed
    bool established = false;     // authenticated and in peers_
    bool closed = false;
    crypto::PublicKey peer_key;  // valid once hello_received
    crypto::Hash transcript{};   // th, once hello_received

    // The channel, once hello_received: one key and one frame counter per direction.
    crypto::AeadKey send_key{}, receive_key{};
    std::uint64_t send_counter = 0, receive_counter = 0;

    // Reading: u32 length, then type and payload (sealed: their ciphertext, then the tag).
    std::array<std::uint8_t, frame_length_bytes> length_bytes{};
    std::uint8_t type = 0;
    Bytes payload;
    unsigned idle_ticks = 0;

    // Writing: at most one async_write in flight, for out.front(), from write_buffer.
    std::deque<Outgoing> out;
    bool writing = false;
    Bytes write_buffer;  // out.front() as it goes on the wire (sealed but for the hello)

    // Guarded by Impl::mutex_.
    std::uint64_t frames_sent = 0, frames_received = 0, frames_dropped = 0;
    std::size_t queued_bytes = 0;
    std::size_t inbound_bytes = 0;  // handed to the caller, its FrameCredits not yet released
    bool read_paused = false;       // over the inbound budget: no read pending
};

// One connection attempt of a dialer (resolve and connect, bounded by a timeout).
struct Attempt {
    explicit Attempt(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    bool finished = false;
    bool timed_out = false;
};

// Keeps one configured address linked. I/O thread only.
struct Dialer {
    Dialer(asio::io_context& io, std::string a, HostPort hp)
        : address(std::move(a)), host(std::move(hp.host)), port(hp.port), timer(io), resolver(io) {}

    const std::string address;
    const std::string host;
    const std::uint16_t port;
    asio::steady_timer timer;  // connect timeout, then redial delay
    tcp::resolver resolver;
    std::shared_ptr<Attempt> attempt;
    std::uint64_t backoff_ms = 0;
    std::optional<crypto::PublicKey> key;  // who answered at this address last time
    bool waiting = false;  // idle: `key` is linked through another link
    bool self = false;     // this address is this network: never dialled again
};

}  // namespace

namespace {
// Lets a FrameCredit that outlives the network find out that it has: stop() clears `release`.
struct CreditGate {
    std::mutex mutex;
    std::function<void(const std::shared_ptr<Link>&, std::size_t)> release;
};
}  // namespace

class PeerNetwork::Impl {
public:
    Impl(P2pConfig config, crypto::KeyPair key, std::set<crypto::PublicKey> allowed, FrameHandler on_frame,
         PeerHandler on_peer)
        : config_(std::move(config)), key_(key), allowed_(std::move(allowed)), on_frame_(std::move(on_frame)),
          on_peer_(std::move(on_peer)), rng_(std::random_device{}()) {
        gate_->release = [this](const std::shared_ptr<Link>& link, std::size_t bytes) { release(link, bytes); };
    }

    ~Impl() { stop(); }

    Status start();
    void stop();
    std::uint16_t port() const { return port_.load(); }
    std::uint64_t unfinished_handshakes() const { return unfinished_handshakes_.load(); }
    void broadcast(std::uint8_t type, std::shared_ptr<const Bytes> payload);
    bool send(const crypto::PublicKey& peer, std::uint8_t type, std::shared_ptr<const Bytes> payload);
    std::vector<PeerInfo> peers() const;
    void disconnect(const crypto::PublicKey& peer, std::chrono::milliseconds duration, const std::string& why);
    std::chrono::milliseconds ban(const crypto::PublicKey& peer, const std::string& why);
    // A FrameCredit of `link` for `bytes` ended (any thread): read the link again if it
    // was paused and is now within its budget.
    void release(const std::shared_ptr<Link>& link, std::size_t bytes);
    void allow(const std::set<crypto::PublicKey>& keys) {
        asio::post(io_, [this, keys] { allowed_.insert(keys.begin(), keys.end()); });
    }
    void set_allowed(std::set<crypto::PublicKey> keys) {
        asio::post(io_, [this, keys = std::move(keys)]() mutable {
            allowed_ = std::move(keys);
            // Every link whose peer is known (authenticated, or past its hello) and no
            // longer allowed; collected first, since close() changes links_.
            std::vector<LinkPtr> cut;
            for (const auto& link : links_)
                if (link->hello_received && !allowed_.contains(link->peer_key)) cut.push_back(link);
            for (const auto& link : cut) close(link, "key " + short_key(link->peer_key) + " is no longer allowed");
        });
    }
    void add_peer(const std::string& address) {
        asio::post(io_, [this, address] {
            for (const auto& d : dialers_)
                if (d->address == address) return;
            auto hp = parse_host_port(address);
            if (!hp || hp->port == 0) return spdlog::warn("p2p: not dialling '{}': not host:port", address);
            dialers_.push_back(std::make_unique<Dialer>(io_, address, *hp));
            dialers_.back()->backoff_ms = config_.redial_ms_min;
            dial(*dialers_.back());
        });
    }

private:
    using LinkPtr = std::shared_ptr<Link>;

    // Caller side: reserve queue room under mutex_ (false: full or too big).
    bool reserve(Link& link, std::size_t payload_bytes);

    // I/O thread.
    void run();
    void accept();
    void make_room_for_handshake(const std::string& ip);
    void tick();
    void dial(Dialer& d);
    void dial_finished(Dialer& d, const std::shared_ptr<Attempt>& attempt, error_code ec);
    void schedule_redial(Dialer& d);
    void start_link(const LinkPtr& link);
    void read_length(const LinkPtr& link);
    void read_body(const LinkPtr& link);
    void read_next(const LinkPtr& link);
    FrameCredit credit(const LinkPtr& link, std::size_t bytes);
    bool open_frame(const LinkPtr& link);
    void on_frame(const LinkPtr& link);
    void on_handshake_frame(const LinkPtr& link);
    void establish(const LinkPtr& link);
    void enqueue(const LinkPtr& link, std::uint8_t type, std::shared_ptr<const Bytes> payload,
                 std::size_t accounted_bytes);
    void write_next(const LinkPtr& link);
    void close(const LinkPtr& link, std::string_view why);
    bool connected(const crypto::PublicKey& key) const;
    void report_peer(const crypto::PublicKey& key, bool up);

    const P2pConfig config_;
    const crypto::KeyPair key_;
    std::set<crypto::PublicKey> allowed_;  // I/O thread after start()
    const FrameHandler on_frame_;
    const PeerHandler on_peer_;

    // Declared before every object that uses it, so that it is destroyed after them.
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    tcp::acceptor acceptor_{io_};
    bool listening_ = false;
    asio::steady_timer accept_retry_timer_{io_};
    asio::steady_timer tick_timer_{io_};
    std::vector<std::unique_ptr<Dialer>> dialers_;
    std::set<LinkPtr> links_;         // I/O thread: every open link
    std::size_t handshaking_ = 0;     // I/O thread: open links not yet authenticated
    std::atomic<std::uint64_t> unfinished_handshakes_{0};  // links closed before authentication
    std::deque<crypto::PublicKey> ephemeral_keys_;  // I/O thread: our latest links' ephemeral keys
    std::minstd_rand rng_;            // I/O thread: redial jitter
    std::thread thread_;
    std::atomic<std::uint16_t> port_{0};

    std::mutex stop_mutex_;  // serialises start() and stop()
    bool started_ = false, stopped_ = false;

    mutable std::mutex mutex_;
    std::map<crypto::PublicKey, LinkPtr> peers_;  // authenticated links, one per key; cleared by stop()
    std::map<crypto::PublicKey, std::chrono::steady_clock::time_point> banned_;  // I/O thread: refused until
    std::map<crypto::PublicKey, unsigned> offences_;  // under mutex_: ban() calls per key, for the back-off
    std::shared_ptr<CreditGate> gate_ = std::make_shared<CreditGate>();
};

std::chrono::milliseconds PeerNetwork::Impl::ban(const crypto::PublicKey& peer, const std::string& why) {
    std::uint64_t ms = 0;
    {
        std::lock_guard lock(mutex_);
        const unsigned n = offences_[peer]++;
        ms = config_.ban_ms_min;
        for (unsigned i = 0; i < n && ms < config_.ban_ms_max; ++i) ms *= 2;
        ms = std::min(ms, config_.ban_ms_max);
    }
    disconnect(peer, milliseconds(ms), why);
    return milliseconds(ms);
}

FrameCredit PeerNetwork::Impl::credit(const LinkPtr& link, std::size_t bytes) {
    {
        std::lock_guard lock(mutex_);
        link->inbound_bytes += bytes;
    }
    // An empty object whose deleter gives the bytes back, through the gate: the credit
    // may be dropped on any thread, and after the network is gone.
    return FrameCredit(static_cast<const void*>(nullptr),
                       [gate = gate_, weak = std::weak_ptr<Link>(link), bytes](const void*) {
                           std::lock_guard lock(gate->mutex);
                           if (!gate->release) return;
                           if (auto l = weak.lock()) gate->release(l, bytes);
                       });
}

void PeerNetwork::Impl::release(const LinkPtr& link, std::size_t bytes) {
    bool resume = false;
    {
        std::lock_guard lock(mutex_);
        link->inbound_bytes -= bytes;
        if (link->read_paused && link->inbound_bytes <= config_.inbound_bytes_max) {
            link->read_paused = false;
            resume = true;
        }
    }
    if (resume)
        asio::post(io_, [this, link] {
            if (!link->closed) read_length(link);
        });
}

// After a frame: read the next one, unless the caller holds more of this link's frames
// than its budget (then release() resumes it).
void PeerNetwork::Impl::read_next(const LinkPtr& link) {
    {
        std::lock_guard lock(mutex_);
        if (link->inbound_bytes > config_.inbound_bytes_max) {
            link->read_paused = true;
            link->idle_ticks = 0;
            return;
        }
    }
    read_length(link);
}

void PeerNetwork::Impl::disconnect(const crypto::PublicKey& peer, std::chrono::milliseconds duration,
                                   const std::string& why) {
    asio::post(io_, [this, peer, duration, why] {
        banned_[peer] = std::chrono::steady_clock::now() + duration;
        LinkPtr link;
        {
            std::lock_guard lock(mutex_);
            if (auto it = peers_.find(peer); it != peers_.end()) link = it->second;
        }
        spdlog::warn("p2p: disconnecting {} for {:.1f} s: {}", short_key(peer),
                     std::chrono::duration<double>(duration).count(), why);
        if (link) close(link, "disconnected: " + why);
    });
}

Status PeerNetwork::Impl::start() {
    std::lock_guard stop_lock(stop_mutex_);
    if (started_) return Status::error("p2p: start() called twice");
    if (config_.chain_id.size() > chain_id_bytes_max)
        return Status::error("p2p: chain id longer than " + std::to_string(chain_id_bytes_max) + " bytes");
    // A sealed frame's length (plaintext and tag) must fit its u32.
    if (config_.frame_bytes_max < 1 || config_.frame_bytes_max > 0xFFFF'FFFFu - tag_bytes)
        return Status::error("p2p: frame_bytes_max must be in [1, 2^32 - 17]");
    if (config_.redial_ms_min == 0 || config_.redial_ms_max < config_.redial_ms_min)
        return Status::error("p2p: need 0 < redial_ms_min <= redial_ms_max");

    std::vector<std::unique_ptr<Dialer>> dialers;
    for (const auto& address : config_.peers) {
        auto hp = parse_host_port(address);
        if (!hp || hp->port == 0) return Status::error("p2p: bad peer address '" + address + "' (want host:port)");
        dialers.push_back(std::make_unique<Dialer>(io_, address, *hp));
        dialers.back()->backoff_ms = config_.redial_ms_min;
    }

    if (!config_.listen.empty()) {
        const std::string& where = config_.listen;
        auto hp = parse_host_port(where);
        if (!hp) return Status::error("cannot listen on '" + where + "': want host:port");
        error_code ec;
        tcp::endpoint endpoint;
        const auto address = asio::ip::make_address(hp->host, ec);
        if (!ec) {
            endpoint = tcp::endpoint(address, hp->port);
        } else {
            tcp::resolver resolver(io_);
            const auto results = resolver.resolve(hp->host, std::to_string(hp->port), tcp::resolver::passive, ec);
            if (ec || results.empty())
                return Status::error("cannot listen on " + where + ": cannot resolve address" +
                                     (ec ? ": " + ec.message() : std::string{}));
            endpoint = results.begin()->endpoint();
        }
        const auto fail = [&](const char* step) {
            error_code ignored;
            acceptor_.close(ignored);
            return Status::error("cannot listen on " + where + ": " + step + ": " + ec.message());
        };
        if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
        // A restarted node must get its port back while old links sit in TIME_WAIT.
        if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("set reuse_address");
        if (acceptor_.bind(endpoint, ec)) return fail("bind");
        if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
        const auto bound = acceptor_.local_endpoint(ec);
        if (ec) return fail("local_endpoint");
        port_ = bound.port();
        listening_ = true;
    }

    started_ = true;
    dialers_ = std::move(dialers);
    asio::post(io_, [this] {
        if (listening_) accept();
        tick();
        for (auto& d : dialers_) dial(*d);
    });
    thread_ = std::thread([this] { run(); });
    return Status::ok();
}

void PeerNetwork::Impl::stop() {
    std::lock_guard stop_lock(stop_mutex_);
    {
        std::lock_guard lock(gate_->mutex);  // credits released from now on do nothing
        gate_->release = nullptr;
    }
    if (!started_ || stopped_) return;
    stopped_ = true;
    // A handler must not stop its own network: it would wait for itself.
    assert(std::this_thread::get_id() != thread_.get_id());
    {
        std::lock_guard lock(mutex_);
        peers_.clear();  // from here on send() finds no peer
    }
    io_.stop();
    thread_.join();
    // The I/O thread is gone, so nothing below races with a handler, and no handler runs
    // again: the operations cancelled here complete into a queue nobody runs, and die
    // with the io_context.
    error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
    tick_timer_.cancel();
    for (auto& d : dialers_) {
        d->timer.cancel();
        d->resolver.cancel();
        if (d->attempt) d->attempt->socket.close(ignored);
    }
    for (const auto& link : links_) {
        link->socket.close(ignored);
        link->handshake_timer.cancel();
    }
    links_.clear();
}

void PeerNetwork::Impl::run() {
    // Handlers catch what they expect (and callers' handlers are wrapped); anything
    // else drops that one operation, never the thread. A link left without a pending
    // read is closed by the idle check.
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("p2p: unexpected error on the I/O thread: {}", e.what());
        } catch (...) {
            spdlog::error("p2p: unexpected error on the I/O thread");
        }
    }
}

// ---- Caller side ----

bool PeerNetwork::Impl::reserve(Link& link, std::size_t payload_bytes) {
    const std::size_t frame_bytes = frame_overhead_bytes + payload_bytes;
    if (1 + payload_bytes > config_.frame_bytes_max || link.queued_bytes + frame_bytes > config_.queue_bytes_max) {
        ++link.frames_dropped;
        return false;
    }
    link.queued_bytes += frame_bytes;
    return true;
}

bool PeerNetwork::Impl::send(const crypto::PublicKey& peer, std::uint8_t type, std::shared_ptr<const Bytes> payload) {
    assert(type < frame_internal_min && "frame types 0xF0..0xFF are the network's own");
    if (!payload) payload = std::make_shared<const Bytes>();
    LinkPtr link;
    {
        std::lock_guard lock(mutex_);
        auto it = peers_.find(peer);
        if (it == peers_.end() || !reserve(*it->second, payload->size())) return false;
        link = it->second;
    }
    const std::size_t accounted = frame_overhead_bytes + payload->size();
    asio::post(io_, [this, link = std::move(link), type, payload = std::move(payload), accounted]() mutable {
        enqueue(link, type, std::move(payload), accounted);
    });
    return true;
}

void PeerNetwork::Impl::broadcast(std::uint8_t type, std::shared_ptr<const Bytes> payload) {
    assert(type < frame_internal_min && "frame types 0xF0..0xFF are the network's own");
    if (!payload) payload = std::make_shared<const Bytes>();
    std::vector<LinkPtr> targets;
    {
        std::lock_guard lock(mutex_);
        for (auto& [key, link] : peers_)
            if (reserve(*link, payload->size())) targets.push_back(link);
    }
    if (targets.empty()) return;
    const std::size_t accounted = frame_overhead_bytes + payload->size();
    asio::post(io_, [this, targets = std::move(targets), type, payload = std::move(payload), accounted] {
        for (const auto& link : targets) enqueue(link, type, payload, accounted);
    });
}

std::vector<PeerInfo> PeerNetwork::Impl::peers() const {
    std::lock_guard lock(mutex_);
    std::vector<PeerInfo> out;
    out.reserve(peers_.size());
    for (const auto& [key, link] : peers_) {
        PeerInfo info;
        info.key = key;
        info.address = link->address;
        info.outbound = link->outbound;
        info.frames_sent = link->frames_sent;
        info.frames_received = link->frames_received;
        info.frames_dropped = link->frames_dropped;
        info.queued_bytes = link->queued_bytes;
        info.inbound_bytes = link->inbound_bytes;
        info.read_paused = link->read_paused;
        out.push_back(std::move(info));
    }
    return out;
}

// ---- I/O thread: listening, dialling, timers ----

void PeerNetwork::Impl::accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {  // e.g. out of file descriptors: try again shortly
            spdlog::warn("p2p: accept failed: {}", ec.message());
            accept_retry_timer_.expires_after(milliseconds(accept_retry_ms));
            accept_retry_timer_.async_wait([this](error_code e) {
                if (!e) accept();
            });
            return;
        }
        error_code remote_ec;
        const auto remote = socket.remote_endpoint(remote_ec);
        if (remote_ec) {
            error_code ignored;
            socket.close(ignored);
        } else {
            const std::string ip = remote.address().to_string();
            make_room_for_handshake(ip);
            start_link(std::make_shared<Link>(std::move(socket), nullptr, endpoint_string(remote), ip));
        }
        accept();
    });
}

void PeerNetwork::Impl::make_room_for_handshake(const std::string& ip) {
    std::size_t total = 0, from_ip = 0;
    for (const auto& l : links_) {
        if (l->outbound || l->established || l->closed) continue;
        ++total;
        if (l->ip == ip) ++from_ip;
    }
    const bool ip_full = from_ip >= inbound_handshakes_per_address_max;
    if (!ip_full && total < inbound_handshakes_max) return;
    LinkPtr oldest;
    for (const auto& l : links_) {
        if (l->outbound || l->established || l->closed || (ip_full && l->ip != ip)) continue;
        if (!oldest || l->opened < oldest->opened) oldest = l;
    }
    if (oldest) close(oldest, "making room for a newer handshake");
}

void PeerNetwork::Impl::tick() {
    tick_timer_.expires_after(milliseconds(tick_ms));
    tick_timer_.async_wait([this](error_code ec) {
        if (ec) return;
        const std::vector<LinkPtr> links(links_.begin(), links_.end());
        for (const auto& link : links) {
            if (!link->established || link->closed) continue;
            bool paused = false;
            {
                std::lock_guard lock(mutex_);
                paused = link->read_paused;
            }
            // A paused link's silence is this node's doing, not the peer's.
            if (paused) link->idle_ticks = 0;
            if (++link->idle_ticks > idle_ticks_max) {
                close(link, "nothing received for too long");
                continue;
            }
            if (link->out.empty()) enqueue(link, frame_ping, std::make_shared<const Bytes>(), 0);
        }
        tick();
    });
}

bool PeerNetwork::Impl::connected(const crypto::PublicKey& key) const {
    std::lock_guard lock(mutex_);
    return peers_.contains(key);
}

void PeerNetwork::Impl::dial(Dialer& d) {
    if (d.self) return;
    if (d.key && connected(*d.key)) {
        d.waiting = true;  // woken when that link closes
        return;
    }
    auto attempt = std::make_shared<Attempt>(io_);
    d.attempt = attempt;
    // Connecting (and resolving) is bounded like the handshake.
    d.timer.expires_after(milliseconds(config_.handshake_timeout_ms));
    d.timer.async_wait([&d, attempt](error_code ec) {
        if (ec || attempt->finished) return;
        attempt->timed_out = true;
        d.resolver.cancel();
        error_code ignored;
        attempt->socket.close(ignored);  // the connect completes with operation_aborted
    });
    error_code ec;
    const auto address = asio::ip::make_address(d.host, ec);
    if (!ec) {
        attempt->socket.async_connect(tcp::endpoint(address, d.port),
                                      [this, &d, attempt](error_code e) { dial_finished(d, attempt, e); });
        return;
    }
    d.resolver.async_resolve(
        d.host, std::to_string(d.port),
        [this, &d, attempt](error_code e, const tcp::resolver::results_type& results) {
            if (e || attempt->timed_out) return dial_finished(d, attempt, e ? e : make_error_code(asio::error::timed_out));
            asio::async_connect(attempt->socket, results, [this, &d, attempt](error_code e2, const tcp::endpoint&) {
                dial_finished(d, attempt, e2);
            });
        });
}

void PeerNetwork::Impl::dial_finished(Dialer& d, const std::shared_ptr<Attempt>& attempt, error_code ec) {
    if (attempt->finished) return;
    attempt->finished = true;
    d.attempt.reset();
    d.timer.cancel();
    if (!ec && attempt->timed_out) ec = asio::error::timed_out;
    if (ec) {
        spdlog::debug("p2p: cannot reach {}: {}", d.address, attempt->timed_out ? "timed out" : ec.message());
        return schedule_redial(d);
    }
    error_code remote_ec;
    const auto remote = attempt->socket.remote_endpoint(remote_ec);
    if (remote_ec) return schedule_redial(d);
    start_link(std::make_shared<Link>(std::move(attempt->socket), &d, endpoint_string(remote),
                                      remote.address().to_string()));
}

void PeerNetwork::Impl::schedule_redial(Dialer& d) {
    if (d.self) return;
    // Uniform in [backoff/2, backoff]: nodes that lost each other at the same moment do
    // not redial in lockstep.
    const std::uint64_t delay = d.backoff_ms / 2 + rng_() % (d.backoff_ms - d.backoff_ms / 2 + 1);
    d.backoff_ms = std::min(d.backoff_ms * 2, config_.redial_ms_max);
    d.timer.expires_after(milliseconds(delay));
    d.timer.async_wait([this, &d](error_code ec) {
        if (!ec) dial(d);
    });
}

// ---- I/O thread: links ----

void PeerNetwork::Impl::start_link(const LinkPtr& link) {
    links_.insert(link);
    ++handshaking_;
    error_code ignored;
    link->socket.set_option(tcp::no_delay(true), ignored);
    link->ephemeral = crypto::secp256k1::generate_key();  // fresh for every link, from OpenSSL RAND
    ephemeral_keys_.push_back(link->ephemeral.public_key);
    if (ephemeral_keys_.size() > ephemeral_keys_kept) ephemeral_keys_.pop_front();

    link->handshake_timer.expires_after(milliseconds(config_.handshake_timeout_ms));
    link->handshake_timer.async_wait([this, link](error_code ec) {
        if (!ec && !link->established) close(link, "handshake timed out");
    });

    link->hello_sent =
        std::make_shared<const Bytes>(hello_payload(config_.chain_id, key_.public_key, link->ephemeral.public_key));
    enqueue(link, frame_hello, link->hello_sent, 0);
    read_length(link);
}

void PeerNetwork::Impl::read_length(const LinkPtr& link) {
    asio::async_read(link->socket, asio::buffer(link->length_bytes), [this, link](error_code ec, std::size_t) {
        if (link->closed) return;
        if (ec) return close(link, ec == asio::error::eof ? "closed by the peer" : ec.message());
        link->idle_ticks = 0;
        read_body(link);
    });
}

void PeerNetwork::Impl::read_body(const LinkPtr& link) {
    const std::uint32_t length = frame_length(link->length_bytes);
    if (auto why = frame_length_problem(length, /*sealed=*/link->hello_received, link->established,
                                        config_.frame_bytes_max))
        return close(link, *why);
    try {
        link->payload = Bytes(length - 1);
    } catch (const std::bad_alloc&) {
        return close(link, "out of memory for a frame");
    }
    const std::array<asio::mutable_buffer, 2> buffers{asio::buffer(&link->type, 1), asio::buffer(link->payload)};
    asio::async_read(
        link->socket, buffers,
        // Called after every partial read: a large frame arriving slowly is not idleness.
        [link](const error_code& ec, std::size_t done) -> std::size_t {
            if (ec) return 0;
            if (done > 0) link->idle_ticks = 0;
            return read_chunk_bytes;
        },
        [this, link](error_code ec, std::size_t) {
            if (link->closed) return;
            if (ec) return close(link, ec == asio::error::eof ? "closed by the peer mid-frame" : ec.message());
            if (link->hello_received && !open_frame(link)) return;
            on_frame(link);
            if (!link->closed) read_next(link);
        });
}

// Decrypts the sealed frame just read (type and payload in place, the tag at the end of
// `payload`), or closes the link: nothing unauthenticated goes further.
bool PeerNetwork::Impl::open_frame(const LinkPtr& link) {
    if (link->receive_counter == std::numeric_limits<std::uint64_t>::max()) {
        close(link, "frame counter exhausted");
        return false;
    }
    if (!p2p::open_frame(link->receive_key, link->receive_counter, link->length_bytes, link->type, link->payload)) {
        close(link, "sealed frame does not authenticate");
        return false;
    }
    ++link->receive_counter;
    return true;
}

void PeerNetwork::Impl::on_frame(const LinkPtr& link) {
    if (!link->established) return on_handshake_frame(link);
    if (link->type == frame_ping) return;
    if (link->type >= frame_internal_min) return close(link, "unexpected frame type " + std::to_string(link->type));
    {
        std::lock_guard lock(mutex_);
        ++link->frames_received;
    }
    if (!on_frame_) return;
    try {
        const std::size_t bytes = frame_overhead_bytes + link->payload.size();
        on_frame_(link->peer_key, link->type, std::move(link->payload), credit(link, bytes));
    } catch (const std::exception& e) {
        spdlog::error("p2p: frame handler threw: {}", e.what());
    } catch (...) {
        spdlog::error("p2p: frame handler threw");
    }
}

void PeerNetwork::Impl::on_handshake_frame(const LinkPtr& link) {
    const std::uint8_t own_role = link->outbound ? role_initiator : role_responder;
    const std::uint8_t peer_role = link->outbound ? role_responder : role_initiator;
    if (!link->hello_received) {
        if (link->type != frame_hello) return close(link, "expected a hello");
        const auto hello = parse_hello(config_.suite, link->payload, config_.chain_id);
        if (!hello) return close(link, hello.message());
        const crypto::PublicKey* key = &hello->key;
        const crypto::PublicKey* ephemeral = &hello->ephemeral;
        const bool our_ephemeral =
            std::find(ephemeral_keys_.begin(), ephemeral_keys_.end(), *ephemeral) != ephemeral_keys_.end();
        if (*key == key_.public_key) {
            // A hello carrying one of our own fresh ephemeral keys is this network talking
            // to itself; anyone else claiming our key is refused like any impostor.
            if (our_ephemeral && link->dialer) {
                spdlog::info("p2p: {} is this node itself; not dialling it again", link->dialer->address);
                link->dialer->self = true;
            }
            return close(link, "own key");
        }
        // Our own hello sent back under another key: a reflection, refused at once (it
        // could not complete anyway without that key's private half).
        if (our_ephemeral) return close(link, "our own ephemeral key came back");
        if (!allowed_.contains(*key)) return close(link, "key " + short_key(*key) + " not allowed");
        if (auto b = banned_.find(*key); b != banned_.end()) {
            if (std::chrono::steady_clock::now() < b->second) return close(link, "key " + short_key(*key) + " is disconnected for a while");
            banned_.erase(b);
        }

        // Key schedule: ECDH of the ephemeral keys, th over both hellos, HKDF.
        auto secret = crypto::ecdh(link->ephemeral.private_key, *ephemeral);
        OPENSSL_cleanse(link->ephemeral.private_key.bytes.data(), link->ephemeral.private_key.bytes.size());
        if (!secret) return close(link, "key agreement failed: " + secret.message());
        const ByteSpan ours = *link->hello_sent, theirs = link->payload;
        link->transcript =
            transcript_hash(config_.suite, config_.chain_id, link->outbound ? ours : theirs, link->outbound ? theirs : ours);
        link->hello_sent.reset();
        auto keys = session_keys(*secret, link->transcript);
        OPENSSL_cleanse(secret->data(), secret->size());
        if (!keys) return close(link, "key derivation failed: " + keys.message());
        link->send_key = link->outbound ? keys->initiator_to_responder : keys->responder_to_initiator;
        link->receive_key = link->outbound ? keys->responder_to_initiator : keys->initiator_to_responder;
        OPENSSL_cleanse(&*keys, sizeof(SessionKeys));
        link->hello_received = true;
        link->peer_key = *key;

        // Our auth, the first sealed frame: our static key signs th and our role.
        const auto sig = config_.suite.sign(key_, auth_digest(config_.suite, link->transcript, own_role));
        enqueue(link, frame_auth, std::make_shared<const Bytes>(sig.bytes.begin(), sig.bytes.end()), 0);
        return;
    }
    if (link->type != frame_auth) return close(link, "expected a signature");
    if (Status s = check_auth(config_.suite, link->payload, link->peer_key, link->transcript, peer_role); !s)
        return close(link, s.message());
    establish(link);
}

void PeerNetwork::Impl::establish(const LinkPtr& link) {
    const crypto::PublicKey key = link->peer_key;
    if (link->dialer) link->dialer->key = key;
    LinkPtr old;
    {
        std::lock_guard lock(mutex_);
        if (auto it = peers_.find(key); it != peers_.end()) old = it->second;
    }
    if (old) {
        // One link per peer, chosen the same way at both ends. Two links dialled by the
        // same end: that end dialled again, so it holds no other link; the newer wins.
        // One dialled by each end (they dialled each other at once): the link dialled
        // by the smaller key wins.
        const auto dialled_by = [&](const Link& l) { return l.outbound ? key_.public_key : key; };
        const bool keep_new = dialled_by(*link) == dialled_by(*old) || dialled_by(*link) == std::min(key_.public_key, key);
        if (!keep_new) return close(link, "already linked to this peer");
        close(old, "replaced by a newer link");
    }
    link->established = true;
    --handshaking_;
    link->handshake_timer.cancel();
    link->idle_ticks = 0;
    {
        std::lock_guard lock(mutex_);
        peers_[key] = link;
    }
    if (link->dialer) link->dialer->backoff_ms = config_.redial_ms_min;
    spdlog::info("p2p: linked to {} at {} ({})", short_key(key), link->address, link->outbound ? "outbound" : "inbound");
    report_peer(key, true);
}

void PeerNetwork::Impl::report_peer(const crypto::PublicKey& key, bool up) {
    if (!on_peer_) return;
    try {
        on_peer_(key, up);
    } catch (const std::exception& e) {
        spdlog::error("p2p: peer handler threw: {}", e.what());
    } catch (...) {
        spdlog::error("p2p: peer handler threw");
    }
}

void PeerNetwork::Impl::enqueue(const LinkPtr& link, std::uint8_t type, std::shared_ptr<const Bytes> payload,
                                std::size_t accounted_bytes) {
    if (link->closed) return;  // its reserved bytes went with it
    link->out.push_back(Outgoing{type, std::move(payload), accounted_bytes});
    write_next(link);
}

// Frames are sealed here, one at a time as their turn comes, so the counter follows the
// order on the wire.
void PeerNetwork::Impl::write_next(const LinkPtr& link) {
    if (link->writing || link->out.empty() || link->closed) return;
    const Outgoing& o = link->out.front();
    const Bytes& payload = *o.payload;
    Bytes& buffer = link->write_buffer;
    if (o.type == frame_hello) {  // the one plaintext frame
        put_hello_frame(payload, buffer);
    } else {
        // Only the auth, after the peer's hello, and frames of established links get here.
        assert(link->hello_received);
        if (link->send_counter == std::numeric_limits<std::uint64_t>::max())
            return close(link, "frame counter exhausted");
        // reserve() bounded the payload, so the length fits.
        if (Status st = put_sealed_frame(link->send_key, link->send_counter, o.type, payload, buffer); !st)
            return close(link, st.message());
        ++link->send_counter;
    }
    link->writing = true;
    asio::async_write(link->socket, asio::buffer(buffer), [this, link](error_code ec, std::size_t) {
        link->writing = false;
        if (link->closed) return;
        if (ec) return close(link, "write failed: " + ec.message());
        if (const std::size_t n = link->out.front().accounted_bytes; n > 0) {
            std::lock_guard lock(mutex_);
            link->queued_bytes -= n;
            ++link->frames_sent;
        }
        link->out.pop_front();
        if (link->write_buffer.capacity() > write_buffer_bytes_kept) Bytes().swap(link->write_buffer);
        write_next(link);
    });
}

void PeerNetwork::Impl::close(const LinkPtr& link, std::string_view why) {
    if (link->closed) return;
    link->closed = true;
    error_code ignored;
    link->socket.shutdown(tcp::socket::shutdown_both, ignored);
    link->socket.close(ignored);
    link->handshake_timer.cancel();
    links_.erase(link);
    bool was_peer = false;
    if (link->established) {
        std::lock_guard lock(mutex_);
        if (auto it = peers_.find(link->peer_key); it != peers_.end() && it->second == link) {
            peers_.erase(it);
            was_peer = true;
        }
    } else {
        --handshaking_;
        ++unfinished_handshakes_;
    }
    if (was_peer) {
        spdlog::info("p2p: link to {} at {} closed: {}", short_key(link->peer_key), link->address, why);
        report_peer(link->peer_key, false);
        // Dialers that stood by because this peer was linked take over.
        for (auto& d : dialers_) {
            if (d->waiting && d->key == link->peer_key) {
                d->waiting = false;
                d->backoff_ms = config_.redial_ms_min;
                schedule_redial(*d);
            }
        }
    } else {
        spdlog::debug("p2p: link {} {} closed: {}", link->outbound ? "to" : "from", link->address, why);
    }
    if (link->dialer) schedule_redial(*link->dialer);
}

// ---- PeerNetwork ----

PeerNetwork::PeerNetwork(P2pConfig config, crypto::KeyPair key, std::set<crypto::PublicKey> allowed,
                         FrameHandler on_frame, PeerHandler on_peer)
    : impl_(std::make_unique<Impl>(std::move(config), key, std::move(allowed), std::move(on_frame),
                                   std::move(on_peer))) {}

PeerNetwork::~PeerNetwork() = default;  // Impl's destructor stops

Status PeerNetwork::start() { return impl_->start(); }
void PeerNetwork::stop() { impl_->stop(); }
std::uint16_t PeerNetwork::port() const { return impl_->port(); }
void PeerNetwork::broadcast(std::uint8_t type, std::shared_ptr<const Bytes> payload) {
    impl_->broadcast(type, std::move(payload));
}
bool PeerNetwork::send(const crypto::PublicKey& peer, std::uint8_t type, std::shared_ptr<const Bytes> payload) {
    return impl_->send(peer, type, std::move(payload));
}
std::vector<PeerInfo> PeerNetwork::peers() const { return impl_->peers(); }
std::uint64_t PeerNetwork::unfinished_handshakes() const { return impl_->unfinished_handshakes(); }
void PeerNetwork::disconnect(const crypto::PublicKey& peer, std::chrono::milliseconds duration, const std::string& why) {
    impl_->disconnect(peer, duration, why);
}
std::chrono::milliseconds PeerNetwork::ban(const crypto::PublicKey& peer, const std::string& why) {
    return impl_->ban(peer, why);
}
void PeerNetwork::allow(const std::set<crypto::PublicKey>& keys) { impl_->allow(keys); }
void PeerNetwork::set_allowed(std::set<crypto::PublicKey> keys) { impl_->set_allowed(std::move(keys)); }
void PeerNetwork::add_peer(const std::string& address) { impl_->add_peer(address); }

}  // namespace jchain::p2p
