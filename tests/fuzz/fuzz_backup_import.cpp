// Backup files (node/backup.h, docs/backup.md): node::import_chain on an arbitrary
// stream, into an in-memory store (fuzz_support.h's MemoryStore: LevelDB per input
// would cost milliseconds) that already holds blocks 1..(input size mod 3) of the fixed
// fuzz chain, so that matching held blocks and refusing other ones are reached too. The
// genesis is that chain's, record signatures are verified for real (SerialVerifier);
// seeds are exports of that chain (make_corpus). Checks: import never fails with an
// environment error (the stream and the store cannot fail here); the summary agrees
// with the store; after a clean import the store ends at the file's last block; every
// block it committed is certified under the genesis validators.
#include <array>
#include <sstream>

#include "fuzz_support.h"
#include "node/backup.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

const fuzz::FuzzChain& source() {
    static const fuzz::FuzzChain chain(3);
    return chain;
}

// stores[k] holds blocks 1..k of the source chain, with the tree nodes each completed.
const std::array<fuzz::MemoryStore, 3>& stores() {
    static const std::array<fuzz::MemoryStore, 3> made = [] {
        const auto& src = source();
        std::array<fuzz::MemoryStore, 3> out;
        out[0].set_genesis(src.tc.genesis);
        for (std::uint64_t k = 1; k < out.size(); ++k) {
            out[k] = out[k - 1];
            const chain::Block b = *src.store.block(k);
            std::vector<chain::Record> records;
            for (const auto& id : b.record_ids) records.push_back(src.store.record(id)->record);
            chain::MerkleFrontier before{default_suite};
            if (k > 1) before = *chain::MerkleFrontier::load(default_suite, src.store, src.store.block(k - 1)->header.ledger_size);
            auto rebuilt = chain::build_block(chain::header_basis(chain::ChainState::from_genesis(src.tc.genesis), k),
                                              k - 1, b.header.prev_hash, b.header.time_ms, before, b.record_ids,
                                              records, b.header.proposer);
            FUZZ_CHECK(chain::block_hash(default_suite, rebuilt.block.header) == chain::block_hash(default_suite, b.header));
            FUZZ_CHECK(out[k].commit_block(b, *src.store.certificate(k), records, rebuilt.nodes));
        }
        return out;
    }();
    return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const chain::Genesis& genesis = source().tc.genesis;
    const std::uint64_t held = size % 3;
    fuzz::MemoryStore store = stores()[held];

    std::istringstream in(fuzz::string_of(data, size));
    chain::SerialVerifier verifier(default_suite);
    node::ImportOptions options;
    options.window_blocks_max = 2;  // several windows even in small files
    auto summary = node::import_chain(store, genesis, in, verifier, options);
    FUZZ_CHECK(summary);
    FUZZ_CHECK(summary->height == store.height());
    FUZZ_CHECK(summary->height >= held);
    FUZZ_CHECK(summary->imported <= summary->blocks_read);
    FUZZ_CHECK(summary->already_held <= held);
    if (!summary->problem && summary->blocks_read > 0)
        FUZZ_CHECK(store.height() == std::max(held, summary->first_height + summary->blocks_read - 1));
    for (std::uint64_t h = held + 1; h <= store.height(); ++h) {
        const auto b = store.block(h);
        const auto cert = store.certificate(h);
        FUZZ_CHECK(b && cert);
        FUZZ_CHECK(!chain::check_certificate(default_suite, genesis.chain_id, h, chain::block_hash(default_suite, b->header), *cert,
                                             genesis.validators));
    }
    return 0;
}
