#!/usr/bin/env python3
"""`jchain audit --rpc` against a node that lies: it must report, never crash.

A proxy stands between the auditor and a real devnet and bends the answers to the
auditor's batched `get_record` calls: ids far outside the batch, ids of the wrong type,
another record under a listed id, answers that are not objects. The audit must finish
with exit 1 and PROBLEMS FOUND (the records it could not get are missing), and through
an honest proxy it must say CHAIN INTACT.

usage: test_hostile_audit.py /path/to/jchain
"""
import http.server
import json
import os
import threading

import jchain_harness as h


class BendingProxy:
    """Forwards JSON-RPC to a node; `bend(request, answer)` may rewrite batched answers."""

    def __init__(self, node_url: str, bend):
        proxy = self
        self.node_url, self.bend = node_url, bend

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                _, out = h.post_raw(proxy.node_url, body)
                req = json.loads(body)
                if isinstance(req, list) and req and req[0].get("method") == "get_record" and proxy.bend:
                    out = json.dumps(proxy.bend(req, json.loads(out))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def far_ids(req, answers):
    for i, a in enumerate(answers):
        a["id"] = 10**12 + i  # an index far outside the auditor's batch
    return answers


def negative_ids(req, answers):
    for i, a in enumerate(answers):
        a["id"] = -1 - i
    return answers


def odd_types(req, answers):
    return [1, "x", None, {"id": "0", "result": {}}, {"id": 0, "result": []}, {"id": 0, "result": {"record": 5}}]


def swapped_records(req, answers):
    records = [a.get("result") for a in answers]
    for a, r in zip(answers, reversed(records)):
        a["result"] = r  # every answer under another request's id
    return answers


def body(c: h.Checker, jchain: str) -> None:
    work = h.temp_dir("jchain-hostile-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    env = h.test_env(work, node.url)
    key_file = os.path.join(home, "config", "demo_member_key.json")
    genesis = os.path.join(home, "config", "genesis.json")
    for i in range(3):
        res = h.cli(jchain, ["submit", "--key", key_file, "--kind", "evidence", "--hash", os.urandom(32).hex(),
                             "--rpc", node.url, "--wait"], env=env)
        c.require(res.rc == 0, f"record {i} committed", repr(res))
    # Two records in one block, so a swap within a batch is possible.
    recs = [h.make_record(h.Key.from_file(key_file), node.status()["chain_id"]) for _ in range(2)]
    node.rpc("submit_record", {"record": recs[0]})
    node.rpc("submit_record", {"record": recs[1]})

    honest = BendingProxy(node.url, None)
    res = h.cli(jchain, ["audit", "--rpc", honest.url, "--genesis", genesis], env=env)
    c.check(res.rc == 0 and "CHAIN INTACT" in res.out, "through an honest proxy the audit says CHAIN INTACT", repr(res))
    honest.close()

    for name, bend in (("ids far outside the batch", far_ids), ("negative ids", negative_ids),
                       ("answers of the wrong types", odd_types), ("records under each other's ids", swapped_records)):
        proxy = BendingProxy(node.url, bend)
        res = h.cli(jchain, ["audit", "--rpc", proxy.url, "--genesis", genesis], env=env)
        c.check(res.rc == 1 and "PROBLEMS FOUND" in res.out,
                f"{name}: the audit reports problems (exit 1), no crash", repr(res)[-400:])
        proxy.close()

    c.check(node.stop() == 0, "the devnet stops cleanly")


if __name__ == "__main__":
    h.run_main("hostile audit: a lying node gets a report, not a crash", body)
