#!/usr/bin/env python3
"""The deposit certificate (docs/certificate.md), read back with ordinary tools.

devnet -> `jchain submit --wait --receipt-out` -> `jchain certificate` -> the PDF's text
with `pdftotext -layout` (record id, content hash, height, case id, both headings, the
genesis hash, UTC and Beijing time, agency, validators, ledger) -> its QR code rendered
with `pdftoppm` and decoded with `zbarimg` (the verify URL with the record id) ->
`pdfinfo` (one A4 page) -> a tampered receipt refused (exit 1, nothing written), a
malformed one exit 2 with one line -> the node's GET and POST /certificate give the same
page, 404 / 400 for unknown and bad input, 503 rather than an unbounded queue -> the
node.toml web.verify_url is what the node's QR codes open.

usage: test_certificate.py /path/to/jchain
"""
import datetime
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import jchain_harness as h

CASE_ID = "(2026)京0105民初123号"
TEMPLATE = "https://court.example/jchain/#record={record_id}"
TOOLS = ("pdftotext", "pdftoppm", "pdfinfo", "zbarimg")


def http_request(url: str, method: str, path: str, body: bytes | None = None, timeout: float = 30):
    """(status, content type, body) of one request."""
    host, port = h.host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body is not None else {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


class Pdf:
    """A PDF on disk read back with poppler and zbar."""

    def __init__(self, path: str):
        self.path = path

    def text(self) -> str:
        return subprocess.run(["pdftotext", "-layout", self.path, "-"], capture_output=True, text=True,
                              timeout=60).stdout

    def info(self) -> str:
        return subprocess.run(["pdfinfo", self.path], capture_output=True, text=True, timeout=60).stdout

    def qr(self) -> str:
        prefix = self.path + "-page"
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", self.path, prefix], check=True,
                       timeout=60)
        png = next(p for p in (prefix + "-1.png", prefix + "-01.png") if os.path.exists(p))
        # zbarimg may print D-Bus noise on stderr; only stdout is the decoded text.
        return subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True,
                              timeout=60).stdout.strip()


def beijing(ms: int) -> str:
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc) + datetime.timedelta(hours=8)
    return t.strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d} 北京时间 (UTC+8)"


def utc(ms: int) -> str:
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d} UTC"


def check_page(c: h.Checker, pdf: Pdf, facts: dict, label: str, qr_url: str, disclosed: bool = True) -> None:
    """The page states what the receipt says, on one A4 page, with the QR code to qr_url.
    The clear case id only from a receipt with its disclosure (the holder's); a node's
    receipt has the case tag only, and the page says the case id is not disclosed."""
    info = pdf.info()
    c.check(re.search(r"^Pages:\s+1$", info, re.M) is not None, f"{label}: pdfinfo says Pages: 1", info)
    c.check("(A4)" in info, f"{label}: the page is A4", info)
    text = pdf.text()
    for what, want in (("the title 存证证明", "存证证明"), ("the heading Certificate of Deposit", "Certificate of Deposit"),
                       ("the record id", facts["record_id"]), ("the content hash", facts["content_hash"]),
                       ("the case id" if disclosed else "that the case id is not disclosed",
                        CASE_ID if disclosed else "case id not disclosed"), ("the genesis hash", facts["genesis_hash"]),
                       ("the block time in Beijing time, written as UTC+8", beijing(facts["time_ms"])),
                       ("the block time in UTC", utc(facts["time_ms"])), ("the block hash", facts["block_hash"]),
                       ("the ledger root", facts["ledger_root"]), ("the submitting agency", facts["member"]),
                       ("the agency's key", facts["submitter"]), ("the validator who signed", facts["validator"]),
                       ("the chain id", facts["chain_id"]),
                       ("how to verify", "jchain verify --receipt"),
                       ("that the receipt is the proof", "the receipt is the proof")):
        c.check(want in text, f"{label}: the text has {what}", f"{want!r} not in:\n{text}")
    if not disclosed:
        c.check(CASE_ID not in text, f"{label}: the clear case id appears nowhere on it", text)
    c.check(re.search(r"区块高度\s+%d\b" % facts["height"], text) is not None, f"{label}: the text has the block height",
            text)
    c.check(re.search(r"规模 size: %d\b" % facts["ledger_size"], text) is not None,
            f"{label}: the text has the ledger size", text)
    c.check(re.search(r"power 1 of 1", text) is not None, f"{label}: the text has the signers' power out of the total",
            text)
    c.check("信任基础" in text and "certified by validators only" in text,
            f"{label}: the text states the trust basis (a devnet declares no witness: certified by validators only)", text)
    c.check(re.search(r"生成时间 Generated: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC", text) is not None,
            f"{label}: the text has the generation time", text)
    got = pdf.qr()
    c.equal(got, qr_url, f"{label}: the QR code decodes to the verify URL with the record id")


