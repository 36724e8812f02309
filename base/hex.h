// Lower-case hexadecimal, the only text form of bytes JChain prints or accepts
// (upper case is accepted on input; "0x" is not).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jchain {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

std::string to_hex(ByteSpan bytes);

// Decodes an even-length hex string; nullopt on any other character or odd length.
std::optional<Bytes> from_hex(std::string_view hex);

// Decodes exactly N bytes of hex; nullopt otherwise.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> from_hex_fixed(std::string_view hex) {
    if (hex.size() != 2 * N) return std::nullopt;
    auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
    return out;
}

inline ByteSpan as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace jchain
