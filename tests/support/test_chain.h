// Test helpers: a temporary directory, a small genesis with fixed keys, and signed
// records and blocks built the way the node builds them.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "chain/block_builder.h"
#include "chain/genesis.h"
#include "chain/record_privacy.h"
#include "chain/state.h"
#include "crypto/keys.h"
#include "tests/support/suite.h"

namespace jchain::test {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("jchain-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string str() const { return path_.string(); }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline crypto::KeyPair key_from_scalar(std::uint8_t last, const crypto::Suite& suite = default_suite) {
    crypto::PrivateKey k;
    k.bytes[31] = last;
    return *suite.key_pair_from_private(k);
}

// Validator: scalar 1. Members: court (scalar 2), police (scalar 3). Under the default
// suite unless one is given (TestChain(crypto::Suite::sm2_sm3()) for the national suite).
struct TestChain {
    crypto::Suite suite;
    crypto::KeyPair validator, court, police, outsider;
    chain::Genesis genesis;

    explicit TestChain(crypto::Suite s = default_suite)
        : suite(std::move(s)),
          validator(key_from_scalar(1, suite)),
          court(key_from_scalar(2, suite)),
          police(key_from_scalar(3, suite)),
          outsider(key_from_scalar(4, suite)) {
        genesis.suite = suite;
        genesis.chain_id = "jchain-test";
        genesis.genesis_time_ms = 1'700'000'000'000;
        genesis.validators.validators.push_back({"v0", validator.public_key, 1});
        genesis.members.push_back({"Court", court.public_key, "court", 0});
        genesis.members.push_back({"Police", police.public_key, "police", 0});
        std::sort(genesis.members.begin(), genesis.members.end(),
                  [](const chain::Member& a, const chain::Member& b) { return a.key < b.key; });
        genesis.policy = chain::default_policy();
        genesis.params.client_time_window_ms = 60'000;
    }

    chain::Record record(std::uint64_t n, const crypto::KeyPair& by, chain::Kind kind = chain::Kind::evidence,
                         std::uint64_t time_ms = 1'700'000'000'000) const {
        chain::Record r;
        r.chain_id = genesis.chain_id;
        r.kind = kind;
        r.content_hash = suite.hash(as_bytes("content " + std::to_string(n)));
        if (kind != chain::Kind::governance)
            r.case_tag = chain::case_tag(suite, chain::CaseKey{}, r.chain_id, "case-" + std::to_string(n % 3));
        r.client_time_ms = time_ms;
        r.nonce = n;
        chain::sign_record(suite, r, by);
        return r;
    }

    // Next block over `records`, certified by the validator.
    struct Certified {
        chain::BuiltBlock built;
        chain::CommitCertificate cert;
    };
    Certified block(std::uint64_t prev_height, const chain::Hash& prev_hash, const chain::MerkleFrontier& frontier,
                    const std::vector<chain::Record>& records) const {
        std::vector<chain::Hash> ids;
        for (const auto& r : records) ids.push_back(chain::record_id(suite, r));
        auto built = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(genesis), prev_height + 1),
                                        prev_height, prev_height == 0 ? chain::genesis_hash(genesis) : prev_hash,
                                        genesis.genesis_time_ms + prev_height + 1, frontier, ids, records, validator.public_key);
        const chain::Hash h = chain::block_hash(suite, built.block.header);
        chain::CommitCertificate cert{built.block.header.height, 0, h,
                                      {chain::sign_precommit(suite, genesis.chain_id, built.block.header.height, 0, h, validator)}};
        return {std::move(built), std::move(cert)};
    }
};

}  // namespace jchain::test
