// `jchain certificate`: a printable deposit certificate (存证证明) of a receipt that
// verifies offline against the genesis file (docs/certificate.md).
#pragma once

#include <string>
#include <vector>

#include "cli/common.h"

namespace jchain::cli {

struct CertificateArgs {
    std::string receipt, genesis, file, out;  // genesis empty: the node's at rpc (get_genesis)
    std::string rpc = default_rpc();
    std::string verify_url;  // empty: the default node's page (default_verify_url)
    std::vector<std::string> witnesses;  // --witness VKEY, as jchain verify
    bool accept_validators_only = false;
};

// The verification page of the node `jchain` talks to by default ($JCHAIN_RPC, else the
// devnet's address): http://HOST:PORT/#record={record_id}.
std::string default_verify_url();

// Verifies the receipt as `jchain verify --receipt` does and writes the PDF to a.out
// (atomically: nothing is written when it does not verify). Exit 0 written, 1 the
// receipt does not verify, 2 bad usage or input (not JSON, unreadable files, bad template).
int cmd_certificate(const CertificateArgs& a, bool as_json);

}  // namespace jchain::cli
