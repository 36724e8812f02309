// PeerNetwork: authenticated, encrypted TCP links between JChain nodes (Boost.Asio),
// carrying typed, length-prefixed frames (docs/p2p.md).
//
// Every link starts with a handshake (protocol v2: ephemeral ECDH, a transcript hash,
// signatures by the static keys) in which each end proves it holds the private key of a
// public key the caller allows (the chain's nodes in force: validators and observer
// nodes, never member keys); anything else is dropped. After it, every frame is sealed with ChaCha20-Poly1305 under per-link,
// per-direction keys: a relay can neither read nor alter frames, and a frame that does
// not authenticate closes the link. Outgoing links to configured peers are redialled with
// exponential backoff.
// Each peer has a bounded send queue: when a slow peer's queue is full, further frames
// to it are dropped (and counted), never buffered without limit. Frames above
// frame_bytes_max are refused and the link closed.
// Inbound, each peer has a byte budget (inbound_bytes_max): every frame handed to the
// caller comes with a FrameCredit that holds its bytes against that budget until the
// caller drops it; while a peer's held bytes exceed the budget its link is not read
// (TCP pushes back on the sender), so what a peer can make this node hold is at most
// inbound_bytes_max + frame_bytes_max, whatever it sends.
// A peer that broke a rule no honest node breaks is cut off with ban(): the ban grows
// per key (ban_ms_min, doubling up to ban_ms_max) with each offence.
//
// Thread-safety: public methods may be called from any thread. Handlers run on the
// network's own I/O thread, one at a time; they must not block for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "chain/limits.h"
#include "crypto/keys.h"
#include "crypto/suite.h"

namespace jchain::p2p {

struct P2pConfig {
    std::string listen = "127.0.0.1:26656";  // "host:port"; port 0 picks a free port
    std::vector<std::string> peers;          // "host:port" to dial
    crypto::Suite suite;                     // the chain's: node keys and handshake signatures
    std::string chain_id;                    // both ends must agree
    // Type byte and payload, before sealing; at most 2^32 - 17. The largest valid block fits.
    std::size_t frame_bytes_max = chain::limits::frame_bytes_max;
    std::size_t queue_bytes_max = 64u << 20;  // per peer; a frame counts its payload + 21 bytes
    // Per peer: received frames the caller still holds (FrameCredit), in bytes (payload +
    // 21). Reading the link stops above it; one frame always passes, so it may be small.
    std::size_t inbound_bytes_max = 8u << 20;
    std::uint64_t ban_ms_min = 60'000;      // a first offence
    std::uint64_t ban_ms_max = 3'600'000;   // the doubling stops here
    std::uint64_t redial_ms_min = 100;
    std::uint64_t redial_ms_max = 5000;
    std::uint64_t handshake_timeout_ms = 5000;
};

struct PeerInfo {
    crypto::PublicKey key;
    std::string address;  // remote endpoint
    bool outbound = false;
    std::uint64_t frames_sent = 0, frames_received = 0, frames_dropped = 0;
    std::size_t queued_bytes = 0;
    std::size_t inbound_bytes = 0;  // received, still held by the caller (FrameCredit)
    bool read_paused = false;       // inbound_bytes over budget: the link is not read
};

// A received frame's claim on its peer's inbound budget (P2pConfig::inbound_bytes_max),
// released when the last copy is destroyed or reset. Any thread; may outlive the network.
using FrameCredit = std::shared_ptr<const void>;

class PeerNetwork {
public:
    // A frame from an authenticated peer: `type` is the caller's message type. Keep
    // `credit` until the frame is dealt with: the peer's link is read no further while
    // the credits it holds exceed its budget.
    using FrameHandler =
        std::function<void(const crypto::PublicKey& peer, std::uint8_t type, Bytes payload, FrameCredit credit)>;
    // A peer finished its handshake (connected = true) or its link closed (false).
    using PeerHandler = std::function<void(const crypto::PublicKey& peer, bool connected)>;

    // `key` is this node's identity; `allowed` the keys that may connect (this node's
    // own key may be among them: a link to oneself is dropped).
    PeerNetwork(P2pConfig config, crypto::KeyPair key, std::set<crypto::PublicKey> allowed, FrameHandler on_frame,
                PeerHandler on_peer);
    ~PeerNetwork();  // stops
    PeerNetwork(const PeerNetwork&) = delete;
    PeerNetwork& operator=(const PeerNetwork&) = delete;

    // Binds the listener and starts dialling; errors name the address.
    Status start();
    // Idempotent; closes every link and joins the I/O thread. No handler runs after it
    // returns, and it reports no on_peer(key, false) for the links it closes. Not from a
    // handler. A stopped network does not start again.
    void stop();

    std::uint16_t port() const;  // the bound port, after start()
    // Queue a frame to every connected peer / to one peer (false: not connected or its
    // queue is full). The payload is shared, not copied per peer (each link seals it as
    // its turn to be written comes). `type` must be below 0xF0 (the network's own types).
    void broadcast(std::uint8_t type, std::shared_ptr<const Bytes> payload);
    bool send(const crypto::PublicKey& peer, std::uint8_t type, std::shared_ptr<const Bytes> payload);
    std::vector<PeerInfo> peers() const;
    // Links closed before their handshake finished (refused keys, chains, versions,
    // timeouts, room made for newer ones): for metrics, and for tests to see a refusal
    // happen rather than sleep and find nothing.
    std::uint64_t unfinished_handshakes() const;
    // Closes the link to `peer` (if any) and refuses its handshakes for `duration`: a
    // peer that broke the rules (e.g. kept sending invalid blocks). `why` is logged.
    void disconnect(const crypto::PublicKey& peer, std::chrono::milliseconds duration, const std::string& why);
    // Closes the link to `peer` and refuses it for a ban that doubles with each offence
    // of that key (ban_ms_min, 2x, 4x, ... up to ban_ms_max); returns the ban's length.
    // For frames no honest node sends. `why` is logged once, here.
    std::chrono::milliseconds ban(const crypto::PublicKey& peer, const std::string& why);
    // Adds keys that may connect. Never removes.
    void allow(const std::set<crypto::PublicKey>& keys);
    // From now on exactly `keys` may connect: the live links (and handshakes under way)
    // of every other key are closed at once, reported by on_peer(key, false) like any
    // closed link, and their redials refused (governance removed a node, or rotated it
    // out). Configured addresses are still dialled; a refused key's link closes at its hello.
    void set_allowed(std::set<crypto::PublicKey> keys);
    // Dials `address` ("host:port") from now on, like a configured peer; once per address.
    void add_peer(const std::string& address);

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace jchain::p2p
