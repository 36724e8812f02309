// Checkpoints as signed notes (chain/checkpoint.h), as add_cosignature, the monitor and
// receipts read them: the note parser, the checkpoint body, witness verifier keys and
// verify_checkpoint against a fixed validator and witness. Checks: a note that parses
// formats back to exactly the same text (one text per note); a body that parses prints
// back the same; a verifier key that parses reads back from its own printing to the same
// witness; a note that verifies names a quorum and no bad signature.
#include "chain/checkpoint.h"
#include "fuzz_support.h"
#include "tests/support/suite.h"

using namespace jchain;

namespace {

struct Keys {
    crypto::KeyPair validator = test::key_from_scalar(1);
    chain::ValidatorSet set{{{"v0", validator.public_key, 1}}};
    chain::Witness witness{"witness.example/w", crypto::ed25519_from_seed({{7}}).public_key};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Keys keys;
    const std::string text = fuzz::string_of(data, size);

    if (auto note = chain::parse_note(text)) {
        FUZZ_CHECK(chain::format_note(*note) == text);
        for (const auto& s : note->signatures) FUZZ_CHECK(chain::parse_note("x\n\n" + chain::signature_line(s)));
    }
    if (auto body = chain::parse_checkpoint_body(text)) FUZZ_CHECK(chain::checkpoint_body(*body) == text);
    if (auto w = chain::parse_witness_vkey(text)) {
        auto again = chain::parse_witness_vkey(w->vkey());
        FUZZ_CHECK(again && again->name == w->name && again->key == w->key);
    }
    const auto v = chain::verify_checkpoint(default_suite, text, "jchain.log/fuzz/00", keys.set, {keys.witness});
    if (v.ok()) {
        FUZZ_CHECK(v.error.empty() && v.invalid.empty() && v.quorum());
        FUZZ_CHECK(v.validators.size() == 1 && v.checkpoint.origin == "jchain.log/fuzz/00");
    }
    return 0;
}
