#include <doctest/doctest.h>

#include "base/bytes.h"
#include "base/hex.h"

using namespace jchain;

TEST_CASE("the byte writer writes big-endian integers and length-prefixed strings, and the reader reads them back") {
    ByteWriter w;
    w.u8(0xab);
    w.u16(0x0102);
    w.u32(0x03040506);
    w.u64(0x0708090a0b0c0d0eull);
    w.str("法院");
    w.fixed(std::array<std::uint8_t, 3>{1, 2, 3});
    CHECK(to_hex(w.bytes()) == "ab" "0102" "03040506" "0708090a0b0c0d0e" "00000006e6b395e999a2" "010203");

    ByteReader r(w.bytes());
    CHECK(r.u8() == 0xab);
    CHECK(r.u16() == 0x0102);
    CHECK(r.u32() == 0x03040506u);
    CHECK(r.u64() == 0x0708090a0b0c0d0eull);
    CHECK(r.str(6) == std::string("法院"));
    CHECK(r.fixed<3>() == std::array<std::uint8_t, 3>{1, 2, 3});
    CHECK(r.remaining() == 0);
    CHECK_FALSE(r.u8());  // past the end: nothing, never a read beyond the input
}

TEST_CASE("the byte reader refuses a length beyond its limit or beyond the input, and a short integer") {
    ByteWriter w;
    w.str("abcdef");
    {
        ByteReader r(w.bytes());
        CHECK_FALSE(r.str(5));  // longer than the caller allows
    }
    {
        const Bytes cut(w.bytes().begin(), w.bytes().end() - 1);
        ByteReader r(cut);
        CHECK_FALSE(r.str(100));  // the length promises more than there is
    }
    const Bytes three = {1, 2, 3};
    ByteReader r(three);
    CHECK_FALSE(r.u32());
    CHECK_FALSE(r.fixed<4>());
}

TEST_CASE("hex is lower-case both ways, and malformed hex is refused") {
    const Bytes b = {0x00, 0x7f, 0x80, 0xff};
    CHECK(to_hex(b) == "007f80ff");
    CHECK(from_hex("007f80ff") == b);
    CHECK(from_hex("007F80FF") == b);  // upper case is read too
    CHECK(from_hex("") == Bytes{});
    CHECK_FALSE(from_hex("0"));      // odd length
    CHECK_FALSE(from_hex("0g"));     // not hex
    CHECK_FALSE(from_hex("0x00"));   // no prefix
    CHECK_FALSE(from_hex(" 00"));
    CHECK(from_hex_fixed<2>("abcd") == std::array<std::uint8_t, 2>{0xab, 0xcd});
    CHECK_FALSE(from_hex_fixed<2>("abcdef"));  // wrong length
}
