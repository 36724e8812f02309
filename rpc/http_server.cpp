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

class Session;

// What the server and its sessions share; sessions keep it alive while they exist.
struct Shared {
    Shared(HttpServerOptions o, AsyncHttpHandler h)
        : options(std::move(o)), handler(std::move(h)),
          client_connections_max(options.client_connections_max ? options.client_connections_max
                                                                : std::max<std::size_t>(16, options.connections_max / 4)) {}
    const HttpServerOptions options;
    const AsyncHttpHandler handler;
    const std::size_t client_connections_max;

    // Every live session, oldest first, and how many each client address holds.
    std::mutex mutex;
    std::list<std::weak_ptr<Session>> sessions;
    std::map<std::string, std::size_t> per_client;

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
        : stream_(std::move(socket)), shared_(std::move(shared)), client_(std::move(client)) {}
    ~Session() {
        std::lock_guard lock(shared_->mutex);
        shared_->sessions.erase(place_);
        if (--shared_->per_client[client_] == 0) shared_->per_client.erase(client_);
    }

    // Counts this session in `shared` (whose mutex the caller holds) and starts it.
    void start(std::list<std::weak_ptr<Session>>::iterator place) {
        place_ = place;
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_header, shared_from_this()));
    }

    const std::string& client() const { return client_; }
    // Steady-clock nanoseconds since this session began waiting for a request; 0 while
    // it is reading one, handling it or answering.
    std::int64_t idle_since() const { return idle_since_.load(); }
    bool evicted() const { return evicted_.load(); }

    // Closes an idle connection to make room for a new one (caller holds shared's mutex).
    void evict() {
        evicted_ = true;
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->idle_since() != 0) self->close();
        });
    }

private:
    void read_header() {
        idle_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
        parser_.emplace();
        parser_->header_limit(header_bytes_max);
        parser_->body_limit(shared_->options.body_bytes_max);
        stream_.expires_after(std::chrono::milliseconds(shared_->options.idle_timeout_ms));
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(error_code ec, std::size_t) {
        idle_since_ = 0;
        if (ec) return on_read_error(ec);
        auto& request = parser_->get();
        if (beast::iequals(request[http::field::expect], "100-continue")) {
            // Clients such as curl wait for this before sending a larger body.
            continue_.emplace(http::status::continue_, request.version());
            stream_.expires_after(std::chrono::milliseconds(shared_->options.idle_timeout_ms));
            http::async_write(stream_, *continue_, [self = shared_from_this()](error_code e, std::size_t) {
                if (e) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        stream_.expires_after(std::chrono::milliseconds(shared_->options.idle_timeout_ms));
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
        // The client closed, went idle past the timeout, or the socket failed.
        close();
    }

    void on_read(error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        auto message = parser_->release();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        request.content_type = std::string(message[http::field::content_type]);
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
        read_header();
    }

    void reply_and_close(http::status status, std::string body) {
        const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
        send(HttpResponse{static_cast<int>(status), "application/json", std::move(body)}, version, /*keep_alive=*/false);
    }

    void shutdown_and_drain() {
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
    std::atomic<std::int64_t> idle_since_{0};
    std::atomic<bool> evicted_{false};
};

// Admits a new connection from `client` when there is room, making room by closing the
// connection that has waited longest for a request: that client's own when it holds its
// share, any client's when the server is full. Busy connections are never closed. So
// idle connections held open, however many and from wherever, cannot keep /health and
// reads out; they only lose their oldest members. Caller holds shared.mutex and releases
// `keep` only after unlocking it (a session's destructor takes the mutex).
bool make_room(Shared& shared, const std::string& client, std::vector<std::shared_ptr<Session>>& keep) {
    const std::size_t total = shared.sessions.size();
    const std::size_t mine = shared.per_client.count(client) ? shared.per_client.at(client) : 0;
    const bool client_full = mine >= shared.client_connections_max;
    if (!client_full && total < shared.options.connections_max) return true;
    if (total >= shared.options.connections_max + eviction_slack) return false;
    Session* victim = nullptr;
    for (const auto& weak : shared.sessions) {
        auto s = weak.lock();
        if (!s) continue;
        keep.push_back(s);
        if (s->evicted() || s->idle_since() == 0) continue;
        if (client_full && s->client() != client) continue;
        if (!victim || s->idle_since() < victim->idle_since()) victim = s.get();
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
                    ++shared_->per_client[client];
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
