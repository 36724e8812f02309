#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "node/read_access.h"
#include "tests/support/suite.h"
#include "tests/support/test_chain.h"

using namespace jchain;

namespace {

constexpr std::uint64_t now = 1'700'000'100'000;
const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"get_record","params":{"id":"00"}})";

struct Fixture {
    test::TestChain tc;
    chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);

    std::variant<node::Reader, node::ReadDenial> check(const std::string& header, const std::string& b = body,
                                                       std::uint64_t height = 2) const {
        return node::check_read_request(state, height, header, b, now);
    }
    std::string sign(const crypto::KeyPair& key, std::uint64_t time_ms = now, const std::string& b = body) const {
        return node::read_authorization(tc.suite, key, tc.genesis.chain_id, time_ms, b);
    }
};

std::string reason(const std::variant<node::Reader, node::ReadDenial>& v) {
    const auto* d = std::get_if<node::ReadDenial>(&v);
    return d ? d->reason : "admitted";
}

}  // namespace

TEST_CASE("a request signed by a member, a validator or an observer node in force is admitted, with its role") {
    Fixture f;
    auto court = f.check(f.sign(f.tc.court));
    REQUIRE(reason(court) == "admitted");
    CHECK(std::get<node::Reader>(court).role == "court");
    auto validator = f.check(f.sign(f.tc.validator));
    REQUIRE(reason(validator) == "admitted");
    CHECK(std::get<node::Reader>(validator).role == "validator");
    f.state.nodes.push_back({"observer", f.tc.outsider.public_key, 1, 0});
    auto observer = f.check(f.sign(f.tc.outsider));
    REQUIRE(reason(observer) == "admitted");
    CHECK(std::get<node::Reader>(observer).role == "node");
}

TEST_CASE("the signature covers the exact body, the chain id and the time") {
    Fixture f;
    const std::string header = f.sign(f.tc.court);
    CHECK(reason(f.check(header)) == "admitted");
    CHECK(reason(f.check(header, body + " ")) == "bad_signature");  // one byte more
    std::string other = body;
    other[other.size() - 4] = '1';
    CHECK(reason(f.check(header, other)) == "bad_signature");
    const std::string other_chain = node::read_authorization(f.tc.suite, f.tc.court, "jchain-other", now, body);
    CHECK(reason(f.check(other_chain)) == "bad_signature");
    // The time in the header is the time signed: changing it breaks the signature.
    std::string moved = header;
    moved.replace(moved.find(std::to_string(now)), std::to_string(now).size(), std::to_string(now - 1));
    CHECK(reason(f.check(moved)) == "bad_signature");
}

TEST_CASE("a time outside the chain's client-time window is stale, either way, before any signature is checked") {
    Fixture f;
    const std::uint64_t window = f.state.params.client_time_window_ms;
    CHECK(reason(f.check(f.sign(f.tc.court, now - window))) == "admitted");
    CHECK(reason(f.check(f.sign(f.tc.court, now + window))) == "admitted");
    CHECK(reason(f.check(f.sign(f.tc.court, now - window - 1))) == "stale_time");
    CHECK(reason(f.check(f.sign(f.tc.court, now + window + 1))) == "stale_time");
    // Stale before the signature: a header with garbage for sig is still stale_time.
    const std::string stale = "JChain-Sig key=" + to_hex(f.tc.court.public_key.bytes) + ",time=1,sig=3000";
    CHECK(reason(f.check(stale)) == "stale_time");
}

TEST_CASE("a key not in force is refused: never known, or a member whose term ended") {
    Fixture f;
    CHECK(reason(f.check(f.sign(test::key_from_scalar(9)))) == "unknown_key");
    for (auto& m : f.state.members)
        if (m.key == f.tc.police.public_key) m.until_height = 2;
    CHECK(reason(f.check(f.sign(f.tc.police), body, 1)) == "admitted");
    CHECK(reason(f.check(f.sign(f.tc.police), body, 2)) == "suspended");
}

TEST_CASE("a missing or malformed Authorization header is refused by its form") {
    Fixture f;
    CHECK(reason(f.check("")) == "auth_required");
    const std::string key = to_hex(f.tc.court.public_key.bytes);
    const std::string t = std::to_string(now);
    for (const std::string& bad : std::vector<std::string>{"Bearer x", "JChain-Sig", "JChain-Sigkey=1", "JChain-Sig key=" + key + ",time=" + t,
                                  "JChain-Sig key=" + key + ",time=" + t + ",sig=30,sig=30",
                                  "JChain-Sig key=" + key + ",time=" + t + ",sig=30,nonce=1",
                                  "JChain-Sig key=" + key + ",time=-5,sig=30", "JChain-Sig key=" + key + ",time=,sig=30",
                                  "JChain-Sig key=02,time=" + t + ",sig=30", "JChain-Sig " + std::string(600, 'a')}) {
        CAPTURE(bad);
        CHECK(reason(f.check(bad)) == "bad_auth_header");
    }
    // Upper-case hex is not the form.
    std::string upper = f.sign(f.tc.court);
    const auto at = upper.find("sig=") + 4;
    for (std::size_t i = at; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    CHECK(reason(f.check(upper)) == "bad_signature");
    // Fields in any order, spaces after commas.
    const std::string header = f.sign(f.tc.court);
    const auto k = header.substr(header.find("key=")), parts_key = k.substr(0, k.find(','));
    const auto s = header.substr(header.find("sig="));
    CHECK(reason(f.check("JChain-Sig " + s + ", time=" + t + ", " + parts_key)) == "admitted");
}

TEST_CASE("which calls need a key: the listing methods unless opened; a block's header alone never") {
    const boost::json::value none = boost::json::object{};
    CHECK(node::call_needs_key("get_record", none, {}));
    CHECK_FALSE(node::call_needs_key("case_history", none, {}));  // a tag is the case key's capability
    CHECK(node::call_needs_key("get_block", boost::json::object{{"height", 1}}, {}));
    CHECK_FALSE(node::call_needs_key("get_block", boost::json::object{{"height", 1}, {"header_only", true}}, {}));
    CHECK(node::call_needs_key("get_block", boost::json::object{{"height", 1}, {"header_only", false}}, {}));
    for (const char* m : {"status", "verify_hash", "get_receipt", "submit_record", "get_checkpoint", "list_members"})
        CHECK_FALSE(node::call_needs_key(m, none, {}));
    CHECK_FALSE(node::call_needs_key("get_record", none, {"get_record"}));
    CHECK(node::call_needs_key("get_block", none, {"get_record"}));
}

TEST_CASE("sm2-sm3: a reader signs with SM2 over SM3 digests, under the chain's signer ID") {
    test::TestChain tc(crypto::Suite::sm2_sm3());
    const chain::ChainState state = chain::ChainState::from_genesis(tc.genesis);
    const std::string header = node::read_authorization(tc.suite, tc.court, tc.genesis.chain_id, now, body);
    CHECK(reason(node::check_read_request(state, 2, header, body, now)) == "admitted");
    CHECK(reason(node::check_read_request(state, 2, header, body + " ", now)) == "bad_signature");
}
