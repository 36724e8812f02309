#include "rpc/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace jchain::rpc {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Request line plus headers; a JSON-RPC client needs far less.
constexpr std::uint32_t header_bytes_max = 16 * 1024;
// After an error reply the connection is closed gracefully: the rest of what the client
// is still sending is read and dropped (at most this much, for at most this long), so
// that the close does not reset the connection before the client has read the reply.
constexpr std::size_t drain_bytes_max = 4 << 20;
constexpr int drain_timeout_ms = 2'000;
// After a failed accept (e.g. out of file descriptors) wait before accepting again.
constexpr int accept_retry_ms = 50;

std::string error_body(int code, const std::string& message, const std::string& reason) {
    // The same shape as a JSON-RPC error, so that RPC clients can show it; message and
    // reason are ASCII without quotes or backslashes.
    return R"({"jsonrpc":"2.0","id":null,"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
           R"(","data":{"reason":")" + reason + R"("}}})";
}

// Connections being closed to make room may keep their slots a moment longer; past this
// many over the limit, new connections are refused outright.
constexpr std::size_t eviction_slack = 64;
// The JSON-RPC error code of a request refused because its address has client_busy_max
// requests in progress (HTTP 429; docs/rpc.md, "Connections").
constexpr int too_many_requests_code = -32090;

// What a connection is doing. Only `handling` is never closed to make room.
enum class Phase : std::uint8_t {
    waiting,   // for a request's header (idle, or a header arriving)
    body,      // reading a request's body, under its deadline; busy
    handling,  // the handler has the request, or its answer is being written; busy
    closing,   // an answer with Connection: close was sent; draining what the client still sends
};

// How readily a connection is closed to make room: lower first.
int eviction_rank(Phase phase) {
    switch (phase) {
        case Phase::closing: return 0;
        case Phase::waiting: return 1;
        case Phase::body: return 2;
        case Phase::handling: break;
    }
    return 3;
}

class Session;

// The slots one client address holds.
struct ClientSlots {
    std::size_t connections = 0;
    std::size_t busy = 0;  // in Phase::body or Phase::handling
};

// What the server and its sessions share; sessions keep it alive while they exist.
struct Shared {
    Shared(HttpServerOptions o, AsyncHttpHandler h)
        : options(std::move(o)), handler(std::move(h)),
          client_connections_max(options.client_connections_max ? options.client_connections_max
                                                                : std::max<std::size_t>(16, options.connections_max / 4)),
          client_busy_max(options.client_busy_max ? options.client_busy_max
                                                  : std::max<std::size_t>(4, client_connections_max / 4)) {}
    const HttpServerOptions options;
    const AsyncHttpHandler handler;
    const std::size_t client_connections_max;
    const std::size_t client_busy_max;

    // Every live session, oldest first, and the slots each client address holds.
    std::mutex mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::map<std::string, ClientSlots> per_client;

    // Answers an AsyncHttpHandler still owes; stop() waits for them before it stops the
    // io_context their sessions use.
    std::mutex owed_mutex;
    std::condition_variable owed_done;
    std::size_t owed = 0;
};

// One connection. All its work runs on the strand its socket was created with, so the
// handler call blocks only this connection.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, std::shared_ptr<Shared> shared, std::string client)
        : stream_(std::move(socket)), shared_(std::move(shared)), client_(std::move(client)) {
        enter(Phase::waiting);  // before start(): a new connection is not the one waiting longest
    }
    ~Session() {
        std::lock_guard lock(shared_->mutex);
        shared_->sessions.erase(place_);
        auto& slots = shared_->per_client[client_];
        if (busy_) --slots.busy;
        if (--slots.connections == 0) shared_->per_client.erase(client_);
    }

    // Counts this session in `shared` (whose mutex the caller holds) and starts it.
    void start(std::list<std::weak_ptr<Session>>::iterator place) {
        place_ = place;
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_header, shared_from_this()));
    }

    const std::string& client() const { return client_; }
    Phase phase() const { return phase_.load(); }
    // Steady-clock nanoseconds since this session entered its phase.
    std::int64_t phase_since() const { return phase_since_.load(); }
    bool evicted() const { return evicted_.load(); }

    // Closes this connection to make room for a new one unless, by the time its strand
    // gets to it, the handler has its request (caller holds shared's mutex).
    void evict() {
        evicted_ = true;
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->phase() != Phase::handling) return self->close();
            self->evicted_ = false;  // it may be chosen again once it waits
        });
    }

