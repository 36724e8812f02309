// A blocking JSON-RPC client on one keep-alive connection to a node on loopback, and the
// batch body that submits records: what the benchmarks' load generators post
// (bench_testnet, bench_flood).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "chain/json_codec.h"

namespace jchain::bench {

class Client {
public:
    explicit Client(std::uint16_t port) : stream_(io_) {
        stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    }
    // POSTs `body` to /rpc and returns the response body.
    std::string post(const std::string& body) {
        namespace http = boost::beast::http;
        http::request<http::string_body> req{http::verb::post, "/rpc", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buffer_, res);
        return std::move(res.body());
    }

private:
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
};

// A JSON-RPC batch of submit_record requests for records[from, to), ids from..to-1.
inline std::string batch_body(const crypto::Suite& suite, const std::vector<chain::Record>& records, std::size_t from,
                              std::size_t to) {
    boost::json::array requests;
    for (std::size_t j = from; j < to; ++j)
        requests.push_back({{"jsonrpc", "2.0"},
                            {"id", j},
                            {"method", "submit_record"},
                            {"params", {{"record", chain::record_to_json(suite, records[j])}}}});
    return boost::json::serialize(requests);
}

// Posts every body through `clients` concurrent clients, client c to ports[c % size],
// each taking the next body not yet sent; returns the number of JSON-RPC errors answered.
inline std::size_t post_all(const std::vector<std::string>& bodies, std::size_t clients,
                            const std::vector<std::uint16_t>& ports) {
    std::atomic<std::size_t> next{0}, refused{0};
    std::vector<std::thread> workers;
    for (std::size_t c = 0; c < clients; ++c)
        workers.emplace_back([&, c] {
            Client client(ports[c % ports.size()]);
            for (std::size_t i; (i = next.fetch_add(1)) < bodies.size();) {
                const std::string res = client.post(bodies[i]);
                std::size_t pos = 0;
                while ((pos = res.find("\"error\"", pos)) != std::string::npos) ++refused, ++pos;
            }
        });
    for (auto& w : workers) w.join();
    return refused;
}

}  // namespace jchain::bench
