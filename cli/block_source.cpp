#include "cli/block_source.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <random>
#include <spdlog/spdlog.h>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "base/json.h"
#include "chain/audit.h"
#include "chain/json_codec.h"
#include "chain/merkle.h"
#include "chain/receipt.h"
#include "node/backup.h"
#include "node/home.h"
#include "node/node.h"
#include "rpc/http_client.h"

#include "node/read_access.h"
#include "node/verify_pool.h"

#include "cli/common.h"

namespace jchain::cli {

BlockSource store_source(const storage::BlockStore& store) {
    return {[&] { return store.height(); },
            [&](std::uint64_t h, chain::Block& b, chain::CommitCertificate& c, std::vector<chain::Record>& rs) {
                auto block = store.block(h);
                auto cert = store.certificate(h);
                if (!block || !cert) return false;
                b = *block;
                c = *cert;
                rs.clear();
                for (const auto& id : b.record_ids)
                    if (auto r = store.record(id)) rs.push_back(r->record);
                return true;
            }};
}

BlockSource rpc_source(const std::string& url, const crypto::Suite& suite, std::optional<ReadSigner> signer) {
    return {[url] { return u64(rpc_result(url, "status").at("height")); },
            [url, suite, signer](std::uint64_t h, chain::Block& b, chain::CommitCertificate& c, std::vector<chain::Record>& rs) {
                const ReadSigner* sign = signer ? &*signer : nullptr;
                auto got = rpc_result(url, "get_block", json::object{{"height", h}}, sign);
                auto header = chain::header_from_json(suite, got.at("header"));
                auto cert = chain::certificate_from_json(suite, got.at("commit"));
                if (!header || !cert) return false;
                b.header = *header;
                c = *cert;
                b.record_ids.clear();
                rs.clear();
                for (const auto& id : got.at("record_ids").as_array()) {
                    auto parsed = chain::hash_from_json(&id, "record_ids[]");
                    if (!parsed) return false;
                    b.record_ids.push_back(*parsed);
                }
                // Records in batches of up to 500 get_record calls.
                for (std::size_t i = 0; i < b.record_ids.size(); i += 500) {
                    json::array batch;
                    for (std::size_t j = i; j < std::min(b.record_ids.size(), i + 500); ++j)
                        batch.push_back({{"jsonrpc", "2.0"}, {"id", j}, {"method", "get_record"},
                                         {"params", {{"id", to_hex(b.record_ids[j])}}}});
                    const std::string body = json::serialize(batch);
                    auto reply = rpc::http_request("POST", rpc_endpoint(url), body, 60'000,
                                                   sign ? sign->headers(body) : rpc::HttpHeaders{});
                    if (!reply) fail(exit_bad, "cannot reach node at " + url + ": " + reply.message());
                    auto parsed = parse_json(reply->body);
                    if (!parsed || !parsed->is_array()) return false;
                    const json::value& answers = *parsed;
                    std::vector<std::optional<chain::Record>> ordered(batch.size());
                    // The node is not trusted: an answer's id must name a request of
                    // this batch, and a record only counts under the id it hashes to
                    // (the auditor then checks it against the block's list).
                    for (const auto& a : answers.as_array()) {
                        const auto* o = a.if_object();
                        // A refusal for want of a signature ends the command with its reason.
                        if (const auto* err = o ? o->if_contains("error") : nullptr; err && err->is_object()) {
                            RpcOutcome out;
                            const auto& e = err->as_object();
                            if (const auto* code = e.if_contains("code"); code && code->is_int64())
                                out.error_code = static_cast<int>(code->as_int64());
                            if (out.error_code == node::unauthorized_code) {
                                if (const auto* m = e.if_contains("message"); m && m->is_string()) out.error_message = m->as_string();
                                if (const auto* d = e.if_contains("data"); d && d->is_object())
                                    if (const auto* r = d->as_object().if_contains("reason"); r && r->is_string())
                                        out.error_reason = r->as_string();
                                fail(exit_bad, refusal_text("get_record", out, sign != nullptr));
                            }
                        }
                        const auto* id = o ? o->if_contains("id") : nullptr;
                        const auto* result = o ? o->if_contains("result") : nullptr;
                        if (!id || !result || !result->is_object()) continue;
                        const auto k_id = id->if_int64();  // JSON parses small numbers as int64
                        if (!k_id || *k_id < 0) continue;
                        const auto k = static_cast<std::uint64_t>(*k_id);
                        if (k < i || k - i >= ordered.size()) continue;
                        const auto* record = result->as_object().if_contains("record");
                        if (!record) continue;
                        auto r = chain::record_from_json(suite, *record);
                        if (r && chain::record_id(suite, *r) == b.record_ids[k]) ordered[k - i] = *r;
                    }
                    for (auto& r : ordered)
                        if (r) rs.push_back(std::move(*r));
                }
                return true;
            }};
}

}  // namespace jchain::cli
