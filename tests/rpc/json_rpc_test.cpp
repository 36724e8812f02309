#include "rpc/json_rpc.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace jchain::rpc {
namespace {

namespace json = boost::json;

// A dispatcher with "echo" (returns its params), "fail" (invalid params), "throw" and
// "count" (counts calls, so notifications can be seen to run).
struct Fixture {
    Fixture() {
        dispatcher.add("echo", [](const json::value& params) -> MethodResult { return params; });
        dispatcher.add("fail", [](const json::value&) -> MethodResult { return invalid_params("height must be a number"); });
        dispatcher.add("throw", [](const json::value&) -> MethodResult { throw std::runtime_error("boom"); });
        dispatcher.add("count", [this](const json::value&) -> MethodResult { return ++calls; });
    }
    json::value call(const std::string& body) const {
        const std::string out = dispatcher.handle(body);
        REQUIRE_FALSE(out.empty());
        return json::parse(out);
    }
    JsonRpcDispatcher dispatcher;
    int calls = 0;
};

void check_error(const json::value& response, int code, const std::string& reason) {
    REQUIRE(response.is_object());
    CHECK(response.at("jsonrpc") == "2.0");
    CHECK_FALSE(response.as_object().contains("result"));
    CHECK(response.at("error").at("code") == code);
    CHECK(response.at("error").at("message").is_string());
    CHECK(response.at("error").at("data").at("reason") == json::value(reason.c_str()));
}

TEST_CASE("a valid request gets its result with the same id") {
    Fixture f;
    const auto response = f.call(R"({"jsonrpc":"2.0","method":"echo","params":{"x":[1,2]},"id":7})");
    CHECK(response == json::parse(R"({"jsonrpc":"2.0","id":7,"result":{"x":[1,2]}})"));
}

TEST_CASE("absent params reach the handler as null") {
    Fixture f;
    const auto response = f.call(R"({"jsonrpc":"2.0","method":"echo","id":1})");
    CHECK(response.at("result").is_null());
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","params":[1,"a"],"id":1})").at("result") == json::parse(R"([1,"a"])"));
}

TEST_CASE("malformed JSON is a parse error with a null id") {
    Fixture f;
    for (const char* body : {"", "{", R"({"jsonrpc":"2.0","method":"echo","id":1)", "[1,]", "nul"}) {
        CAPTURE(body);
        const auto response = f.call(body);
        check_error(response, -32700, "parse_error");
        CHECK(response.at("id").is_null());
    }
}

TEST_CASE("a member name used twice in one object is a parse error, at any depth") {
    Fixture f;
    for (const char* body : {R"({"jsonrpc":"2.0","method":"echo","method":"fail","id":1})",
                             R"({"jsonrpc":"2.0","method":"echo","params":{"record":{"kind":"a","kind":"b"}},"id":1})",
                             R"([{"jsonrpc":"2.0","method":"echo","id":1,"id":2}])",
                             R"({"jsonrpc":"2.0","method":"echo","params":{"k":1,"\u006b":2},"id":1})"}) {
        CAPTURE(body);
        const auto response = f.call(body);
        check_error(response, -32700, "parse_error");
        CHECK(response.at("error").at("message").as_string().find("appears twice") != json::string::npos);
    }
    // The same name in sibling objects, or as a value, is fine.
    const auto ok = f.call(R"({"jsonrpc":"2.0","method":"echo","params":[{"k":1},{"k":2},{"a":{"k":3}},"k"],"id":1})");
    CHECK(ok.at("result") == json::parse(R"([{"k":1},{"k":2},{"a":{"k":3}},"k"])"));
}

TEST_CASE("requests of the wrong shape are invalid requests") {
    Fixture f;
    for (const char* body : {
             "5",
             R"("echo")",
             "null",
             R"({"method":"echo","id":1})",                              // no jsonrpc
             R"({"jsonrpc":"1.0","method":"echo","id":1})",              // wrong version
             R"({"jsonrpc":2.0,"method":"echo","id":1})",                // version not a string
             R"({"jsonrpc":"2.0","id":1})",                              // no method
             R"({"jsonrpc":"2.0","method":7,"id":1})",                   // method not a string
             R"({"jsonrpc":"2.0","method":"echo","params":3,"id":1})",   // params a number
             R"({"jsonrpc":"2.0","method":"echo","params":"x","id":1})", // params a string
             R"({"jsonrpc":"2.0","method":"echo","id":{"a":1}})",        // id an object
             R"({"jsonrpc":"2.0","method":"echo","id":[1]})",            // id an array
             R"({"jsonrpc":"2.0","method":"echo","id":true})",           // id a boolean
             R"({"jsonrpc":"2.0","method":"echo","id":1e999999})",       // id a number that is no id
             R"({"jsonrpc":"2.0","method":"echo","id":18446744073709551616})",  // beyond 64 bits
         }) {
        CAPTURE(body);
        check_error(f.call(body), -32600, "invalid_request");
    }
}

