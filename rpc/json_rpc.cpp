#include "rpc/json_rpc.h"

#include "base/json.h"

#include <cmath>

#include <exception>
#include <string_view>
#include <utility>

namespace jchain::rpc {

namespace json = boost::json;

namespace {

constexpr int parse_error_code = -32700;
constexpr int invalid_request_code = -32600;
constexpr int method_not_found_code = -32601;
constexpr int internal_error_code = -32603;

json::object error_response(const json::value& id, int code, std::string_view message, std::string_view reason) {
    return json::object{
        {"jsonrpc", "2.0"},
        {"id", id},
        {"error", json::object{{"code", code}, {"message", message}, {"data", json::object{{"reason", reason}}}}},
    };
}

// A string, a number or null; but a number that could not be echoed back as the
// client sent it is refused: an infinite one (1e999999 would serialise as a number no
// parser reads) and an integer too large for 64 bits (a double loses its low digits).
bool is_valid_id(const json::value& id) {
    if (const double* d = id.if_double()) return std::isfinite(*d) && !(std::fabs(*d) >= 0x1p53 && std::trunc(*d) == *d);
    return id.is_string() || id.is_number() || id.is_null();
}

}  // namespace

void JsonRpcDispatcher::add(const std::string& method, MethodHandler handler) {
    methods_.insert_or_assign(method, std::move(handler));
}

void JsonRpcDispatcher::add_batched(const std::string& method, BatchHandler handler) {
    batched_.insert_or_assign(method, std::move(handler));
}

namespace {

template <class F>
MethodResult guarded(F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {
        return RpcError{internal_error_code, std::string("internal error: ") + e.what(), "internal"};
    } catch (...) {
        return RpcError{internal_error_code, "internal error", "internal"};
    }
}

const json::value no_params;

}  // namespace

std::string JsonRpcDispatcher::handle(const std::string& body, const CallGate& gate) const {
    auto parsed = parse_json(body);
    if (!parsed) return json::serialize(error_response(nullptr, parse_error_code, "parse error: " + parsed.message(), "parse_error"));
    const json::value& request = *parsed;

    if (!request.is_array()) {
        const json::value response = handle_one(request, gate);
        return response.is_null() ? std::string{} : json::serialize(response);
    }

    const json::array& batch = request.get_array();
    if (batch.empty()) return json::serialize(error_response(nullptr, invalid_request_code, "empty batch", "invalid_request"));
    if (batch.size() > batch_max) {
        return json::serialize(error_response(
            nullptr, invalid_request_code,
            "batch of " + std::to_string(batch.size()) + " requests exceeds " + std::to_string(batch_max), "too_large"));
    }
    // Answers stay in request order; calls of batched methods are handed over together.
    std::vector<json::value> answers(batch.size());
    std::map<std::string, std::vector<std::pair<std::size_t, Call>>> grouped;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto prepared = prepare(batch[i]);
        if (auto* response = std::get_if<json::value>(&prepared)) {
            answers[i] = std::move(*response);
            continue;
        }
        Call& call = std::get<Call>(prepared);
        if (gate) {
            if (auto refused = gate(call.method, call.params ? *call.params : no_params)) {
                answers[i] = respond(call, std::move(*refused));
                continue;
            }
        }
        if (batched_.count(call.method)) {
            grouped[call.method].emplace_back(i, std::move(call));
            continue;
        }
        const MethodHandler& handler = methods_.at(call.method);
        answers[i] = respond(call, guarded([&] { return handler(call.params ? *call.params : no_params); }));
    }
    for (auto& [method, calls] : grouped) {
        std::vector<const json::value*> params;
        for (const auto& [_, call] : calls) params.push_back(call.params ? call.params : &no_params);
        std::vector<MethodResult> results;
        try {
            results = batched_.at(method)(params);
        } catch (...) {
        }
        for (std::size_t k = 0; k < calls.size(); ++k) {
            MethodResult r = k < results.size() ? std::move(results[k])
                                                : MethodResult{RpcError{internal_error_code, "internal error", "internal"}};
            answers[calls[k].first] = respond(calls[k].second, std::move(r));
        }
    }
    json::array responses;
    for (auto& a : answers)
        if (!a.is_null()) responses.push_back(std::move(a));
    return responses.empty() ? std::string{} : json::serialize(responses);
}

std::variant<JsonRpcDispatcher::Call, json::value> JsonRpcDispatcher::prepare(const json::value& request) const {
    const json::object* object = request.if_object();
    if (object == nullptr) return error_response(nullptr, invalid_request_code, "request is not an object", "invalid_request");

    // The id is echoed when it is of a valid type, even if the rest is malformed, so that
    // a client can match the error; otherwise it is null (the spec's "could not detect").
    const json::value* id = object->if_contains("id");
    const json::value response_id = id != nullptr && is_valid_id(*id) ? *id : json::value(nullptr);
    const auto invalid = [&](std::string_view message) -> json::value {
        return error_response(response_id, invalid_request_code, message, "invalid_request");
    };

    const json::value* version = object->if_contains("jsonrpc");
    if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    const json::value* method = object->if_contains("method");
    if (method == nullptr || !method->is_string()) return invalid("\"method\" must be a string");
    const json::value* params = object->if_contains("params");
    if (params != nullptr && !params->is_object() && !params->is_array()) {
        return invalid("\"params\" must be an object or an array");
    }
    if (id != nullptr && !is_valid_id(*id)) return invalid("\"id\" must be a string, a number that can be echoed exactly, or null");
    const bool notification = id == nullptr;

    std::string name(method->get_string());
    if (!methods_.count(name) && !batched_.count(name)) {
        if (notification) return json::value(nullptr);
        return error_response(response_id, method_not_found_code, "method not found: " + name, "method_not_found");
    }
    return Call{response_id, notification, std::move(name), params};
}

json::value JsonRpcDispatcher::respond(const Call& call, MethodResult result) {
    if (call.notification) return nullptr;
    if (const RpcError* error = std::get_if<RpcError>(&result)) {
        return error_response(call.id, error->code, error->message, error->reason);
    }
    return json::object{{"jsonrpc", "2.0"}, {"id", call.id}, {"result", std::move(std::get<json::value>(result))}};
}

// Returns the response object, or null when the request is a notification (valid and
// without "id"), which gets no response even when its method fails.
json::value JsonRpcDispatcher::handle_one(const json::value& request, const CallGate& gate) const {
    auto prepared = prepare(request);
    if (auto* response = std::get_if<json::value>(&prepared)) return std::move(*response);
    const Call& call = std::get<Call>(prepared);
    const json::value& params = call.params ? *call.params : no_params;
    if (gate)
        if (auto refused = gate(call.method, params)) return respond(call, std::move(*refused));
    if (auto it = batched_.find(call.method); it != batched_.end()) {
        std::vector<MethodResult> results;
        MethodResult r = guarded([&]() -> MethodResult {
            results = it->second({&params});
            if (results.size() != 1) return RpcError{internal_error_code, "internal error", "internal"};
            return std::move(results[0]);
        });
        return respond(call, std::move(r));
    }
    const MethodHandler& handler = methods_.at(call.method);
    return respond(call, guarded([&] { return handler(params); }));
}

}  // namespace jchain::rpc
