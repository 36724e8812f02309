// ByteWriter and ByteReader: the primitives of JChain's canonical encoding
// (docs/encoding.md): big-endian fixed-width integers, and byte strings prefixed by
// their length as a big-endian u32. The reader never reads past its input and never
// allocates more than the input holds.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "base/hex.h"

namespace jchain {

class ByteWriter {
public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { be(v, 2); }
    void u32(std::uint32_t v) { be(v, 4); }
    void u64(std::uint64_t v) { be(v, 8); }
    void raw(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
    template <std::size_t N>
    void fixed(const std::array<std::uint8_t, N>& a) { raw(a); }
    // u32 length, then the bytes. Callers bound what they encode (chain/limits.h) far
    // below 4 GiB; a longer value is a bug, not something to truncate silently.
    void var(ByteSpan b) {
        assert(b.size() <= std::numeric_limits<std::uint32_t>::max());
        u32(static_cast<std::uint32_t>(b.size()));
        raw(b);
    }
    void str(std::string_view s) { var(as_bytes(s)); }

    const Bytes& bytes() const& { return out_; }
    Bytes take() && { return std::move(out_); }

private:
    void be(std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    Bytes out_;
};

class ByteReader {
public:
    explicit ByteReader(ByteSpan in) : in_(in) {}

    std::optional<std::uint8_t> u8() { auto v = be(1); return v ? std::optional<std::uint8_t>(*v) : std::nullopt; }
    std::optional<std::uint16_t> u16() { auto v = be(2); return v ? std::optional<std::uint16_t>(*v) : std::nullopt; }
    std::optional<std::uint32_t> u32() { auto v = be(4); return v ? std::optional<std::uint32_t>(*v) : std::nullopt; }
    std::optional<std::uint64_t> u64() { return be(8); }
    template <std::size_t N>
    std::optional<std::array<std::uint8_t, N>> fixed() {
        if (remaining() < N) return std::nullopt;
        std::array<std::uint8_t, N> a{};
        for (std::size_t i = 0; i < N; ++i) a[i] = in_[pos_ + i];
        pos_ += N;
        return a;
    }
    // Reads N bytes into `out`; false (and `out` untouched) when fewer remain.
    template <std::size_t N>
    bool fixed_into(std::array<std::uint8_t, N>& out) {
        auto v = fixed<N>();
        if (v) out = *v;
        return v.has_value();
    }
    // A u32-length-prefixed byte string of at most max_bytes.
    std::optional<Bytes> var(std::size_t max_bytes) {
        auto n = u32();
        if (!n || *n > max_bytes || *n > remaining()) return std::nullopt;
        Bytes b(in_.begin() + pos_, in_.begin() + pos_ + *n);
        pos_ += *n;
        return b;
    }
    std::optional<std::string> str(std::size_t max_bytes) {
        auto b = var(max_bytes);
        if (!b) return std::nullopt;
        return std::string(b->begin(), b->end());
    }
    std::size_t remaining() const { return in_.size() - pos_; }
    bool done() const { return pos_ == in_.size(); }

private:
    std::optional<std::uint64_t> be(std::size_t n) {
        if (remaining() < n) return std::nullopt;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = v << 8 | in_[pos_ + i];
        pos_ += n;
        return v;
    }
    ByteSpan in_;
    std::size_t pos_ = 0;
};

}  // namespace jchain
