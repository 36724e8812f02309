// Checkpoints as C2SP signed notes (chain/checkpoint.h): base64, Ed25519 and the note
// format against published vectors (RFC 4648, RFC 8032, the Go sumdb note example),
// then validator signatures and witness cosignatures against a 4-validator set: quorum,
// tampering, unknown keys, malformed notes.
#include <doctest/doctest.h>

#include <algorithm>

#include "base/base64.h"
#include "chain/checkpoint.h"
#include "tests/support/test_chain.h"
#include "tests/support/suite.h"

using namespace jchain;
using chain::Checkpoint;

namespace {

crypto::Ed25519PrivateKey seed_of(std::string_view hex) { return {*from_hex_fixed<32>(hex)}; }

struct Fixture {
    std::vector<crypto::KeyPair> keys;
    chain::ValidatorSet set;
    std::string origin = "jchain.log/test/00";
    Checkpoint cp;
    crypto::Ed25519KeyPair witness_key = crypto::ed25519_from_seed(seed_of(std::string(64, '7')));
    chain::Witness witness{"witness.example/court-b", witness_key.public_key};

    Fixture() {
        for (std::uint8_t i = 1; i <= 4; ++i) keys.push_back(test::key_from_scalar(i));
        for (std::size_t i = 0; i < keys.size(); ++i) set.validators.push_back({"v" + std::to_string(i), keys[i].public_key, 1});
        std::sort(set.validators.begin(), set.validators.end(), [](auto& a, auto& b) { return a.key < b.key; });
        cp = {origin, 42, crypto::sha256(as_bytes(std::string_view("root")))};
    }
    std::string note(std::size_t signers) const {
        chain::Note n{chain::checkpoint_body(cp), {}};
        for (std::size_t i = 0; i < signers; ++i) n.signatures.push_back(chain::sign_checkpoint(default_suite, keys[i], origin, n.body));
        return chain::format_note(n);
    }
};

}  // namespace