private:
    void enter(Phase phase) {
        phase_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
        phase_ = phase;
    }

    // Counts this connection busy for its address, unless the address already has
    // client_busy_max requests in progress.
    bool take_busy_slot() {
        std::lock_guard lock(shared_->mutex);
        auto& slots = shared_->per_client[client_];
        if (slots.busy >= shared_->client_busy_max) return false;
        ++slots.busy;
        busy_ = true;
        return true;
    }

    void release_busy_slot() {
        if (!busy_) return;
        std::lock_guard lock(shared_->mutex);
        --shared_->per_client[client_].busy;
        busy_ = false;
    }

    // A body's whole transfer (and the 100 Continue before it) must end by this: a fixed
    // allowance plus its length at body_bytes_per_s_min; a chunked body, whose length is
    // not known ahead, is allowed the time of the largest body.
    std::chrono::milliseconds body_deadline() const {
        const auto& o = shared_->options;
        std::uint64_t bytes = 0;
        if (parser_->chunked()) bytes = o.body_bytes_max;
        else if (const auto length = parser_->content_length()) bytes = std::min<std::uint64_t>(*length, o.body_bytes_max);
        const std::uint64_t rate = std::max<std::size_t>(1, o.body_bytes_per_s_min);
        return std::chrono::milliseconds(static_cast<std::int64_t>(o.body_timeout_ms) +
                                         static_cast<std::int64_t>(bytes * 1000 / rate));
    }

    void read_header() {
        enter(Phase::waiting);
        parser_.emplace();
        parser_->header_limit(header_bytes_max);
        parser_->body_limit(shared_->options.body_bytes_max);
        stream_.expires_after(std::chrono::milliseconds(shared_->options.idle_timeout_ms));
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        if (!take_busy_slot()) {
            return reply_and_close(http::status::too_many_requests,
                                   error_body(too_many_requests_code,
                                              "too many requests in progress from this address; retry shortly",
                                              "too_many_requests"));
        }
        enter(Phase::body);
        stream_.expires_after(body_deadline());
        auto& request = parser_->get();
        if (beast::iequals(request[http::field::expect], "100-continue")) {
            // Clients such as curl wait for this before sending a larger body.
            continue_.emplace(http::status::continue_, request.version());
            http::async_write(stream_, *continue_, [self = shared_from_this()](error_code e, std::size_t) {
                if (e) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read_error(error_code ec) {
        if (ec == http::error::body_limit) {
            const auto limit = std::to_string(shared_->options.body_bytes_max);
            return reply_and_close(http::status::payload_too_large,
                                   error_body(-32600, "request body exceeds " + limit + " bytes", "too_large"));
        }
        if (ec == http::error::header_limit) {
            return reply_and_close(http::status::request_header_fields_too_large,
                                   error_body(-32600, "request header exceeds " + std::to_string(header_bytes_max) + " bytes",
                                              "too_large"));
        }
        if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
            return reply_and_close(http::status::bad_request,
                                   error_body(-32600, "malformed HTTP request: " + ec.message(), "invalid_request"));
        }
        // The client closed, went idle past the timeout, missed its body's deadline, or the
        // socket failed.
        close();
    }

    void on_read(error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        enter(Phase::handling);
        auto message = parser_->release();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        request.content_type = std::string(message[http::field::content_type]);
        request.authorization = std::string(message[http::field::authorization]);
        request.body = std::move(message.body());

        auto owed = std::make_shared<Owed>(shared_from_this(), message.version(), message.keep_alive());
        try {
            shared_->handler(request, [owed](HttpResponse reply) { owed->answer(std::move(reply)); });
        } catch (...) {
            owed->answer(HttpResponse{500, "application/json", error_body(-32603, "internal error", "internal")});
        }
    }

    // The answer one request is owed: sent on the session's strand by the first call of
    // answer(); a 500 if every copy of the respond function is dropped without one.
    class Owed {
    public:
        Owed(std::shared_ptr<Session> session, unsigned version, bool keep_alive)
            : session_(std::move(session)), version_(version), keep_alive_(keep_alive) {
            std::lock_guard lock(session_->shared_->owed_mutex);
            ++session_->shared_->owed;
        }
        ~Owed() {
            answer(HttpResponse{500, "application/json", error_body(-32603, "no answer", "internal")});
            std::shared_ptr<Shared> shared = session_->shared_;
            session_.reset();
            std::lock_guard lock(shared->owed_mutex);
            if (--shared->owed == 0) shared->owed_done.notify_all();
        }
        void answer(HttpResponse reply) {
            if (answered_.exchange(true)) return;
            // dispatch: inline when already on the strand (a handler that answered at once).
            asio::dispatch(session_->stream_.get_executor(),
                           [s = session_, reply = std::move(reply), v = version_, k = keep_alive_]() mutable {
                               s->send(std::move(reply), v, k);
                           });
        }

    private:
        std::shared_ptr<Session> session_;
        const unsigned version_;
        const bool keep_alive_;
        std::atomic<bool> answered_{false};
    };

    void send(HttpResponse reply, unsigned version, bool keep_alive) {
        if (reply.status < 100 || reply.status > 599) {
            reply = HttpResponse{500, "application/json", error_body(-32603, "handler returned a bad HTTP status", "internal")};
        }
        response_ = {};
        response_.version(version);
        response_.result(static_cast<unsigned>(reply.status));
        response_.set(http::field::server, "jchain");
        response_.keep_alive(keep_alive);
        const bool bodiless = reply.status == 204 || reply.status == 304 || (reply.status >= 100 && reply.status < 200);
        if (!bodiless) {
            response_.set(http::field::content_type, reply.content_type);
            response_.body() = std::move(reply.body);
            response_.prepare_payload();
        }
        stream_.expires_after(std::chrono::milliseconds(shared_->options.idle_timeout_ms));
        http::async_write(stream_, response_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        if (ec) return close();
        if (response_.need_eof()) return shutdown_and_drain();
        release_busy_slot();
        read_header();
    }

    void reply_and_close(http::status status, std::string body) {
        release_busy_slot();
        enter(Phase::closing);
        const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
        send(HttpResponse{static_cast<int>(status), "application/json", std::move(body)}, version, /*keep_alive=*/false);
    }

    void shutdown_and_drain() {
        release_busy_slot();
        enter(Phase::closing);
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::chrono::milliseconds(drain_timeout_ms));
        drain();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, std::size_t n) {
            self->drained_bytes_ += n;
            if (ec || self->drained_bytes_ > drain_bytes_max) return self->close();
            self->drain();
        });
    }

    void close() {
        release_busy_slot();
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<Shared> shared_;
    std::optional<http::request_parser<http::string_body>> parser_;  // one per request
    std::optional<http::response<http::empty_body>> continue_;
    http::response<http::string_body> response_;  // alive until its write completes
    std::array<char, 16 * 1024> drain_buffer_{};
    std::size_t drained_bytes_ = 0;
    const std::string client_;
    std::list<std::weak_ptr<Session>>::iterator place_;
    std::atomic<Phase> phase_{Phase::waiting};
    std::atomic<std::int64_t> phase_since_{0};
    std::atomic<bool> evicted_{false};
    bool busy_ = false;  // counted in per_client's busy; on the strand (and the destructor)
};

// Admits a new connection from `client` when there is room, making room by closing one
// connection when the client holds its share (one of its own) or the server is full (one
// of the address holding the most connections). The connection given up is, in this
// order, one already closing, the one that has waited longest for a request, or the one
// whose body has been arriving longest; a request the handler has is never cut. So
// connections held open idle or trickling a body, however many and from however many
// addresses, cannot keep another address's /health and reads out: the address holding
// most pays. Caller holds shared.mutex and releases `keep` only after unlocking it (a
// session's destructor takes the mutex).
bool make_room(Shared& shared, const std::string& client, std::vector<std::shared_ptr<Session>>& keep) {
    const std::size_t total = shared.sessions.size();
    const auto found = shared.per_client.find(client);
    const std::size_t mine = found == shared.per_client.end() ? 0 : found->second.connections;
    const bool client_full = mine >= shared.client_connections_max;
    if (!client_full && total < shared.options.connections_max) return true;
    if (total >= shared.options.connections_max + eviction_slack) return false;
    const auto before = [](const Session& a, const Session& b) {
        const int ra = eviction_rank(a.phase()), rb = eviction_rank(b.phase());
        return ra != rb ? ra < rb : a.phase_since() < b.phase_since();
    };
    std::map<std::string, Session*> first;  // per address, the connection it gives up first
    for (const auto& weak : shared.sessions) {
        auto s = weak.lock();
        if (!s) continue;
        keep.push_back(s);
        if (s->evicted() || s->phase() == Phase::handling) continue;
        if (client_full && s->client() != client) continue;
        Session*& best = first[s->client()];
        if (!best || before(*s, *best)) best = s.get();
    }
    Session* victim = nullptr;
    std::size_t victim_holds = 0;
    for (const auto& [address, candidate] : first) {
        const std::size_t holds = shared.per_client.count(address) ? shared.per_client.at(address).connections : 0;
        if (!victim || holds > victim_holds) {
            victim = candidate;
            victim_holds = holds;
        }
    }
    if (!victim) return false;
    victim->evict();
    return true;
}

class BeastHttpServer final : public HttpServer {
public:
    BeastHttpServer(const HttpServerOptions& options, AsyncHttpHandler handler)
        : shared_(std::make_shared<Shared>(options, std::move(handler))) {}

    ~BeastHttpServer() override { stop(); }

    Status listen() {
        const auto& options = shared_->options;
        const std::string where = options.address + ":" + std::to_string(options.port);
        error_code ec;
        tcp::endpoint endpoint;
        const auto address = asio::ip::make_address(options.address, ec);
        if (!ec) {
            endpoint = tcp::endpoint(address, options.port);
        } else {
            tcp::resolver resolver(*io_);
            const auto results = resolver.resolve(options.address, std::to_string(options.port),
                                                  tcp::resolver::passive, ec);
            if (ec || results.empty()) {
                return Status::error("cannot listen on " + where + ": cannot resolve address" +
                                     (ec ? ": " + ec.message() : std::string{}));
            }
            endpoint = results.begin()->endpoint();
        }
        const auto fail = [&](const char* step) {
            return Status::error("cannot listen on " + where + ": " + step + ": " + ec.message());
        };
        if (acceptor_->open(endpoint.protocol(), ec)) return fail("open");
        if (acceptor_->set_option(asio::socket_base::reuse_address(true), ec)) return fail("set reuse_address");
        if (acceptor_->bind(endpoint, ec)) return fail("bind");
        if (acceptor_->listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
        port_ = acceptor_->local_endpoint(ec).port();
        if (ec) return fail("local_endpoint");
        return Status::ok();
    }

    void run() {
        accept();
        const std::size_t count = std::max<std::size_t>(1, shared_->options.threads);
        threads_.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            threads_.emplace_back([this] {
                // Completion handlers catch what they expect; anything else (bad_alloc)
                // drops that one operation, not the whole server.
                for (;;) {
                    try {
                        io_->run();
                        return;
                    } catch (const std::exception&) {
                    }
                }
            });
        }
    }

    std::uint16_t port() const override { return port_; }

    // Must not be called from a handler: it joins the threads that run handlers.
    void stop() override {
        std::lock_guard lock(stop_mutex_);
        if (!io_) return;
        {  // answers still owed are sent on this io_context, so it runs until they are
            std::unique_lock owed(shared_->owed_mutex);
            shared_->owed_done.wait(owed, [this] { return shared_->owed == 0; });
        }
        io_->stop();
        for (auto& thread : threads_) thread.join();
        threads_.clear();
        // Destroying the acceptor and then the io_context frees the port and destroys
        // every pending operation, and with them the sessions and their sockets.
        retry_timer_.reset();
        acceptor_.reset();
        io_.reset();
    }

private:
    void accept() {
        acceptor_->async_accept(asio::make_strand(*io_), [this](error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
            if (ec) {
                retry_timer_->expires_after(std::chrono::milliseconds(accept_retry_ms));
                retry_timer_->async_wait([this](error_code e) {
                    if (!e) accept();
                });
                return;
            }
            error_code peer_ec;
            const auto peer = socket.remote_endpoint(peer_ec);
            const std::string client = peer_ec ? std::string() : peer.address().to_string();
            std::vector<std::shared_ptr<Session>> keep;  // released after the lock
            {
                std::lock_guard lock(shared_->mutex);
                if (!make_room(*shared_, client, keep)) {
                    error_code ignored;
                    socket.close(ignored);
                } else {
                    // The session is counted now and uncounts itself when destroyed.
                    auto session = std::make_shared<Session>(std::move(socket), shared_, client);
                    ++shared_->per_client[client].connections;
                    session->start(shared_->sessions.insert(shared_->sessions.end(), session));
                    keep.push_back(std::move(session));
                }
            }
            accept();
        });
    }

    std::shared_ptr<Shared> shared_;
    // Declared so that the acceptor and timer die before the io_context they use.
    std::unique_ptr<asio::io_context> io_ = std::make_unique<asio::io_context>();
    std::unique_ptr<tcp::acceptor> acceptor_ = std::make_unique<tcp::acceptor>(*io_);
    std::unique_ptr<asio::steady_timer> retry_timer_ = std::make_unique<asio::steady_timer>(*io_);
    std::vector<std::thread> threads_;
    std::uint16_t port_ = 0;
    std::mutex stop_mutex_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, HttpHandler handler) {
    return start_async(options, [handler = std::move(handler)](const HttpRequest& request, HttpRespond respond) {
        respond(handler(request));
    });
}

Result<std::unique_ptr<HttpServer>> HttpServer::start_async(const HttpServerOptions& options, AsyncHttpHandler handler) {
    auto server = std::make_unique<BeastHttpServer>(options, std::move(handler));
    if (Status status = server->listen(); !status) return status;
    server->run();
    return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace jchain::rpc
