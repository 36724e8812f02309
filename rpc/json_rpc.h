// JSON-RPC 2.0 dispatch (https://www.jsonrpc.org/specification): parses a request body
// (single or batch), calls the registered method handlers and builds the response body.
//
// Error codes: -32700 parse error, -32600 invalid request, -32601 method not found,
// -32602 invalid params, -32603 internal; project errors from -32000 down. Every error
// carries data.reason, a stable word (docs/rpc.md). A handler throws nothing: it
// returns a value or an RpcError. Thread-safe once all methods are registered.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace jchain::rpc {

struct RpcError {
    int code = -32603;
    std::string message;
    std::string reason;  // data.reason
};

using MethodResult = std::variant<boost::json::value, RpcError>;
// params is the request's "params" (null when absent, object or array otherwise).
using MethodHandler = std::function<MethodResult(const boost::json::value& params)>;

// A method that takes a whole batch's calls at once (e.g. submit_record, so that one
// batch's signatures are verified in parallel). results[i] answers params[i].
using BatchHandler = std::function<std::vector<MethodResult>(const std::vector<const boost::json::value*>& params)>;

// Decides, before a call's handler runs, whether this request may make the call: nullopt
// lets it through; an error is the call's answer instead and the handler is not called.
using CallGate = std::function<std::optional<RpcError>(const std::string& method, const boost::json::value& params)>;

inline RpcError invalid_params(std::string message) { return {-32602, std::move(message), "invalid_params"}; }

class JsonRpcDispatcher {
public:
    void add(const std::string& method, MethodHandler handler);
    // Calls of `method` within one request body go to `handler` together, in order.
    void add_batched(const std::string& method, BatchHandler handler);

    // The HTTP response body for a request body; empty for a notification-only request
    // (no "id"), which then gets HTTP 204. A batch is at most batch_max entries
    // (more: -32600 with reason "too_large"). An empty batch is -32600.
    // `gate`, when set, is asked about every well-formed call of a known method.
    std::string handle(const std::string& body, const CallGate& gate = {}) const;

    std::size_t batch_max = 1000;

private:
    struct Call {
        boost::json::value id;
        bool notification = false;
        std::string method;
        const boost::json::value* params = nullptr;
    };
    // A well-formed call of a known method, or the response to send instead (null for
    // a notification that gets none).
    std::variant<Call, boost::json::value> prepare(const boost::json::value& request) const;
    static boost::json::value respond(const Call& call, MethodResult result);
    boost::json::value handle_one(const boost::json::value& request, const CallGate& gate) const;
    std::map<std::string, MethodHandler> methods_;
    std::map<std::string, BatchHandler> batched_;
};

}  // namespace jchain::rpc