TEST_CASE("base64 is RFC 4648's, and strict") {
    const std::pair<std::string_view, std::string_view> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
        CHECK(to_base64(as_bytes(plain)) == encoded);
        auto back = from_base64(encoded);
        REQUIRE(back);
        CHECK(std::string(back->begin(), back->end()) == plain);
    }
    for (std::string_view bad : {"Zg=", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm 9", "Zm9v\n", "=Zm9"})
        CHECK_MESSAGE(!from_base64(bad), bad);
}

TEST_CASE("Ed25519 matches RFC 8032 test 1 and refuses a changed message") {
    auto pair = crypto::ed25519_from_seed(seed_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    CHECK(to_hex(pair.public_key.bytes) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const auto sig = crypto::ed25519_sign(pair.private_key, {});
    CHECK(to_hex(sig) ==
          "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    CHECK(crypto::ed25519_verify(pair.public_key, {}, sig));
    const std::uint8_t one = 1;
    CHECK_FALSE(crypto::ed25519_verify(pair.public_key, ByteSpan(&one, 1), sig));
}

TEST_CASE("the signed-note format reads the Go sumdb example, key id and signature") {
    // golang.org/x/mod/sumdb/note's documented example: an Ed25519 (type 0x01) note.
    const std::string text =
        "If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n"
        "\n"
        "\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    auto note = chain::parse_note(text);
    REQUIRE_MESSAGE(note, note.message());
    CHECK(chain::format_note(*note) == text);
    REQUIRE(note->signatures.size() == 1);
    CHECK(note->signatures[0].name == "PeterNeumann");
    CHECK(note->signatures[0].key_id == 0xc74f20a3);
    auto key = from_base64("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");  // vkey PeterNeumann+c74f20a3+...
    REQUIRE(key);
    REQUIRE(key->size() == 33);
    Bytes id_input(note->signatures[0].name.begin(), note->signatures[0].name.end());
    id_input.push_back('\n');
    id_input.insert(id_input.end(), key->begin(), key->end());
    const auto h = crypto::sha256(id_input);
    CHECK(to_hex(ByteSpan(h.data(), 4)) == "c74f20a3");
    crypto::Ed25519PublicKey pub;
    std::copy(key->begin() + 1, key->end(), pub.bytes.begin());
    crypto::Ed25519Signature sig{};
    REQUIRE(note->signatures[0].signature.size() == 64);
    std::copy(note->signatures[0].signature.begin(), note->signatures[0].signature.end(), sig.begin());
    CHECK(crypto::ed25519_verify(pub, as_bytes(note->body), sig));
}

TEST_CASE("a checkpoint body has exactly origin, size and root") {
    Fixture f;
    const std::string body = chain::checkpoint_body(f.cp);
    CHECK(body == f.origin + "\n42\n" + to_base64(f.cp.root) + "\n");
    auto back = chain::parse_checkpoint_body(body);
    REQUIRE(back);
    CHECK(*back == f.cp);
    for (std::string bad : {f.origin + "\n042\n" + to_base64(f.cp.root) + "\n", f.origin + "\n42\n" + to_base64(f.cp.root),
                            f.origin + "\n42\n" + to_base64(f.cp.root) + "\nextension\n", f.origin + "\n42\nAAAA\n",
                            "\n42\n" + to_base64(f.cp.root) + "\n", f.origin + "\n-1\n" + to_base64(f.cp.root) + "\n"})
        CHECK_MESSAGE(!chain::parse_checkpoint_body(bad), bad);
}

TEST_CASE("the origin names the chain and its genesis") {
    test::TestChain t;
    const std::string origin = chain::checkpoint_origin(t.genesis);
    CHECK(origin == "jchain.log/jchain-test/" + to_hex(chain::genesis_hash(t.genesis)));
    t.genesis.chain_id = "法院 chain+1";
    CHECK(chain::checkpoint_origin(t.genesis).starts_with("jchain.log/chain/"));
}

TEST_CASE("validator signatures: more than 2/3 of the power, each counted once") {
    Fixture f;
    auto v = chain::verify_checkpoint(default_suite, f.note(3), f.origin, f.set, {});
    CHECK_MESSAGE(v.ok(), v.summary());
    CHECK(v.power == 3);
    CHECK(v.validators.size() == 3);
    auto two = chain::verify_checkpoint(default_suite, f.note(2), f.origin, f.set, {});
    CHECK(two.error.empty());
    CHECK_FALSE(two.quorum());
    CHECK_FALSE(two.ok());
    // The same signature line three times is one signer.
    std::string dup = f.note(2);
    const std::string line = dup.substr(dup.rfind("\xE2\x80\x94"));
    auto repeated = chain::verify_checkpoint(default_suite, dup + line + line, f.origin, f.set, {});
    CHECK(repeated.power == 2);
    CHECK_FALSE(repeated.ok());
}

TEST_CASE("a changed size, root or origin breaks the validators' signatures") {
    Fixture f;
    const std::string good = f.note(4);
    std::string bigger = good;
    bigger.replace(bigger.find("\n42\n"), 4, "\n43\n");
    auto v = chain::verify_checkpoint(default_suite, bigger, f.origin, f.set, {});
    CHECK(v.error.empty());
    CHECK(v.invalid.size() == 4);
    CHECK_FALSE(v.ok());
    auto other = chain::verify_checkpoint(default_suite, good, "jchain.log/other/00", f.set, {});
    CHECK(other.error.find("origin") != std::string::npos);
    // A signature by a key outside the set is ignored, not counted.
    chain::Note n = *chain::parse_note(f.note(2));
    n.signatures.push_back(chain::sign_checkpoint(default_suite, test::key_from_scalar(9), f.origin, n.body));
    auto outsider = chain::verify_checkpoint(default_suite, chain::format_note(n), f.origin, f.set, {});
    CHECK(outsider.ignored.size() == 1);
    CHECK(outsider.power == 2);
}

TEST_CASE("witness cosignatures are C2SP cosignature/v1 and only known witnesses count") {
    Fixture f;
    chain::Note n = *chain::parse_note(f.note(3));
    n.signatures.push_back(chain::cosign_checkpoint(f.witness, f.witness_key.private_key, n.body, 1'700'000'000));
    const std::string text = chain::format_note(n);

    auto parsed = chain::parse_witness_vkey(f.witness.vkey());
    REQUIRE_MESSAGE(parsed, parsed.message());
    CHECK(parsed->key == f.witness.key);
    CHECK(f.witness.vkey().starts_with("witness.example/court-b+"));
    // Keys whose base64 holds '+' (about one in three) read back too.
    for (std::uint8_t i = 0; i < 40; ++i) {
        crypto::Ed25519PrivateKey seed{};
        seed.seed[0] = i;
        chain::Witness w{"w.example/" + std::to_string(i), crypto::ed25519_from_seed(seed).public_key};
        auto back = chain::parse_witness_vkey(w.vkey());
        REQUIRE_MESSAGE(back, w.vkey());
        CHECK(back->key == w.key);
    }

    auto v = chain::verify_checkpoint(default_suite, text, f.origin, f.set, {f.witness});
    CHECK_MESSAGE(v.ok(), v.summary());
    REQUIRE(v.witnesses.size() == 1);
    CHECK(v.witnesses[0].timestamp == 1'700'000'000);
    // Unknown to the reader: ignored and reported, the note still stands on the validators.
    auto unknown = chain::verify_checkpoint(default_suite, text, f.origin, f.set, {});
    CHECK(unknown.ok());
    CHECK(unknown.ignored == std::vector<std::string>{"witness.example/court-b"});
    // A cosignature whose timestamp was changed no longer verifies.
    n.signatures.back().signature[7] ^= 1;
    auto bad = chain::verify_checkpoint(default_suite, chain::format_note(n), f.origin, f.set, {f.witness});
    CHECK(bad.invalid == std::vector<std::string>{"witness witness.example/court-b"});
    CHECK_FALSE(bad.ok());
}

TEST_CASE("malformed notes and verifier keys get one clear message") {
    Fixture f;
    const std::string good = f.note(3);
    const std::string no_blank = good.substr(0, good.find("\n\n")) + "\n" + good.substr(good.find("\n\n") + 2);
    for (auto [text, expect] : std::vector<std::pair<std::string, std::string>>{
             {"", "newline"},
             {good.substr(0, good.size() - 1), "newline"},
             {no_blank, "blank line"},
             {chain::checkpoint_body(f.cp) + "\n", "no signature line"},
             {chain::checkpoint_body(f.cp) + "\n- x AAAAAAA=\n", "em dash"},
             {chain::checkpoint_body(f.cp) + "\n\xE2\x80\x94 x !!!!\n", "base64"},
             {chain::checkpoint_body(f.cp) + "\n\xE2\x80\x94 x\n", "no signature"},
             {"a\x01\n\n" + good.substr(good.find("\xE2\x80\x94")), "control"},
             {std::string(chain::checkpoint_note_bytes_max + 1, 'a'), "larger"},
         }) {
        auto n = chain::parse_note(text);
        REQUIRE_FALSE(n);
        CHECK_MESSAGE(n.message().find(expect) != std::string::npos, n.message());
    }
    for (std::string_view bad : {"no-plus", "a+b", "w+0000000+AAAA", "w+00000000+BBBB", " w+00000000+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
        CHECK_MESSAGE(!chain::parse_witness_vkey(bad), bad);
    std::string wrong_id = f.witness.vkey();
    wrong_id[wrong_id.find('+') + 1] = wrong_id[wrong_id.find('+') + 1] == '0' ? '1' : '0';
    CHECK(chain::parse_witness_vkey(wrong_id).message().find("key id") != std::string::npos);
}
