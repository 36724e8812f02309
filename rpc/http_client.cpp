#include "rpc/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <exception>
#include <optional>

namespace jchain::rpc {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// The largest reply body accepted (a block or an audit page is far smaller).
constexpr std::uint64_t reply_bytes_max = 64 << 20;

struct Url {
    std::string host;  // without brackets for an IPv6 literal
    std::string port;
    std::string target;
    std::string host_header;
};

Result<Url> parse_url(const std::string& url) {
    constexpr std::string_view scheme = "http://";
    if (url.size() < scheme.size() || !beast::iequals(std::string_view(url).substr(0, scheme.size()), scheme)) {
        return Status::error("unsupported URL '" + url + "': only http://host[:port]/path is supported");
    }
    const std::string_view rest = std::string_view(url).substr(scheme.size());
    const std::size_t slash = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, slash);
    std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (target.front() != '/') target.insert(0, "/");
    if (const std::size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);

    Url out;
    out.target = std::move(target);
    std::string_view port;
    if (authority.starts_with('[')) {  // [::1]:8080
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return Status::error("bad URL '" + url + "': unterminated IPv6 address");
        out.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Status::error("bad URL '" + url + "': junk after IPv6 address");
            port = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (out.host.empty()) return Status::error("bad URL '" + url + "': no host");
    if (out.host.find('@') != std::string::npos) return Status::error("bad URL '" + url + "': credentials are not supported");
    out.port = "80";
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
            return Status::error("bad URL '" + url + "': bad port '" + std::string(port) + "'");
        }
        out.port = std::to_string(value);
    }
    out.host_header = std::string(authority);
    return out;
}

// Runs the io_context until the pending operation completes or the deadline passes;
// returns false on timeout (the operation is then cancelled and drained).
template <class Cancel>
bool run_until(asio::io_context& io, Clock::time_point deadline, Cancel cancel) {
    io.restart();
    const auto now = Clock::now();
    io.run_for(deadline > now ? deadline - now : Clock::duration::zero());
    if (io.stopped()) return true;
    cancel();
    io.restart();
    io.run();
    return false;
}

Result<HttpReply> exchange(const std::string& method, const Url& url, const std::string& body, int timeout_ms,
                           const HttpHeaders& headers) {
    const auto timeout = std::chrono::milliseconds(std::max(timeout_ms, 1));
    const auto deadline = Clock::now() + timeout;
    const auto remaining = [&] {
        return std::max<Clock::duration>(deadline - Clock::now(), std::chrono::milliseconds(1));
    };
    const std::string timed_out = "timed out after " + std::to_string(timeout_ms) + " ms";

    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) return Status::error("unknown HTTP method '" + method + "'");

    asio::io_context io;
    tcp::resolver resolver(io);
    error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(url.host, url.port, [&](error_code e, tcp::resolver::results_type r) {
        ec = e;
        endpoints = std::move(r);
    });
    if (!run_until(io, deadline, [&] { resolver.cancel(); })) return Status::error("resolve: " + timed_out);
    if (ec) return Status::error("resolve " + url.host + ": " + ec.message());

    beast::tcp_stream stream(io);
    const auto step = [&](const char* what) -> Status {
        if (ec == beast::error::timeout) return Status::error(std::string(what) + ": " + timed_out);
        if (ec) return Status::error(std::string(what) + ": " + ec.message());
        return Status::ok();
    };

    stream.expires_after(remaining());
    stream.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    io.restart();
    io.run();
    if (Status s = step("connect"); !s) return s;

    http::request<http::string_body> request{verb, url.target, 11};
    request.set(http::field::host, url.host_header);
    request.set(http::field::user_agent, "jchain");
    request.keep_alive(false);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty()) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
    }
    request.prepare_payload();

    // Read while writing: a server may answer early (413 to an oversized body) and stop
    // reading, and its reply is the useful outcome, not the failed write.
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(reply_bytes_max);
    error_code write_ec;
    bool write_done = false;
    stream.expires_after(remaining());
    http::async_write(stream, request, [&](error_code e, std::size_t) {
        write_ec = e;
        write_done = true;
    });
    http::async_read(stream, buffer, parser, [&](error_code e, std::size_t) {
        ec = e;
        if (!e && !write_done) stream.socket().cancel();
    });
    io.restart();
    io.run();
    if (ec && write_ec && write_ec != asio::error::operation_aborted) {
        ec = write_ec;
        return step("write");
    }
    if (Status s = step("read"); !s) return s;

    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto response = parser.release();
    return HttpReply{static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace

Result<HttpReply> http_request(const std::string& method, const std::string& url, const std::string& body,
                               int timeout_ms, const HttpHeaders& headers) {
    const auto parsed = parse_url(url);
    if (!parsed) return parsed.status();
    try {
        auto reply = exchange(method, *parsed, body, timeout_ms, headers);
        if (!reply) return Status::error(method + " " + url + ": " + reply.message());
        return reply;
    } catch (const std::exception& e) {  // e.g. bad_alloc, or a bad target Beast refuses
        return Status::error(method + " " + url + ": " + e.what());
    }
}

}  // namespace jchain::rpc
