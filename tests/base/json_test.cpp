#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "base/json.h"

using namespace jchain;

TEST_CASE("strict JSON parsing builds the same value as Boost.JSON and names a member used twice") {
    const std::string text = R"({"a":[1,-2,3.5,true,null,"x\u0062"],"b":{"c":{},"d":[]},"e":"\ud83d\ude00"})";
    auto v = parse_json(text);
    REQUIRE(v.is_ok());
    CHECK(boost::json::serialize(*v) == boost::json::serialize(boost::json::parse(text)));

    auto message = [](std::string_view t) {
        auto r = parse_json(t);
        return r.is_ok() ? std::string("ok") : r.message();
    };
    CHECK(message(R"({"a": 1, "a": 1})") == "the member name \"a\" appears twice in one object");
    CHECK(message(R"({"x": {"a\u0062": 1, "ab": 2}})") == "the member name \"ab\" appears twice in one object");
    CHECK(message(R"([{"a": 1}, {"b": 1, "a": 2, "b": 3}])") == "the member name \"b\" appears twice in one object");
    // The same name in sibling or nested objects is not a repeat.
    CHECK(message(R"({"a": {"a": 1}, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]})") == "ok");
    CHECK(message(R"({"a": 1} x)") != "ok");
    CHECK(message(R"({"a": )") != "ok");
    CHECK(message("") != "ok");
}

TEST_CASE("a repeated member name is found in an object of many members, past the scanned few") {
    std::string text = "{";
    for (int i = 0; i < 5000; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    auto many = text;
    many.back() = '}';
    auto v = parse_json(many);
    REQUIRE(v.is_ok());
    CHECK(v->as_object().size() == 5000);
    for (int dup : {0, 7, 15, 16, 17, 4999}) {
        auto again = text + "\"k" + std::to_string(dup) + "\":0}";
        auto r = parse_json(again);
        REQUIRE_FALSE(r.is_ok());
        CHECK(r.message() == "the member name \"k" + std::to_string(dup) + "\" appears twice in one object");
    }
    // Below the set's threshold, the names after a nested object are still compared.
    CHECK_FALSE(parse_json(R"({"a": 1, "n": {"a": 1, "b": {"c": 1}}, "b": 2, "a": 3})").is_ok());
}
