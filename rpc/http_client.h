// A blocking HTTP/1.1 client for the CLI and tests (Boost.Beast). One request per call.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace jchain::rpc {

struct HttpReply {
    int status = 0;
    std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// url: "http://host:port/path" (http only). Fails on connect/IO errors or timeout.
// `headers` are sent as given (e.g. Authorization for a signed read, docs/rpc.md).
Result<HttpReply> http_request(const std::string& method, const std::string& url, const std::string& body,
                               int timeout_ms = 10'000, const HttpHeaders& headers = {});

}  // namespace jchain::rpc
