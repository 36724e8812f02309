// JSON-RPC request bodies (rpc/json_rpc.h): single requests and batches through the real
// dispatcher, with a trivial handler set (plain, batched, failing and throwing methods),
// and the strict JSON parser it uses (base/json.h). Checks: parse_json accepts only what
// Boost.JSON accepts, and reads it the same; handle() never throws; its answer is empty
// (notifications only) or JSON: an object for a single request, a non-empty array of
// objects for a batch, each with "jsonrpc": "2.0", an "id", and exactly one of "result"
// and "error" (an error with an integer code and data.reason).
#include <boost/json.hpp>
#include <stdexcept>

#include "base/json.h"
#include "fuzz_support.h"
#include "rpc/json_rpc.h"

namespace json = boost::json;
using namespace jchain;

namespace {

const rpc::JsonRpcDispatcher& dispatcher() {
    static const rpc::JsonRpcDispatcher d = [] {
        rpc::JsonRpcDispatcher d;
        d.batch_max = 64;
        // Returns what it was given, as text: Boost.JSON 1.81 reads 0e999999999 as NaN and
        // writes that as NaN, which is not JSON, and no node method echoes a client's numbers.
        d.add("echo", [](const json::value& params) -> rpc::MethodResult { return json::string(json::serialize(params)); });
        d.add("status", [](const json::value&) -> rpc::MethodResult { return json::object{{"height", 1}}; });
        d.add("fail", [](const json::value&) -> rpc::MethodResult { return rpc::invalid_params("no"); });
        d.add("throw", [](const json::value&) -> rpc::MethodResult { throw std::runtime_error("handler threw"); });
        d.add_batched("submit", [](const std::vector<const json::value*>& params) {
            std::vector<rpc::MethodResult> out;
            for (const auto* p : params) {
                FUZZ_CHECK(p != nullptr);
                if (p->is_array() && !p->as_array().empty()) out.push_back(rpc::invalid_params("array"));
                else out.push_back(json::value(static_cast<std::uint64_t>(out.size())));
            }
            return out;
        });
        // A batched handler that answers too few: the rest must still get errors.
        d.add_batched("short", [](const std::vector<const json::value*>& params) {
            std::vector<rpc::MethodResult> out;
            if (params.size() > 1) out.push_back(json::value(nullptr));
            return out;
        });
        return d;
    }();
    return d;
}

void check_response(const json::value& r) {
    FUZZ_CHECK(r.is_object());
    const auto& o = r.as_object();
    const auto* version = o.if_contains("jsonrpc");
    FUZZ_CHECK(version && version->is_string() && version->as_string() == "2.0");
    FUZZ_CHECK(o.contains("id"));
    FUZZ_CHECK(o.contains("result") != o.contains("error"));
    if (const auto* e = o.if_contains("error")) {
        FUZZ_CHECK(e->is_object());
        const auto* code = e->as_object().if_contains("code");
        FUZZ_CHECK(code && code->is_int64());
        const auto* data = e->as_object().if_contains("data");
        FUZZ_CHECK(data && data->is_object() && data->as_object().contains("reason"));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body = fuzz::string_of(data, size);
    std::string answer;
    try {
        answer = dispatcher().handle(body);
    } catch (...) {
        FUZZ_CHECK(!"JsonRpcDispatcher::handle threw");
    }
    // The strict parser (base/json.h) accepts a subset of what Boost.JSON accepts, and
    // reads it the same way.
    const auto strict = parse_json(body);
    json::error_code ec;
    const json::value request = json::parse(body, ec);
    if (strict) FUZZ_CHECK(!ec && json::serialize(*strict) == json::serialize(request));  // NaN != NaN
    if (ec) FUZZ_CHECK(!strict);
    if (answer.empty()) {
        // Only a valid request can be a notification: the body parsed.
        FUZZ_CHECK(strict);
        return 0;
    }
    json::error_code aec;
    const json::value response = json::parse(answer, aec);
    FUZZ_CHECK(!aec);
    if (strict && request.is_array() && !request.as_array().empty() && request.as_array().size() <= dispatcher().batch_max) {
        FUZZ_CHECK(response.is_array());
        FUZZ_CHECK(!response.as_array().empty() && response.as_array().size() <= request.as_array().size());
        for (const auto& r : response.as_array()) check_response(r);
    } else {
        check_response(response);
    }
    return 0;
}