TEST_CASE("an invalid request echoes a usable id and nulls an unusable one") {
    Fixture f;
    CHECK(f.call(R"({"jsonrpc":"1.0","method":"echo","id":"a"})").at("id") == "a");
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","id":[1]})").at("id").is_null());
    // The response to an unusable numeric id is still valid JSON, with a null id.
    const std::string out = f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"echo","id":1e999999})");
    json::error_code ec;
    const json::value reply = json::parse(out, ec);
    REQUIRE_FALSE(ec);
    CHECK(reply.at("id").is_null());
    // Integer ids at the edges of 64 bits come back exactly.
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","id":18446744073709551615})").at("id") == json::value(18446744073709551615ull));
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","id":-9223372036854775808})").at("id").as_int64() == INT64_MIN);
}

TEST_CASE("an invalid request without an id still gets an error") {
    Fixture f;
    check_error(f.call(R"({"jsonrpc":"2.0","method":"echo","params":3})"), -32600, "invalid_request");
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","params":3})").at("id").is_null());
}

TEST_CASE("an unknown method is method not found") {
    Fixture f;
    const auto response = f.call(R"({"jsonrpc":"2.0","method":"nope","id":"q"})");
    check_error(response, -32601, "method_not_found");
    CHECK(response.at("id") == "q");
}

TEST_CASE("a handler's invalid params error is passed through") {
    Fixture f;
    const auto response = f.call(R"({"jsonrpc":"2.0","method":"fail","params":{},"id":3})");
    check_error(response, -32602, "invalid_params");
    CHECK(response.at("error").at("message") == "height must be a number");
    CHECK(response.at("id") == 3);
}

TEST_CASE("a project error keeps its code and reason") {
    JsonRpcDispatcher dispatcher;
    dispatcher.add("get_receipt", [](const json::value&) -> MethodResult {
        return RpcError{-32004, "record not committed", "not_found"};
    });
    const auto response = json::parse(dispatcher.handle(R"({"jsonrpc":"2.0","method":"get_receipt","id":1})"));
    check_error(response, -32004, "not_found");
    CHECK(response.at("error").at("message") == "record not committed");
}

TEST_CASE("a handler that throws becomes an internal error") {
    Fixture f;
    const auto response = f.call(R"({"jsonrpc":"2.0","method":"throw","id":4})");
    check_error(response, -32603, "internal");
    CHECK(response.at("id") == 4);
}

TEST_CASE("ids keep their type: string, integer, fraction and null") {
    Fixture f;
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"echo","id":"abc"})") ==
          R"({"jsonrpc":"2.0","id":"abc","result":null})");
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"echo","id":-12})") ==
          R"({"jsonrpc":"2.0","id":-12,"result":null})");
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"echo","id":18446744073709551615})") ==
          R"({"jsonrpc":"2.0","id":18446744073709551615,"result":null})");
    CHECK(f.call(R"({"jsonrpc":"2.0","method":"echo","id":1.5})").at("id") == 1.5);
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"echo","id":null})") ==
          R"({"jsonrpc":"2.0","id":null,"result":null})");
}

TEST_CASE("a notification runs but gets no response") {
    Fixture f;
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"count"})").empty());
    CHECK(f.calls == 1);
    // Not even for an unknown method or a failing handler.
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"nope"})").empty());
    CHECK(f.dispatcher.handle(R"({"jsonrpc":"2.0","method":"throw"})").empty());
}

