// to_cereal / from_cereal: a value to and from cereal portable binary bytes.
// from_cereal never throws: malformed or oversized input is nullopt.
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "chain/serialize.h"

namespace jchain::chain {

template <class T>
std::string to_cereal(const T& value) {
    std::ostringstream out;
    {
        cereal::PortableBinaryOutputArchive ar(out);
        ar(value);
    }
    return std::move(out).str();
}

template <class T>
std::optional<T> from_cereal(std::string_view bytes) {
    try {
        std::istringstream in{std::string(bytes)};
        cereal::PortableBinaryInputArchive ar(in);
        T value{};
        ar(value);
        return value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace jchain::chain
