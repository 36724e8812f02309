#include "consensus/messages.h"

#include "base/bytes.h"

namespace jchain::consensus {

Bytes proposal_signed_bytes(const std::string& chain_id, const Proposal& p) {
    ByteWriter w;
    w.str("jchain/proposal/v1");
    w.str(chain_id);
    w.u64(p.height);
    w.u32(p.round);
    w.u32(static_cast<std::uint32_t>(p.pol_round + 1));
    w.fixed(p.block_hash);
    return std::move(w).take();
}

std::uint64_t message_height(const Message& m) {
    if (const auto* p = std::get_if<Proposal>(&m)) return p->height;
    return std::get<SignedVote>(m).vote.height;
}

std::uint32_t message_round(const Message& m) {
    if (const auto* p = std::get_if<Proposal>(&m)) return p->round;
    return std::get<SignedVote>(m).vote.round;
}

const PublicKey& message_sender(const Message& m) {
    if (const auto* p = std::get_if<Proposal>(&m)) return p->proposer;
    return std::get<SignedVote>(m).validator;
}

}  // namespace jchain::consensus
