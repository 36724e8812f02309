#include "crypto/hash.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <doctest/doctest.h>

namespace jchain::crypto {
namespace {

std::string hex(const Hash& h) { return to_hex(h); }

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "jchain-hash-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    REQUIRE(out.good());
}

}  // namespace

// Expected values are the FIPS 180-2 appendix B examples and the empty-string digest.
TEST_CASE("sha256 of the empty string matches the standard value") {
    CHECK(hex(sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256 of abc matches FIPS 180-2") {
    CHECK(hex(sha256(as_bytes("abc"))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256 of the two-block FIPS 180-2 message matches") {
    CHECK(hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 of one million a's matches FIPS 180-2") {
    const std::string million(1'000'000, 'a');
    const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    CHECK(hex(sha256(as_bytes(million))) == expected);

    // The same, fed incrementally in pieces that do not line up with 64-byte blocks.
    Sha256 hasher;
    std::string_view rest = million;
    while (!rest.empty()) {
        std::size_t n = std::min<std::size_t>(rest.size(), 1000 + 7);
        hasher.update(as_bytes(rest.substr(0, n)));
        rest.remove_prefix(n);
    }
    CHECK(hex(hasher.finish()) == expected);
}

TEST_CASE("incremental hashing equals one-shot hashing for every split point") {
    std::string data;
    for (int i = 0; i < 200; ++i) data.push_back(static_cast<char>(i * 37 + 11));
    for (std::size_t len : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 128u, 200u}) {
        std::string_view msg = std::string_view{data}.substr(0, len);
        const Hash expected = sha256(as_bytes(msg));
        for (std::size_t split = 0; split <= len; ++split) {
            Sha256 hasher;
            hasher.update(as_bytes(msg.substr(0, split)));
            hasher.update({});  // an empty update changes nothing
            hasher.update(as_bytes(msg.substr(split)));
            CHECK_MESSAGE(hasher.finish() == expected, "len=", len, " split=", split);
        }
    }
}

TEST_CASE("a hasher with no input gives the empty-string digest") {
    Sha256 hasher;
    CHECK(hasher.finish() == sha256({}));
}

TEST_CASE("sha256_file equals sha256 of the file's bytes across chunk boundaries") {
    TempDir dir;
    // Sizes around the 64 KiB read chunk, and one spanning several chunks.
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536},
                             std::size_t{65537}, std::size_t{3 * 65536 + 17}}) {
        std::string content(size, '\0');
        for (std::size_t i = 0; i < size; ++i) content[i] = static_cast<char>((i * 131) ^ (i >> 8));
        const std::string path = dir.file("f" + std::to_string(size));
        write_file(path, content);
        Result<Hash> h = sha256_file(path);
        REQUIRE_MESSAGE(h.is_ok(), h.message());
        CHECK_MESSAGE(*h == sha256(as_bytes(content)), "size=", size);
    }
}

TEST_CASE("sha256_file of a missing file names the path and the reason") {
    TempDir dir;
    const std::string path = dir.file("no-such-file");
    Result<Hash> h = sha256_file(path);
    REQUIRE_FALSE(h.is_ok());
    CHECK(h.message().find(path) != std::string::npos);
    CHECK(h.message().find("No such file or directory") != std::string::npos);
}

TEST_CASE("sha256_file of a directory is an error, not a digest") {
    TempDir dir;
    Result<Hash> h = sha256_file(dir.file(""));
    REQUIRE_FALSE(h.is_ok());
    CHECK(h.message().find("Is a directory") != std::string::npos);
}

}  // namespace jchain::crypto
