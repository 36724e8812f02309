// "host:port" addresses (node.toml's listen addresses and peers): one parser for the
// config and the peer network. IPv6 hosts are bracketed: "[::1]:26656".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jchain {

struct HostPort {
    std::string host;  // without the brackets of an IPv6 address
    std::uint16_t port = 0;  // 0 is allowed: "pick a free port" for a listener
    bool operator==(const HostPort&) const = default;
};

// nullopt when `address` is not host:port: no colon, an empty host, an unclosed
// bracket, or a port that is not 0..65535 in decimal digits.
std::optional<HostPort> parse_host_port(std::string_view address);

}  // namespace jchain
