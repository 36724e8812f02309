// JSON forms of the data model, as RPC and receipts show them (docs/rpc.md).
// Hex is lower-case without 0x; signatures are DER hex. Decoding is pure, checks every
// field and size, and returns an error naming the first bad field.
#pragma once

#include <boost/json/value.hpp>

#include "base/result.h"
#include "chain/block.h"

namespace jchain::chain {

boost::json::value record_to_json(const crypto::Suite& suite, const Record& record);
Result<Record> record_from_json(const crypto::Suite& suite, const boost::json::value& json);

boost::json::value header_to_json(const BlockHeader& header);
Result<BlockHeader> header_from_json(const crypto::Suite& suite, const boost::json::value& json);

boost::json::value certificate_to_json(const crypto::Suite& suite, const std::string& chain_id, const CommitCertificate& cert);
Result<CommitCertificate> certificate_from_json(const crypto::Suite& suite, const boost::json::value& json);

boost::json::value validator_set_to_json(const crypto::Suite& suite, const ValidatorSet& set);
Result<ValidatorSet> validator_set_from_json(const crypto::Suite& suite, const boost::json::value& json);

// The openssl-checkable form of one signature: the exact signed bytes, the DER
// signature and the signer's SPKI PEM.
boost::json::value signature_evidence(const crypto::Suite& suite, ByteSpan signed_bytes, const Signature& sig, const PublicKey& key);

// Field helpers shared by the codecs and RPC.
Result<Hash> hash_from_json(const boost::json::value* v, std::string_view field);
Result<PublicKey> public_key_from_json(const crypto::Suite& suite, const boost::json::value* v, std::string_view field);
Result<std::uint64_t> uint_from_json(const boost::json::value* v, std::string_view field);

}  // namespace jchain::chain

namespace jchain::chain {
// Indented JSON (two spaces), for files people read: genesis, receipts.
std::string pretty_json(const boost::json::value& value);
}  // namespace jchain::chain
