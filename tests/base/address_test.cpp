#include <doctest/doctest.h>

#include "base/address.h"

using namespace jchain;

TEST_CASE("host:port addresses parse, IPv6 in brackets, ports 0..65535") {
    CHECK(parse_host_port("127.0.0.1:26656") == HostPort{"127.0.0.1", 26656});
    CHECK(parse_host_port("court.example:0") == HostPort{"court.example", 0});
    CHECK(parse_host_port("[::1]:65535") == HostPort{"::1", 65535});
    for (const char* bad : {"", "26656", ":26656", "host:", "host:65536", "host:-1", "host:+1", "host:1x", "host: 1",
                            "host:123456", "[::1:80", "[]:80", "::1:80", "host:99999999999999999999"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_host_port(bad));
    }
}
