// The deposit certificate (存证证明, docs/certificate.md): a one-page A4 PDF, in Chinese
// and English, that restates what a receipt proves so that a court can read it, with a
// QR code to the verification page. The certificate is a rendering; the receipt is the
// proof, and every statement on the page is read from a receipt that verified.
//
// Pure functions of their inputs: no clock (the generation time is passed in), no files
// (the PDF comes back as bytes). Rendering uses cairo, pango and fontconfig, whose
// caches are process-wide: the functions here are thread-safe, but a caller should bound
// how many renders run at once (each takes tens of milliseconds, docs/certificate.md).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "chain/block.h"
#include "chain/genesis.h"
#include "chain/receipt.h"
#include "chain/record.h"
#include "chain/record_privacy.h"

namespace jchain::report {

// The placeholder a verify-URL template must contain.
inline constexpr std::string_view record_id_placeholder = "{record_id}";
// Longest verify-URL template accepted (the QR code must stay readable on paper).
inline constexpr std::size_t verify_url_bytes_max = 512;
// Signers are named one by one on the page when there are at most this many and their
// names are this short; otherwise the page gives their count and power (the names and
// keys are in the receipt's commit).
inline constexpr std::size_t signers_listed_max = 24;
inline constexpr std::size_t signer_names_bytes_max = 480;

// Everything a certificate states, read from a receipt that verify() accepted. Only
// verify() makes one, so a certificate can only render a receipt that verified.
class VerifiedReceipt {
public:
    // Checks `receipt` with chain::verify_receipt against `genesis` (and the file's
    // content hash when given), exactly as `jchain verify --receipt` does. When it does
    // not verify, the error is the first failing check, "name: detail". `witnesses` and
    // `accept_validators_only` are those of verify_receipt (--witness,
    // --accept-validators-only); the certificate states the trust basis either way.
    static Result<VerifiedReceipt> verify(const boost::json::value& receipt, const chain::Genesis& genesis,
                                          const std::optional<chain::Hash>& file_hash,
                                          const std::vector<chain::Witness>& witnesses = {},
                                          bool accept_validators_only = false);

    struct Signer {
        std::string name;
        chain::PublicKey key;
        std::uint64_t power = 0;
    };

    const chain::Record& record() const { return record_; }
    const chain::Hash& record_id() const { return record_id_; }
    const chain::BlockHeader& header() const { return header_; }
    const chain::Hash& block_hash() const { return block_hash_; }
    const std::string& submitter_name() const { return submitter_name_; }  // empty: a validator's governance record
    const std::string& submitter_role() const { return submitter_role_; }
    const std::vector<Signer>& signers() const { return signers_; }  // in the certificate's order
    std::uint64_t signed_power() const { return signed_power_; }
    std::uint64_t total_power() const { return total_power_; }
    const chain::Hash& genesis_hash() const { return genesis_hash_; }
    const crypto::Suite& suite() const { return suite_; }  // the chain's, named on the certificate
    const std::string& chain_id() const { return header_.chain_id; }
    bool file_checked() const { return file_checked_; }  // the content hash was checked against a file
    chain::TrustBasis basis() const { return basis_; }
    const std::string& basis_text() const { return basis_text_; }  // in the words of jchain verify
    // The clear values the receipt's disclosure proved (docs/privacy.md); nullopt: none.
    const std::optional<chain::Disclosure>& disclosed() const { return disclosed_; }

private:
    VerifiedReceipt() = default;
    chain::Record record_;
    chain::Hash record_id_{};
    chain::BlockHeader header_;
    chain::Hash block_hash_{};
    std::string submitter_name_, submitter_role_;
    std::vector<Signer> signers_;
    std::uint64_t signed_power_ = 0, total_power_ = 0;
    chain::Hash genesis_hash_{};
    crypto::Suite suite_;
    bool file_checked_ = false;
    chain::TrustBasis basis_ = chain::TrustBasis::validators_only;
    std::string basis_text_;
    std::optional<chain::Disclosure> disclosed_;
};

struct CertificateOptions {
    // The verification page the QR code opens: http(s) URL with {record_id}, which is
    // replaced by the record id (check_verify_url_template).
    std::string verify_url_template;
    // Printed as the generation time (Unix ms); the caller reads the clock.
    std::uint64_t generated_at_ms = 0;
};

// OK when `tmpl` is an http:// or https:// URL, at most verify_url_bytes_max bytes,
// printable ASCII without spaces, containing {record_id}; otherwise says what is wrong.
Status check_verify_url_template(std::string_view tmpl);
// The template with every {record_id} replaced by the id in lower-case hex.
std::string verify_url(std::string_view tmpl, const chain::Hash& record_id);

// "2026-12-01 01:02:03.456 UTC" and "2026-12-01 09:02:03.456 北京时间 (UTC+8)" of Unix ms.
std::string format_utc(std::uint64_t ms);
std::string format_beijing(std::uint64_t ms);

// The certificate as the bytes of a one-page A4 PDF (a page that would run long, with
// very long names, is scaled down to fit: nothing is cut off). Fails only when the
// environment cannot render (the CJK font is not installed, a cairo error) or the
// template is one check_verify_url_template refuses, with a message saying which.
Result<std::string> render_certificate_pdf(const VerifiedReceipt& receipt, const CertificateOptions& options);

}  // namespace jchain::report
