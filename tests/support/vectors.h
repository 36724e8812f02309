// The frozen test vectors of docs/encoding.md (tests/data/vectors/), read as JSON.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace jchain::test {

// `name` under tests/data/vectors/, e.g. "genesis.json" or "sm2-sm3/genesis.json".
inline boost::json::value vector_file(const std::string& name) {
    const std::string path = std::string(JCHAIN_TEST_DATA) + "/vectors/" + name;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    std::stringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str());
}

inline std::string text(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

}  // namespace jchain::test
