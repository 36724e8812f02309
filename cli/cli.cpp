#include "cli/cli.h"

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

#include "cli/certificate.h"
#include "cli/client.h"
#include "cli/common.h"
#include "cli/governance.h"
#include "cli/operator.h"
#include "cli/transparency.h"

namespace jchain::cli {

using namespace jchain::node;

int run(int argc, char** argv) {
    CLI::App app{"jchain: a permissioned blockchain node that notarizes judicial evidence by hash.\n"
                 "Quick start: `jchain devnet` in one terminal, then\n"
                 "  jchain submit --key ~/.jchain/devnet/config/demo_member_key.json --kind evidence --file F --wait "
                 "--receipt-out r.json\n"
                 "  jchain verify --file F"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "jchain 0.1.0");
    bool as_json = false;
    app.add_flag("--json", as_json, "print machine-readable JSON (before or after the command)");
    app.fallthrough();  // subcommands accept --json too: `jchain status --json`

    std::function<int()> action;

    // keygen
    auto* keygen = app.add_subcommand("keygen", "new key pair (secp256k1, or SM2 with --suite sm2) in a file readable only by its owner");
    std::string keygen_out, keygen_suite = "secp256k1";
    keygen->add_option("--out", keygen_out, "key file to create (never overwritten)")->required();
    keygen->add_option("--suite", keygen_suite, "the chain's crypto suite: secp256k1 (secp256k1-sha256) or sm2 (sm2-sm3)")
        ->capture_default_str();
    keygen->callback([&] {
        action = [&] {
            const crypto::Suite suite = suite_arg(keygen_suite, "");
            const auto key = suite.generate_key();
            if (auto s = suite.write_key_file(keygen_out, key); !s) fail(exit_bad, s.message());
            if (as_json) print_json(json::object{{"public_key", to_hex(key.public_key.bytes)}, {"file", keygen_out}});
            else std::cout << to_hex(key.public_key.bytes) << "\n";
            return exit_ok;
        };
    });

    // init
    auto* init = app.add_subcommand("init", "create a node home: config, node key, genesis, data folder");
    InitOptions init_opts;
    init->add_option("--home", init_opts.home, "node home directory")->required();
    init->add_option("--chain-id", init_opts.chain_id, "chain id")->capture_default_str();
    init->add_option("--moniker", init_opts.moniker, "node name")->capture_default_str();
    init->add_option("--rpc-listen", init_opts.rpc_listen, "RPC listen address")->capture_default_str();
    init->add_option("--p2p-listen", init_opts.p2p_listen, "P2P listen address")->capture_default_str();
    init->add_option("--member-name", init_opts.member_name, "the node's member name in genesis")->capture_default_str();
    init->add_option("--member-role", init_opts.member_role, "the node's member role in genesis")->capture_default_str();
    init->add_option("--observer-node", init_opts.observer_nodes,
                     "an observer node for genesis, NAME=PUBLIC_KEY (its node key; repeatable): it may link to "
                     "the validators and follow the chain without voting");
    init->add_option("--witness", init_opts.witnesses,
                     "a witness genesis declares, as its C2SP verifier key (jchain witness keygen; repeatable): receipts "
                     "need params.witness_quorum of them to cosign (docs/checkpoints.md)");
    std::vector<std::string> init_params;
    init->add_option("--param", init_params, "a genesis chain parameter NAME=VALUE (repeatable; docs/genesis.md)");
    std::string init_suite = "secp256k1-sha256", init_user_id;
    init->add_option("--suite", init_suite, "crypto suite of the new chain: secp256k1-sha256 or sm2-sm3 (国密)")
        ->capture_default_str();
    init->add_option("--sm2-user-id", init_user_id, "sm2-sm3: the SM2 signer ID every signature uses (default 1234567812345678)");
    init->callback([&] {
        action = [&] {
            init_opts.suite = suite_arg(init_suite, init_user_id);
            for (const auto& p : init_params)
                if (auto s = apply_param(init_opts.params, p); !s) fail(exit_bad, s.message());
            if (auto s = init_home(init_opts); !s) fail(exit_bad, s.message());
            if (as_json) print_json(json::object{{"home", init_opts.home}});
            else std::cout << "initialised " << init_opts.home << "; start it with: jchain start --home " << init_opts.home << "\n";
            return exit_ok;
        };
    });

    // devnet
    auto* devnet = app.add_subcommand("devnet", "zero-setup local one-validator chain, started at once (resumes if it exists)");
    std::string devnet_home = default_devnet_home();
    std::string devnet_rpc = "127.0.0.1:26657";
    devnet->add_option("--home", devnet_home, "devnet home")->capture_default_str();
    devnet->add_option("--rpc-listen", devnet_rpc, "RPC listen address for a new devnet")->capture_default_str();
    std::string devnet_suite = "secp256k1-sha256", devnet_user_id;
    devnet->add_option("--suite", devnet_suite, "crypto suite of a new devnet: secp256k1-sha256 or sm2-sm3 (国密)")
        ->capture_default_str();
    devnet->add_option("--sm2-user-id", devnet_user_id, "sm2-sm3: the SM2 signer ID (default 1234567812345678)");
    devnet->callback([&] {
        action = [&] {
            if (!home_exists(devnet_home)) {
                InitOptions o;
                o.home = devnet_home;
                o.chain_id = "jchain-devnet";
                o.moniker = "devnet-validator";
                o.member_name = "Devnet Validator Court";
                o.rpc_listen = devnet_rpc;
                o.p2p_listen = "127.0.0.1:0";  // one validator, no peers: any free port
                o.demo_member = true;
                o.suite = suite_arg(devnet_suite, devnet_user_id);
                if (auto s = init_home(o); !s) fail(exit_bad, s.message());
            }
            HomePaths paths{devnet_home};
            auto config = load_config(paths.config_file());
            std::cerr << "devnet home: " << devnet_home << "\n"
                      << "RPC:         http://" << (config ? config->rpc_listen : devnet_rpc) << "/rpc  (web page at /)\n"
                      << "notarize a file:\n  jchain submit --key " << paths.demo_member_key_file()
                      << " --kind evidence --file FILE --wait --receipt-out receipt.json\n"
                      << "verify it:\n  jchain verify --file FILE\n  jchain verify --receipt receipt.json --genesis "
                      << paths.genesis_file() << " --file FILE\n";
            return run_node(devnet_home);
        };
    });

    // testnet
    auto* testnet = app.add_subcommand("testnet", "write homes for a local multi-validator network on loopback");
    TestnetOptions tn;
    testnet->add_option("--validators", tn.validators, "number of validators")->capture_default_str();
    testnet->add_option("--observers", tn.observers, "number of observers")->capture_default_str();
    testnet->add_option("--out", tn.out, "directory for the homes node0, node1, ...")->required();
    testnet->add_option("--base-port", tn.base_port, "node i listens on P2P base+2i and RPC base+2i+1")
        ->capture_default_str();
    testnet->add_option("--chain-id", tn.chain_id, "chain id")->capture_default_str();
    testnet->add_option("--witness", tn.witnesses,
                        "a witness genesis declares, as its C2SP verifier key (repeatable; docs/checkpoints.md)");
    std::vector<std::string> testnet_params;
    testnet->add_option("--param", testnet_params, "a genesis chain parameter NAME=VALUE (repeatable; docs/genesis.md)");
    std::string testnet_suite = "secp256k1-sha256", testnet_user_id;
    testnet->add_option("--suite", testnet_suite, "crypto suite: secp256k1-sha256 or sm2-sm3 (国密)")->capture_default_str();
    testnet->add_option("--sm2-user-id", testnet_user_id, "sm2-sm3: the SM2 signer ID (default 1234567812345678)");
    testnet->callback([&] {
        action = [&] {
            tn.suite = suite_arg(testnet_suite, testnet_user_id);
            for (const auto& p : testnet_params)
                if (auto s = apply_param(tn.params, p); !s) fail(exit_bad, s.message());
            auto nodes = init_testnet(tn);
            if (!nodes) fail(exit_bad, nodes.message());
            const std::string demo = tn.out + "/demo_member_key.json";
            if (as_json) {
                json::array list;
                for (const auto& n : *nodes)
                    list.push_back(json::object{{"home", n.home}, {"role", n.role}, {"rpc", n.rpc_url},
                                                {"p2p", n.p2p_listen}});
                print_json(json::object{{"nodes", list}, {"demo_member_key", demo}, {"chain_id", tn.chain_id}});
            } else {
                for (const auto& n : *nodes)
                    std::cout << n.role << "  " << n.home << "  RPC " << n.rpc_url << "\n";
                std::cout << "start each with: jchain start --home HOME\n"
                          << "notarize with:   jchain submit --key " << demo << " --rpc " << nodes->front().rpc_url
                          << " --kind evidence --file FILE --wait\n";
            }
            return exit_ok;
        };
    });

    // start
    auto* start = app.add_subcommand("start", "run a node (validator or observer, as its config says)");
    std::string start_home;
    start->add_option("--home", start_home, "node home")->required();
    start->callback([&] { action = [&] { return run_node(start_home); }; });

    // config check
    auto* config = app.add_subcommand("config", "check a node home's files before starting it");
    config->require_subcommand(1);
    auto* config_check = config->add_subcommand(
        "check", "node.toml, genesis.json and the node key, checked as `jchain start` checks them (the same errors, "
                 "the same words; no store opened, so it runs beside a live node). Exit 0 when start would accept "
                 "them, 2 when not");
    std::string config_home;
    config_check->add_option("--home", config_home, "node home")->required();
    config_check->callback([&] { action = [&] { return cmd_config_check(config_home, as_json); }; });

    // status
    auto* status = app.add_subcommand("status", "height, last block, validators, peers, mempool, sync state");
    std::string status_rpc = default_rpc();
    status->add_option("--rpc", status_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    status->callback([&] { action = [&] { return cmd_status(status_rpc, as_json); }; });

    // submit
    auto* submit = app.add_subcommand("submit", "hash locally, sign and submit a record");
    SubmitArgs sa;
    submit->add_option("--key", sa.key_file, "member key file")->required();
    submit->add_option("--kind", sa.kind, "record kind: evidence, service, notice, judgment, order, operation, handover, correction")->required();
    auto* sf = submit->add_option("--file", sa.file, "file to notarize (hashed locally; never sent)");
    auto* sh = submit->add_option("--hash", sa.hash, "the content hash, hex: SHA-256 (or SM3 on an sm2-sm3 chain)");
    sf->excludes(sh);
    submit->add_option("--case", sa.case_id,
                       "case id: goes on chain only as its tag under the case key (kept in cases/ beside --key, "
                       "made on first use; docs/privacy.md)");
    submit->add_option("--case-key", sa.case_key_file,
                       "the case key from this hand-over file (jchain case-key show) instead of the key store");
    submit->add_option("--meta", sa.meta,
                       "metadata KEY=VALUE: the value goes on chain as a salted commitment (in clear only for a "
                       "correction's action); --receipt-out keeps the clear value");
    submit->add_option("--ref", sa.refs, "id of an earlier record this one refers to");
    submit->add_option("--rpc", sa.rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    submit->add_flag("--wait", sa.wait, "wait until final and fetch the receipt");
    submit->add_option("--timeout", sa.timeout_s, "seconds to wait with --wait")->capture_default_str();
    submit->add_option("--receipt-out", sa.receipt_out, "with --wait: save the receipt here");
    submit->callback([&] {
        action = [&] {
            if (sa.file.empty() == sa.hash.empty()) fail(exit_bad, "give exactly one of --file or --hash");
            if (!sa.receipt_out.empty() && !sa.wait) fail(exit_bad, "--receipt-out needs --wait");
            return cmd_submit(sa, as_json);
        };
    });

    // case keys and case history (docs/privacy.md)
    auto* case_key = app.add_subcommand("case-key", "the keys that blind case ids: show one for a hand-over, import one");
    case_key->require_subcommand(1);
    std::string ck_key, ck_case, ck_out, ck_in;
    auto* ck_show = case_key->add_subcommand("show", "print (or --out, mode 0600) the hand-over file {case_id, case_key} "
                                                     "of a case whose key is kept beside --key");
    ck_show->add_option("--key", ck_key, "member key file (its cases/ folder holds the case keys)")->required();
    ck_show->add_option("--case", ck_case, "case id")->required();
    ck_show->add_option("--out", ck_out, "write the hand-over file here (never overwritten) instead of printing it");
    ck_show->callback([&] { action = [&] { return cmd_case_key_show(ck_key, ck_case, ck_out); }; });
    auto* ck_import = case_key->add_subcommand("import", "keep a case key received out of band beside --key");
    ck_import->add_option("--key", ck_key, "member key file (its cases/ folder holds the case keys)")->required();
    ck_import->add_option("--in", ck_in, "hand-over file from `jchain case-key show`")->required();
    ck_import->callback([&] { action = [&] { return cmd_case_key_import(ck_key, ck_in); }; });

    auto* history = app.add_subcommand("case-history", "every record of a case in commit order, asked for by its "
                                                       "blinded tag (computed here from the case id and its key)");
    std::string ch_key, ch_case_key, ch_case, ch_tag, ch_rpc = default_rpc();
    history->add_option("--case", ch_case, "case id");
    history->add_option("--key", ch_key, "member key file whose cases/ folder holds the case key");
    history->add_option("--case-key", ch_case_key, "hand-over file with the case key (jchain case-key show)");
    history->add_option("--tag", ch_tag, "the case tag itself (64 hex), instead of --case and its key");
    history->add_option("--rpc", ch_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    history->callback([&] {
        action = [&] {
            if (ch_case.empty() == ch_tag.empty()) fail(exit_bad, "give --case (with --key or --case-key) or --tag");
            return cmd_case_history(ch_key, ch_case_key, ch_case, ch_tag, ch_rpc, as_json);
        };
    });

    // verify
    auto* verify = app.add_subcommand("verify", "is this content notarized? online (--file/--hash) or offline (--receipt)");
    std::string v_file, v_hash, v_receipt, v_genesis, v_rpc = default_rpc();
    verify->add_option("--file", v_file, "file whose content to check");
    verify->add_option("--hash", v_hash, "the content hash, hex: SHA-256 (or SM3 on an sm2-sm3 chain)");
    verify->add_option("--receipt", v_receipt, "offline: receipt file to check");
    verify->add_option("--genesis", v_genesis, "offline: the chain's genesis.json");
    std::vector<std::string> v_witnesses;
    verify->add_option("--witness", v_witnesses,
                       "offline: a witness verifier key that must have cosigned the receipt's checkpoint (repeatable); "
                       "a witness added after genesis counts toward the chain's quorum only when named here");
    bool v_accept_validators_only = false;
    verify->add_flag("--accept-validators-only", v_accept_validators_only,
                     "offline: on a chain that declares witnesses, accept a receipt whose checkpoint they did not "
                     "cosign, as certified by validators only");
    verify->add_option("--rpc", v_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    verify->callback([&] {
        action = [&] {
            if (!v_receipt.empty()) {
                if (v_genesis.empty()) fail(exit_bad, "--receipt needs --genesis");
                if (!v_hash.empty()) fail(exit_bad, "with --receipt, give --file (or nothing), not --hash");
                return cmd_verify_receipt(v_receipt, v_genesis, v_file, as_json, v_witnesses, v_accept_validators_only);
            }
            if (v_file.empty() == v_hash.empty()) fail(exit_bad, "give --file or --hash (or --receipt with --genesis)");
            return cmd_verify_online(v_file, v_hash, v_rpc, as_json);
        };
    });

    // certificate
    auto* certificate = app.add_subcommand(
        "certificate",
        "a printable deposit certificate (存证证明): verifies the receipt offline as `verify --receipt` does, then "
        "writes a one-page A4 PDF in Chinese and English with a QR code to the verification page. The certificate "
        "is a rendering of the receipt; the receipt is the proof (docs/certificate.md). Exit 1 (nothing written) "
        "when the receipt does not verify");
    CertificateArgs ca;
    certificate->add_option("--receipt", ca.receipt, "receipt file (from submit --receipt-out or get_receipt)")->required();
    certificate->add_option("--genesis", ca.genesis,
                            "the chain's genesis.json (default: ask the node at --rpc for it, and say so)");
    certificate->add_option("--rpc", ca.rpc, "node RPC URL, for the genesis when --genesis is not given")
        ->capture_default_str();
    certificate->add_option("--file", ca.file, "the notarized file: its hash (SHA-256, or SM3 on an sm2-sm3 chain) must be the record's content hash");
    certificate->add_option("--out", ca.out, "PDF file to write")->required();
    certificate->add_option("--witness", ca.witnesses,
                            "a witness verifier key that must have cosigned the receipt's checkpoint (repeatable), "
                            "as for verify --receipt");
    certificate->add_flag("--accept-validators-only", ca.accept_validators_only,
                          "on a chain that declares witnesses, accept a receipt they did not cosign; the certificate "
                          "says it is certified by validators only");
    certificate->add_option("--verify-url", ca.verify_url,
                            "the QR code's URL, an http(s) template with {record_id} (default: the node's page, "
                            "$JCHAIN_RPC or http://127.0.0.1:26657, as http://HOST:PORT/#record={record_id})");
    certificate->callback([&] { action = [&] { return cmd_certificate(ca, as_json); }; });

    // audit
    auto* audit = app.add_subcommand("audit", "replay the chain from genesis and check every hash, signature, certificate, permission");
    AuditArgs aa;
    auto* ah = audit->add_option("--home", aa.home, "node home (the node must be stopped)");
    auto* ar = audit->add_option("--rpc", aa.rpc, "node RPC URL");
    ah->excludes(ar);
    audit->add_option("--genesis", aa.genesis_file, "genesis file to audit against (default: the home's, or the node's)");
    audit->add_option("--from", aa.from, "first height to check fully (earlier blocks are replayed, not re-verified)");
    audit->add_option("--to", aa.to, "last height (default: the tip)");
    audit->add_option("--report", aa.report_file, "write the JSON report here");
    audit->add_option("--key", aa.key_file, "with --rpc: sign the reads with this key file, a member (any role, auditor included), validator or node key in force on the chain (default: $JCHAIN_READ_KEY); a node serves get_block and get_record only to signed requests unless its node.toml opens them (docs/rpc.md)")->excludes(ah);
    audit->callback([&] {
        action = [&] {
            if (aa.home.empty() == aa.rpc.empty()) fail(exit_bad, "give exactly one of --home or --rpc");
            return cmd_audit(aa, as_json);
        };
    });

    // export / import
    auto* exp = app.add_subcommand("export", "stream a node's blocks, certificates and records to a backup file (docs/backup.md)");
    ExportArgs ea;
    auto* eh = exp->add_option("--home", ea.home, "node home (the node must be stopped)");
    auto* er = exp->add_option("--rpc", ea.rpc, "a running node's RPC URL");
    eh->excludes(er);
    exp->add_option("--out", ea.out, "backup file to write (replaced only when the export completes)")->required();
    exp->add_option("--from", ea.from, "first height")->capture_default_str();
    exp->add_option("--to", ea.to, "last height (default: the tip)");
    exp->add_option("--key", ea.key_file, "with --rpc: sign the reads with this key file, a member (any role, auditor included), validator or node key in force on the chain (default: $JCHAIN_READ_KEY); a node serves get_block and get_record only to signed requests unless its node.toml opens them (docs/rpc.md)")->excludes(eh);
    exp->callback([&] {
        action = [&] {
            if (ea.home.empty() == ea.rpc.empty()) fail(exit_bad, "give exactly one of --home or --rpc");
            return cmd_export(ea, as_json);
        };
    });
    auto* imp = app.add_subcommand("import", "rebuild a stopped node's store from a backup file, checking every block");
    std::string imp_home, imp_in;
    imp->add_option("--home", imp_home, "node home with the chain's config/genesis.json (the node must be stopped)")
        ->required();
    imp->add_option("--in", imp_in, "backup file written by jchain export")->required();
    imp->callback([&] { action = [&] { return cmd_import(imp_home, imp_in, as_json); }; });

    // proof
    auto* proof = app.add_subcommand("proof", "check RFC 6962 Merkle proofs and roots");
    proof->require_subcommand(1);
    auto* inclusion = proof->add_subcommand("inclusion", "check an inclusion proof");
    std::string pi_leaf, pi_root, pi_path;
    std::uint64_t pi_index = 0, pi_size = 0;
    std::string proof_suite = "secp256k1-sha256";
    inclusion->add_option("--leaf-hash", pi_leaf, "leaf hash (H(0x00 || leaf input), H the suite's hash)")->required();
    inclusion->add_option("--index", pi_index, "leaf index")->required();
    inclusion->add_option("--size", pi_size, "tree size")->required();
    inclusion->add_option("--root", pi_root, "tree root")->required();
    inclusion->add_option("--path", pi_path, "comma-separated hashes, leaf to root")->default_str("");
    inclusion->callback([&] {
        action = [&] {
            bool ok = chain::verify_inclusion(suite_arg(proof_suite, ""), parse_hash_arg(pi_leaf, "--leaf-hash"), pi_index, pi_size,
                                              parse_hash_list(pi_path, "--path"), parse_hash_arg(pi_root, "--root"));
            return report(ok, as_json, "inclusion proof");
        };
    });
    auto* consistency = proof->add_subcommand("consistency", "check a consistency proof");
    std::string pc_root1, pc_root2, pc_path;
    std::uint64_t pc_size1 = 0, pc_size2 = 0;
    consistency->add_option("--size1", pc_size1, "older tree size")->required();
    consistency->add_option("--root1", pc_root1, "older root")->required();
    consistency->add_option("--size2", pc_size2, "newer tree size")->required();
    consistency->add_option("--root2", pc_root2, "newer root")->required();
    consistency->add_option("--path", pc_path, "comma-separated hashes")->default_str("");
    consistency->callback([&] {
        action = [&] {
            bool ok = chain::verify_consistency(suite_arg(proof_suite, ""), pc_size1, pc_size2, parse_hash_arg(pc_root1, "--root1"),
                                                parse_hash_arg(pc_root2, "--root2"), parse_hash_list(pc_path, "--path"));
            return report(ok, as_json, "consistency proof");
        };
    });
    auto* root = proof->add_subcommand("root", "RFC 6962 root of leaves (leaf input bytes, hex, comma-separated)");
    std::string pr_leaves;
    root->add_option("--leaf-data", pr_leaves, "leaf inputs, hex, comma-separated")->required();
    for (auto* sub : {inclusion, consistency, root})
        sub->add_option("--suite", proof_suite, "the chain's crypto suite: secp256k1-sha256 (SHA-256) or sm2-sm3 (SM3)")
            ->capture_default_str();
    root->callback([&] {
        action = [&] {
            std::vector<Bytes> leaves;
            std::stringstream s(pr_leaves);
            std::string item;
            while (std::getline(s, item, ',')) {
                auto b = from_hex(item);
                if (!b) fail(exit_bad, "--leaf-data item '" + item + "' is not hex");
                leaves.push_back(*b);
            }
            const std::string r = to_hex(chain::merkle_root_of_leaves(suite_arg(proof_suite, ""), leaves));
            if (as_json) print_json(json::object{{"root", r}, {"size", leaves.size()}});
            else std::cout << r << "\n";
            return exit_ok;
        };
    });

    // governance
    auto* gov = app.add_subcommand("governance", "validators change members, validators, observer nodes, policy and "
                                                 "parameters by vote (docs/governance.md)");
    gov->require_subcommand(1);
    GovernanceArgs ga;
    auto* propose = gov->add_subcommand("propose", "a validator proposes a change (a member may rotate its own key)");
    propose->require_subcommand(1);
    propose->fallthrough();
    propose->add_option("--key", ga.key_file, "the validator's node key file (a member's own key for rotate-key)")->required();
    propose->add_option("--rpc", ga.rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    propose->add_option("--expires-after", ga.expires_after, "blocks during which approvals count (default 1000)");
    propose->add_flag("--wait", ga.wait, "wait until the proposal is in a block and print its state");
    propose->add_flag("--acknowledge-fewer-than-4-validators", ga.action.acknowledge_few_validators,
                      "allow a change that leaves fewer than 4 validators (they tolerate no Byzantine fault)");
    auto action_cmd = [&](const char* name, const char* help, chain::GovOp op) {
        auto* c = propose->add_subcommand(name, help);
        c->callback([&, op] {
            ga.action.op = op;
            action = [&] { return cmd_governance_propose(ga, as_json); };
        });
        return c;
    };
    const char* key_help = "the member's or validator's public key (66 hex)";
    auto* am = action_cmd("add-member", "add a member with a role", chain::GovOp::add_member);
    am->add_option("--name", ga.action.name, "the member's name")->required();
    am->add_option("--public-key", ga.public_key, key_help)->required();
    am->add_option("--role", ga.action.role, "court, procuratorate, police, notary or auditor")->required();
    auto* sm = action_cmd("suspend-member", "suspend a member: its records are refused from the effective height",
                          chain::GovOp::suspend_member);
    sm->add_option("--public-key", ga.public_key, key_help)->required();
    auto* sr = action_cmd("set-role", "change a member's role", chain::GovOp::set_role);
    sr->add_option("--public-key", ga.public_key, key_help)->required();
    sr->add_option("--role", ga.action.role, "the new role")->required();
    auto* rk = action_cmd("rotate-key", "replace a member's key (signed by the member itself, or approved by validators)",
                          chain::GovOp::rotate_key);
    rk->add_option("--public-key", ga.public_key, "the old key")->required();
    rk->add_option("--new-public-key", ga.new_public_key, "the new key")->required();
    auto* av = action_cmd("add-validator", "add a validator with voting power", chain::GovOp::add_validator);
    av->add_option("--name", ga.action.name, "the validator's name")->required();
    av->add_option("--public-key", ga.public_key, "its node key")->required();
    av->add_option("--power", ga.action.power, "its voting power")->required();
    av->add_option("--p2p", ga.action.p2p, "HOST:PORT where its node listens (the others dial it)");
    auto* rv = action_cmd("remove-validator", "remove a validator", chain::GovOp::remove_validator);
    rv->add_option("--public-key", ga.public_key, "its node key")->required();
    auto* sp = action_cmd("set-power", "change a validator's voting power", chain::GovOp::set_power);
    sp->add_option("--public-key", ga.public_key, "its node key")->required();
    sp->add_option("--power", ga.action.power, "the new power")->required();
    auto* spol = action_cmd("set-policy", "set which roles may write a record kind", chain::GovOp::set_policy);
    spol->add_option("--kind", ga.kind, "the record kind")->required();
    spol->add_option("--roles", ga.roles, "comma-separated roles (empty: nobody)")->required();
    auto* spar = action_cmd("set-param", "change a chain parameter (docs/genesis.md)", chain::GovOp::set_param);
    spar->add_option("--name", ga.action.param, "the parameter")->required();
    spar->add_option("--value", ga.action.value, "its new value")->required();
    auto* an = action_cmd("add-node", "add an observer node: its key may open P2P links; it neither votes nor signs",
                          chain::GovOp::add_node);
    an->add_option("--name", ga.action.name, "the node's name")->required();
    an->add_option("--public-key", ga.public_key, "its node key")->required();
    auto* rn = action_cmd("remove-node", "remove an observer node: its links close at the effective height",
                          chain::GovOp::remove_node);
    rn->add_option("--public-key", ga.public_key, "its node key")->required();
    auto* aw = action_cmd("add-witness", "add a witness whose cosignatures anchor receipts (docs/checkpoints.md)",
                          chain::GovOp::add_witness);
    aw->add_option("--witness", ga.witness, "its C2SP verifier key (jchain witness keygen prints it)")->required();
    auto* rw = action_cmd("remove-witness", "remove a witness: its cosignatures stop counting at the effective height",
                          chain::GovOp::remove_witness);
    rw->add_option("--witness", ga.witness, "its C2SP verifier key")->required();

    auto* approve = gov->add_subcommand("approve", "a validator approves a proposal");
    approve->add_option("--key", ga.key_file, "the validator's node key file")->required();
    approve->add_option("--proposal", ga.proposal, "the proposal id")->required();
    approve->add_option("--rpc", ga.rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    approve->add_flag("--wait", ga.wait, "wait until the approval is in a block and print the proposal's state");
    approve->callback([&] { action = [&] { return cmd_governance_approve(ga, as_json); }; });

    auto* glist = gov->add_subcommand("list", "proposals: action, approvals and power, state, effective height");
    glist->add_option("--rpc", ga.rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    glist->add_option("--state", ga.state, "only pending, approved, expired or in_force");
    glist->callback([&] { action = [&] { return cmd_governance_list(ga, as_json); }; });

    auto* receipt = app.add_subcommand("receipt", "fetch a committed record's receipt (docs/receipt.md)");
    std::string r_id, r_out, r_rpc = default_rpc();
    bool r_checkpoint = false;
    receipt->add_option("--id", r_id, "the record id")->required();
    receipt->add_option("--out", r_out, "receipt file to write")->required();
    receipt->add_flag("--checkpoint", r_checkpoint,
                      "carry a signed checkpoint (with witnesses' cosignatures) that covers the record");
    receipt->add_option("--rpc", r_rpc, "node RPC URL (or env JCHAIN_RPC)")->capture_default_str();
    receipt->callback([&] { action = [&] { return cmd_receipt(r_rpc, r_id, r_out, r_checkpoint, as_json); }; });

    // monitor and witness (docs/checkpoints.md)
    auto* monitor = app.add_subcommand("monitor", "follow nodes' signed checkpoints; alarm (exit 1) on a split view or a "
                                                  "rewound log; watch members and cases; cosign as a witness");
    MonitorArgs ma;
    monitor->add_option("--rpc", ma.rpcs, "a node's RPC URL (repeat for several nodes)")->required();
    monitor->add_option("--state", ma.state_file, "file where the monitor keeps what it saw, across restarts")->required();
    monitor->add_option("--genesis", ma.genesis_file,
                        "the chain's genesis.json (the validators to trust); default: the one the state file "
                        "pinned, else the first node's, pinned from then on");
    monitor->add_option("--witness", ma.witnesses, "a witness verifier key whose cosignatures to check (repeatable)");
    monitor->add_option("--witness-key", ma.witness_key_file,
                        "cosign each checkpoint found consistent with this witness key (jchain witness keygen) "
                        "and give the cosignature to the nodes");
    monitor->add_option("--note", ma.notes,
                        "a signed checkpoint someone presented (a file; e.g. a receipt's checkpoint.note): alarm if it "
                        "differs from the chain's at its size or is signed by a retired validator (repeatable)");
    monitor->add_option("--watch-member", ma.watch_members, "report records signed by this public key (repeatable)");
    monitor->add_option("--watch-case", ma.watch_cases,
                        "report records of this case, given as its case tag (64 hex; records carry the tag, never the "
                        "case id: docs/privacy.md) (repeatable)");
    monitor->add_option("--key", ma.key_file,
                        "sign the reads --watch-member and --watch-case make (get_block, get_record) with this key file: a "
                        "member (auditor included), validator or node key in force (default: $JCHAIN_READ_KEY); checkpoints "
                        "need no key");
    monitor->add_option("--watch-from", ma.watch_from, "height to start watching from (default: the tip at first run)");
    monitor->add_option("--interval-ms", ma.interval_ms, "time between rounds")->capture_default_str();
    monitor->add_flag("--once", ma.once, "one round, then exit: 0 nothing wrong, 1 alarm");
    monitor->callback([&] { action = [&] { return cmd_monitor(ma); }; });

    auto* witness = app.add_subcommand("witness", "outside witnesses that cosign checkpoints (docs/checkpoints.md)");
    witness->require_subcommand(1);
    auto* wkeygen = witness->add_subcommand("keygen", "new Ed25519 witness key; prints its verifier key for node.toml");
    std::string w_name, w_out;
    wkeygen->add_option("--name", w_name, "the witness's name, a schema-less URL (e.g. witness.example/court-b)")->required();
    wkeygen->add_option("--out", w_out, "key file to write (mode 0600)")->required();
    wkeygen->callback([&] { action = [&] { return cmd_witness_keygen(w_name, w_out, as_json); }; });

    try {
        app.parse(argc, argv);
        return action ? action() : exit_bad;
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return exit_ok;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return exit_ok;
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "jchain: " << e.what() << " (see --help)\n";
        return exit_bad;
    } catch (const CliError& e) {
        std::cerr << "jchain: " << e.message << "\n";
        return e.code;
    } catch (const std::exception& e) {
        std::cerr << "jchain: " << e.what() << "\n";
        return exit_bad;
    }
}

}  // namespace jchain::cli
