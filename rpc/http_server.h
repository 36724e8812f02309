// HttpServer: a small HTTP/1.1 server on Boost.Beast for JSON-RPC and the web page.
//
// It owns its io_context and worker threads. Each request is handed to one
// HttpHandler call on a worker thread; handlers may run concurrently and must be
// thread-safe. Work too slow for an I/O thread (rendering a PDF) goes through an
// AsyncHttpHandler, which may answer later from a thread of its own. Keep-alive is
// supported. Limits (docs/rpc.md, "Connections"):
// - a request body over body_bytes_max is answered 413 without calling the handler;
// - a body must arrive within body_timeout_ms plus its length at body_bytes_per_s_min
//   (a chunked one: the time of body_bytes_max), or the connection is closed;
// - a connection waiting for a request past idle_timeout_ms is closed;
// - at most connections_max connections are open at once, at most client_connections_max
//   from one address, and at most client_busy_max of those with a request in progress
//   (its body arriving or the handler holding it): a request past that is answered 429.
//   Past either connection limit one connection is closed to make room: of the new
//   one's own address when that is full, else of the address holding the most; one
//   already closing, else the one waiting longest for a request, else the one whose
//   body has been arriving longest. A request the handler has is never cut; a new
//   connection is refused only when every other is one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"

namespace jchain::rpc {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // "/rpc", "/health", "/?x=1"
    std::string content_type;
    std::string authorization;  // the Authorization header, empty when absent
    std::string body;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Sends the answer to one request. Call it exactly once, from any thread; a copy of it
// keeps the connection waiting, and the last copy dropped without a call answers 500.
using HttpRespond = std::function<void(HttpResponse)>;
// Answers by calling `respond`, before returning or later from another thread.
using AsyncHttpHandler = std::function<void(const HttpRequest&, HttpRespond respond)>;

struct HttpServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 26657;  // 0 picks a free port; see HttpServer::port()
    std::size_t body_bytes_max = 1 << 20;
    std::size_t threads = 2;
    std::size_t connections_max = 1024;
    std::size_t client_connections_max = 0;  // 0: a quarter of connections_max, at least 16
    std::size_t client_busy_max = 0;         // 0: a quarter of client_connections_max, at least 4
    int idle_timeout_ms = 30'000;
    int body_timeout_ms = 5'000;                    // a body's fixed allowance ...
    std::size_t body_bytes_per_s_min = 16 * 1024;  // ... plus its length at this rate
};

class HttpServer {
public:
    // Binds and starts serving; an error names the address when it cannot bind.
    static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, HttpHandler handler);
    static Result<std::unique_ptr<HttpServer>> start_async(const HttpServerOptions& options, AsyncHttpHandler handler);
    virtual ~HttpServer() = default;
    // The bound port (the real one when options.port was 0).
    virtual std::uint16_t port() const = 0;
    // Waits until every answer an AsyncHttpHandler owes has been given (or dropped), so
    // the threads giving them must keep running until this returns; then stops
    // accepting, closes connections and joins the threads. Idempotent.
    virtual void stop() = 0;
};

}  // namespace jchain::rpc