def body(c: h.Checker, jchain: str) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    # scripts/install-deps.sh installs them, so a missing tool is a broken set-up: fail, not skip.
    c.require(not missing, "pdftotext, pdftoppm, pdfinfo and zbarimg are installed",
              f"missing: {', '.join(missing)} (scripts/install-deps.sh installs them)")
    work = h.temp_dir("jchain-cert-")
    home = os.path.join(work, "devnet")
    node = h.Node(jchain, home, work, "devnet")
    node.start("devnet")
    env = h.test_env(work, node.url)
    genesis = os.path.join(home, "config", "genesis.json")
    key_file = os.path.join(home, "config", "demo_member_key.json")

    def run(args, **kw):
        return h.cli(jchain, args, env=env, **kw)

    c.section("a file notarized, its receipt certified")
    evidence = os.path.join(work, "evidence.txt")
    content = b"contract scan, page 1\n" + os.urandom(8).hex().encode()
    open(evidence, "wb").write(content)
    receipt_file = os.path.join(work, "receipt.json")
    res = run(["submit", "--key", key_file, "--kind", "evidence", "--file", evidence, "--case", CASE_ID,
               "--wait", "--receipt-out", receipt_file])
    c.require(res.rc == 0 and os.path.exists(receipt_file), "`jchain submit --wait --receipt-out` commits the file",
              repr(res))
    receipt = json.load(open(receipt_file))
    header = receipt["block"]["header"]
    status = node.status()
    facts = {
        "record_id": receipt["record_id"], "content_hash": hashlib.sha256(content).hexdigest(),
        "height": header["height"], "time_ms": header["time_ms"], "genesis_hash": status["genesis_hash"],
        "block_hash": receipt["block"]["hash"], "ledger_root": header["ledger_root"],
        "ledger_size": header["ledger_size"], "submitter": receipt["record"]["submitter"],
        "member": next(m["name"] for m in receipt["state"]["members"] if m["public_key"] == receipt["record"]["submitter"]),
        "validator": status["validators"][0]["name"], "chain_id": status["chain_id"],
    }
    c.equal(header["genesis_hash"], facts["genesis_hash"], "the receipt names the node's genesis")
    want_qr = TEMPLATE.replace("{record_id}", facts["record_id"])

    out = os.path.join(work, "cert.pdf")
    res = run(["certificate", "--receipt", receipt_file, "--genesis", genesis, "--file", evidence, "--out", out,
               "--verify-url", TEMPLATE])
    c.require(res.rc == 0 and os.path.exists(out), "`jchain certificate` exits 0 and writes the PDF", repr(res))
    c.check(open(out, "rb").read(5) == b"%PDF-", "the file is a PDF")
    c.check(facts["record_id"] in res.out and want_qr in res.out, "it says which record and the QR code's URL",
            repr(res))
    check_page(c, Pdf(out), facts, "jchain certificate", want_qr)
    c.check("已与所附文件核对一致" in Pdf(out).text(), "with --file, the page says the content was checked against it")

    res = run(["certificate", "--receipt", receipt_file, "--genesis", genesis, "--out", out, "--json"])
    try:
        j = res.json()
        ok = (res.rc == 0 and j["valid"] and j["record_id"] == facts["record_id"] and j["height"] == facts["height"]
              and j["verify_url"] == f"{node.url}/#record={facts['record_id']}")
    except (ValueError, KeyError):
        ok = False
    c.check(ok, "`--json` prints the record, height and QR URL; the default URL is the node's page ($JCHAIN_RPC)",
            repr(res))
    c.equal(Pdf(out).qr(), f"{node.url}/#record={facts['record_id']}", "and the QR code opens that page")

    c.section("refusals")
    tampered_file = os.path.join(work, "tampered.json")
    tampered = json.loads(json.dumps(receipt))
    tampered["record"]["content_hash"] = h.flip_hex_digit(tampered["record"]["content_hash"], 0)
    json.dump(tampered, open(tampered_file, "w"))
    refused = os.path.join(work, "refused.pdf")
    res = run(["certificate", "--receipt", tampered_file, "--genesis", genesis, "--out", refused])
    lines = res.err.strip().splitlines()
    c.check(res.rc == 1 and len(lines) == 1 and "receipt does not verify: record" in lines[0],
            "a tampered receipt is refused: exit 1, one line with the verifier's failing check", repr(res))
    c.check(not os.path.exists(refused), "  ... and no certificate is written")
    res = run(["verify", "--receipt", tampered_file, "--genesis", genesis])
    c.check(res.rc == 1, "  ... as `jchain verify --receipt` also refuses it", repr(res))

    other = os.path.join(work, "other.txt")
    open(other, "w").write("another file\n")
    res = run(["certificate", "--receipt", receipt_file, "--genesis", genesis, "--file", other, "--out", refused])
    c.check(res.rc == 1 and "file content" in res.err and not os.path.exists(refused),
            "with --file of another content: exit 1, 'file content', nothing written", repr(res))

    malformed = os.path.join(work, "malformed.json")
    open(malformed, "w").write('{"format": "jchain-receipt/3",')
    res = run(["certificate", "--receipt", malformed, "--genesis", genesis, "--out", refused])
    lines = res.err.strip().splitlines()
    c.check(res.rc == 2 and len(lines) == 1 and "is not valid JSON" in lines[0] and not os.path.exists(refused),
            "a malformed receipt: exit 2, one clear line, nothing written", repr(res))
    open(malformed, "w").write("[1, 2]")
    res = run(["certificate", "--receipt", malformed, "--genesis", genesis, "--out", refused])
    c.check(res.rc == 2 and "is not a receipt" in res.err, "JSON that is not an object: exit 2, 'is not a receipt'",
            repr(res))
    res = run(["certificate", "--receipt", receipt_file, "--genesis", genesis, "--out", refused,
               "--verify-url", "https://court.example/jchain/"])
    c.check(res.rc == 2 and "{record_id}" in res.err, "a --verify-url without {record_id}: exit 2", repr(res))
    from_node = refused + ".from-node.pdf"
    res = run(["certificate", "--receipt", receipt_file, "--out", from_node, "--rpc", node.url])
    c.check(res.rc == 0 and "genesis of the node at" in res.err and os.path.exists(from_node),
            "without --genesis: checked against the node's genesis, and it says so", repr(res))

    c.section("the node: GET and POST /certificate")
    node_qr = f"{node.url}/#record={facts['record_id']}"
    st, ctype, pdf = http_request(node.url, "GET", f"/certificate?record={facts['record_id']}")
    c.check(st == 200 and ctype == "application/pdf" and pdf.startswith(b"%PDF-"),
            "GET /certificate?record=ID answers 200 application/pdf", f"{st} {ctype} {pdf[:200]!r}")
    got = os.path.join(work, "get.pdf")
    open(got, "wb").write(pdf)
    check_page(c, Pdf(got), facts, "GET /certificate", node_qr, disclosed=False)

    st, ctype, pdf = http_request(node.url, "POST", "/certificate", json.dumps(receipt).encode())
    c.check(st == 200 and ctype == "application/pdf" and pdf.startswith(b"%PDF-"),
            "POST /certificate with the receipt answers 200 application/pdf", f"{st} {ctype} {pdf[:200]!r}")
    posted = os.path.join(work, "post.pdf")
    open(posted, "wb").write(pdf)
    check_page(c, Pdf(posted), facts, "POST /certificate", node_qr)

    def json_error(st, ctype, body):
        try:
            return json.loads(body).get("error") if ctype == "application/json" else None
        except ValueError:
            return None

    for label, method, path, data, want_status, want_text in (
            ("an unknown record", "GET", "/certificate?record=" + "0" * 64, None, 404, "is not committed"),
            ("a record id that is not hex", "GET", "/certificate?record=xyz", None, 400, "64 hex"),
            ("no record id", "GET", "/certificate", None, 400, "record"),
            ("a tampered receipt", "POST", "/certificate", json.dumps(tampered).encode(), 400, "record"),
            ("a body that is not JSON", "POST", "/certificate", b"{", 400, "not a receipt"),
            ("a receipt of another chain", "POST", "/certificate",
             json.dumps({**receipt, "chain_id": "other"}).encode(), 400, "chain id"),
            ("PUT", "PUT", "/certificate", b"{}", 405, "GET")):
        st, ctype, out_body = http_request(node.url, method, path, data)
        err = json_error(st, ctype, out_body)
        c.check(st == want_status and isinstance(err, str) and want_text in err,
                f"{label}: HTTP {want_status} with JSON {{\"error\": ...}} saying '{want_text}'",
                f"{st} {ctype} {out_body[:300]!r}")
    # The node's refusal of the tampered receipt is the verifier's message, as the CLI's.
    res = run(["certificate", "--receipt", tampered_file, "--genesis", genesis, "--out", refused])
    st, ctype, out_body = http_request(node.url, "POST", "/certificate", json.dumps(tampered).encode())
    err = json_error(st, ctype, out_body) or ""
    c.check(err != "" and err in res.err, "  ... the node's message is the verifier's, as the CLI prints it",
            f"node: {err!r}, cli: {res.err!r}")
    st, _, _ = http_request(node.url, "POST", "/certificate", b"x" * ((1 << 20) + 1))
    c.equal(st, 413, "a body over rpc.request_bytes_max is refused with 413, as for /rpc")

    # Many at once: each gets its PDF or a 503 (never an unbounded queue), the node stays up.
    statuses, lock = [], threading.Lock()

    def fetch():
        try:
            s, _, b = http_request(node.url, "GET", f"/certificate?record={facts['record_id']}", timeout=60)
            ok = (s == 200 and b.startswith(b"%PDF-")) or s == 503
        except OSError as e:
            s, ok = str(e), False
        with lock:
            statuses.append((s, ok))

    threads = [threading.Thread(target=fetch) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    c.check(len(statuses) == 12 and all(ok for _, ok in statuses) and any(s == 200 for s, _ in statuses),
            "12 requests at once: each gets its PDF or 503 (busy)", repr(statuses))
    st, _ = h.http_get(node.url, "/health")
    c.equal(st, 200, "  ... and /health is still ok")
    print(f"  statuses: {sorted(s for s, _ in statuses)}")

    c.section("node.toml web.verify_url")
    c.equal(node.stop(), 0, "the devnet stops cleanly")
    toml = os.path.join(home, "config", "node.toml")
    text = open(toml).read()
    setting = f'verify_url = "{TEMPLATE}"'
    text = text.replace("[web]\n", "[web]\n" + setting + "\n", 1) if "[web]\n" in text else text + "\n[web]\n" + setting + "\n"
    open(toml, "w").write(text)
    node.start("devnet")
    st, ctype, pdf = http_request(node.url, "GET", f"/certificate?record={facts['record_id']}")
    configured = os.path.join(work, "configured.pdf")
    open(configured, "wb").write(pdf)
    c.check(st == 200, "GET /certificate after the restart", f"{st} {pdf[:200]!r}")
    c.equal(Pdf(configured).qr(), want_qr, "the QR code opens the configured web.verify_url with the record id")
    c.equal(node.stop(), 0, "the devnet stops cleanly")


if __name__ == "__main__":
    h.run_main("jchain certificate and /certificate", body)
