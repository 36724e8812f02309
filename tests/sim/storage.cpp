#include "storage.h"

#include "consensus/codec.h"

namespace jchain::sim {

bool SimWal::append(const consensus::WalEntry& e, bool new_log, Fault fault, double torn_fraction) {
    Bytes frame = consensus::encode_wal_entry(e);
    const bool replaces = new_log;
    if (fault == Fault::fail_nothing_written) return false;
    if (fault == Fault::fail_torn || fault == Fault::crash_torn) {
        // Replacing the log writes a new file that is renamed only once whole: a torn
        // one never replaces the old log.
        if (replaces) return false;
        if (!torn_.empty()) torn_then_appended_ = true;
        const auto keep = static_cast<std::size_t>(static_cast<double>(frame.size()) * torn_fraction);
        frame.resize(std::min(std::max<std::size_t>(keep, 1), frame.size() - 1));
        torn_ = std::move(frame);
        return false;
    }
    if (replaces) {
        frames_.clear();
        torn_.clear();
        torn_then_appended_ = false;
    } else if (!torn_.empty()) {
        torn_then_appended_ = true;  // written behind the torn bytes: a bad frame mid-log
    }
    frames_.push_back(std::move(frame));
    return fault == Fault::none;
}

Result<SimWal::Opened> SimWal::open() {
    if (torn_then_appended_)
        return Status::error("a torn entry with entries after it (a bad frame mid-log, which ConsensusWal::open refuses)");
    Opened out;
    for (const Bytes& f : frames_) {
        auto e = consensus::decode_wal_entry(f);
        if (!e) return Status::error("an entry that does not decode");
        out.entries.push_back(std::move(*e));
    }
    out.torn_bytes_cut = torn_.size();
    torn_.clear();
    return out;
}

}  // namespace jchain::sim