TEST_CASE("a batch answers each request in order and skips notifications") {
    Fixture f;
    const auto response = f.call(R"([
        {"jsonrpc":"2.0","method":"echo","params":[1],"id":1},
        {"jsonrpc":"2.0","method":"count"},
        {"jsonrpc":"2.0","method":"nope","id":"b"},
        {"foo":"boo"},
        {"jsonrpc":"2.0","method":"fail","params":{},"id":null},
        7,
        {"jsonrpc":"2.0","method":"count","id":2}
    ])");
    REQUIRE(response.is_array());
    const auto& entries = response.as_array();
    REQUIRE(entries.size() == 6);
    CHECK(entries[0] == json::parse(R"({"jsonrpc":"2.0","id":1,"result":[1]})"));
    check_error(entries[1], -32601, "method_not_found");
    CHECK(entries[1].at("id") == "b");
    check_error(entries[2], -32600, "invalid_request");
    CHECK(entries[2].at("id").is_null());
    check_error(entries[3], -32602, "invalid_params");
    CHECK(entries[3].at("id").is_null());
    check_error(entries[4], -32600, "invalid_request");
    CHECK(entries[5] == json::parse(R"({"jsonrpc":"2.0","id":2,"result":2})"));
    CHECK(f.calls == 2);
}

TEST_CASE("a batch of only notifications gives an empty body") {
    Fixture f;
    CHECK(f.dispatcher.handle(R"([{"jsonrpc":"2.0","method":"count"},{"jsonrpc":"2.0","method":"count"}])").empty());
    CHECK(f.calls == 2);
}

TEST_CASE("an empty batch is one invalid request error") {
    Fixture f;
    const auto response = f.call("[]");
    check_error(response, -32600, "invalid_request");
    CHECK(response.at("id").is_null());
    CHECK(response.at("error").at("message") == "empty batch");
}

TEST_CASE("a batch over batch_max is refused as too large without running anything") {
    Fixture f;
    f.dispatcher.batch_max = 3;
    const std::string entry = R"({"jsonrpc":"2.0","method":"count","id":1})";
    const auto refused = f.call("[" + entry + "," + entry + "," + entry + "," + entry + "]");
    check_error(refused, -32600, "too_large");
    CHECK(refused.at("id").is_null());
    CHECK(f.calls == 0);

    const auto accepted = f.call("[" + entry + "," + entry + "," + entry + "]");
    REQUIRE(accepted.is_array());
    CHECK(accepted.as_array().size() == 3);
    CHECK(f.calls == 3);
}

TEST_CASE("a gate refuses a call before its handler runs; the batch's other calls are answered") {
    Fixture f;
    int batched = 0;
    f.dispatcher.add_batched("many", [&batched](const std::vector<const json::value*>& p) {
        batched += static_cast<int>(p.size());
        return std::vector<MethodResult>(p.size(), json::value(1));
    });
    std::vector<std::string> asked;
    const CallGate gate = [&asked](const std::string& method, const json::value& params) -> std::optional<RpcError> {
        asked.push_back(method);
        if (method == "count" || (method == "many" && params.is_object() && params.as_object().contains("deny")))
            return RpcError{-32091, method + ": sign it", "auth_required"};
        return std::nullopt;
    };
    auto one = json::parse(f.dispatcher.handle(R"({"jsonrpc":"2.0","id":1,"method":"count"})", gate));
    check_error(one, -32091, "auth_required");
    CHECK(f.calls == 0);
    auto batch = json::parse(f.dispatcher.handle(
        R"([{"jsonrpc":"2.0","id":1,"method":"echo","params":[7]},{"jsonrpc":"2.0","id":2,"method":"count"},)"
        R"({"jsonrpc":"2.0","id":3,"method":"many","params":{"deny":1}},{"jsonrpc":"2.0","id":4,"method":"many"},)"
        R"({"jsonrpc":"2.0","id":5,"method":"nope"}])",
        gate));
    REQUIRE(batch.as_array().size() == 5);
    CHECK(batch.at(0).at("result") == json::array{7});
    check_error(batch.at(1), -32091, "auth_required");
    check_error(batch.at(2), -32091, "auth_required");
    CHECK(batch.at(3).at("result") == 1);
    check_error(batch.at(4), -32601, "method_not_found");  // unknown methods never reach the gate
    CHECK(f.calls == 0);
    CHECK(batched == 1);
    CHECK(asked == std::vector<std::string>{"count", "echo", "count", "many", "many"});
}

}  // namespace
}  // namespace jchain::rpc
