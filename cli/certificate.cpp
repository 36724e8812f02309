#include "cli/certificate.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "chain/genesis.h"
#include "cli/common.h"
#include "node/node.h"
#include "report/certificate.h"

namespace jchain::cli {

std::string default_verify_url() {
    std::string base = default_rpc();
    if (!base.starts_with("http://") && !base.starts_with("https://")) base = "http://" + base;
    const auto slash = base.find('/', base.find("//") + 2);
    if (slash != std::string::npos) base.resize(slash);  // a URL given as .../rpc
    return base + "/#record=" + std::string(report::record_id_placeholder);
}

namespace {

// Writes `bytes` to `path` through a temporary file beside it, so that `path` holds a
// whole certificate or is left as it was.
void write_atomically(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            fail(exit_bad, "cannot write " + path);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        fail(exit_bad, "cannot write " + path + ": " + ec.message());
    }
}

}  // namespace

int cmd_certificate(const CertificateArgs& a, bool as_json) {
    const std::string tmpl = a.verify_url.empty() ? default_verify_url() : a.verify_url;
    if (Status s = report::check_verify_url_template(tmpl); !s) fail(exit_bad, "--verify-url: " + s.message());
    const json::value receipt = read_json_file(a.receipt);
    if (!receipt.is_object()) fail(exit_bad, a.receipt + " is not a receipt: a JSON object was expected");
    auto genesis = a.genesis.empty() ? chain::genesis_from_json(rpc_result(a.rpc, "get_genesis"))
                                     : chain::read_genesis_file(a.genesis);
    if (!genesis) fail(exit_bad, genesis.message());
    if (a.genesis.empty())
        std::cerr << "jchain: checking against the genesis of the node at " << a.rpc
                  << " (give --genesis FILE to check against your own copy)\n";
    std::optional<chain::Hash> file_hash;
    if (!a.file.empty()) file_hash = content_hash_of(genesis->suite, a.file, "");

    std::vector<chain::Witness> witnesses;
    for (const auto& vkey : a.witnesses) {
        auto w = chain::parse_witness_vkey(vkey);
        if (!w) fail(exit_bad, "--witness: " + w.message());
        witnesses.push_back(*w);
    }
    auto verified = report::VerifiedReceipt::verify(receipt, *genesis, file_hash, witnesses, a.accept_validators_only);
    if (!verified) {
        if (as_json) print_json(json::object{{"valid", false}, {"error", verified.message()}});
        fail(exit_no, "receipt does not verify: " + verified.message() + "; no certificate written");
    }
    const std::uint64_t now = node::now_ms();
    auto pdf = report::render_certificate_pdf(*verified, {tmpl, now});
    if (!pdf) fail(exit_bad, "cannot render the certificate: " + pdf.message());
    write_atomically(a.out, *pdf);

    const std::string url = report::verify_url(tmpl, verified->record_id());
    if (as_json) {
        print_json(json::object{{"valid", true},
                                {"certificate", a.out},
                                {"bytes", pdf->size()},
                                {"record_id", to_hex(verified->record_id())},
                                {"height", verified->header().height},
                                {"trust_basis", verified->basis() == chain::TrustBasis::witnessed ? "witnessed" : "validators_only"},
                                {"trust_basis_text", verified->basis_text()},
                                {"verify_url", url}});
    } else {
        std::cout << "receipt VALID: record " << to_hex(verified->record_id()) << " at height "
                  << verified->header().height << "; " << verified->basis_text() << "\n"
                  << "certificate written to " << a.out << " (" << pdf->size() << " bytes); QR code: " << url << "\n";
    }
    return exit_ok;
}

}  // namespace jchain::cli
