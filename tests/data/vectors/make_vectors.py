#!/usr/bin/env python3
"""Writes the secp256k1-sha256 vectors of docs/encoding.md from the text of that page,
with Python's standard library only (hashlib, hmac, and secp256k1 ECDSA with RFC 6979
nonces written out below): a second implementation, independent of the C++ one that
tests/chain/encoding_test.cpp checks against the same files.

It reads each vector's inputs (the record, genesis, validator-set and vote objects, the
header's own fields: chain id, height, time, proposer) and computes every output from
them: signed bytes, ids, hashes, the header's links to the other vectors (genesis hash,
ledger root and body hash of the two records, validator-set and state hashes) and every
signature. RFC 6979 makes the signatures deterministic, so running it again changes
nothing unless an encoding changed.

usage: make_vectors.py [--check] [DIR]
  --check  write nothing; exit 1 and name each output that differs from DIR's files
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

args = [a for a in sys.argv[1:] if a != "--check"]
CHECK = "--check" in sys.argv[1:]
DIR = args[0] if args else os.path.dirname(os.path.abspath(__file__))

# ---- secp256k1, ECDSA with RFC 6979 nonces and low S (docs/encoding.md, "Signatures")
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def point_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return x, (lam * (a[0] - x) - a[1]) % P


def point_mul(k, pt=G):
    out = None
    while k:
        if k & 1:
            out = point_add(out, pt)
        pt = point_add(pt, pt)
        k >>= 1
    return out


def compressed(pt) -> bytes:
    return bytes([2 + (pt[1] & 1)]) + pt[0].to_bytes(32, "big")


def rfc6979_nonce(x: int, digest: bytes) -> int:
    key = x.to_bytes(32, "big")
    msg = (int.from_bytes(digest, "big") % N).to_bytes(32, "big")
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + key + msg, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + key + msg, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        t = int.from_bytes(v, "big")
        if 1 <= t < N:
            return t
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


def sign(x: int, digest: bytes):
    z = int.from_bytes(digest, "big")
    k = rfc6979_nonce(x, digest)
    r = point_mul(k)[0] % N
    s = pow(k, -1, N) * (z + r * x) % N
    if s > N // 2:
        s = N - s
    return r, s


def der(r: int, s: int) -> bytes:
    def integer(v):
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")  # a leading 00 when the top bit is set
        return b"\x02" + bytes([len(b)]) + b
    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def pem(pt) -> str:
    import base64
    spki = bytes.fromhex("3036301006072a8648ce3d020106052b8104000a032200") + compressed(pt)  # the compressed point
    b64 = base64.b64encode(spki).decode()
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END PUBLIC KEY-----\n"


def signature(scalar: int, digest: bytes) -> dict:
    r, s_ = sign(scalar, digest)
    pub = point_mul(scalar)
    return {"private_key": scalar.to_bytes(32, "big").hex(), "public_key": compressed(pub).hex(),
            "public_key_pem": pem(pub), "compact": (r.to_bytes(32, "big") + s_.to_bytes(32, "big")).hex(),
            "der": der(r, s_).hex()}


# ---- the encodings (docs/encoding.md)
KINDS = ["evidence", "service", "notice", "judgment", "order", "operation", "handover", "correction", "governance"]
PARAMS = {"block_bytes_max": 16777216, "block_records_max": 10000, "block_time_drift_ms": 2000,
          "client_time_window_ms": 600000, "record_bytes_max": 8192, "timeout_precommit_delta_ms": 250,
          "timeout_precommit_ms": 500, "timeout_prevote_delta_ms": 250, "timeout_prevote_ms": 500,
          "timeout_propose_delta_ms": 500, "timeout_propose_ms": 1000, "witness_quorum": 1}
u8, u32, u64 = (lambda v: struct.pack(">B", v)), (lambda v: struct.pack(">I", v)), (lambda v: struct.pack(">Q", v))
H = bytes.fromhex
sha256 = lambda b: hashlib.sha256(b).digest()


def s(text: str) -> bytes:
    b = text.encode()
    return u32(len(b)) + b


def case_tag(key: bytes, chain_id: str, case_id: str, digest=hashlib.sha256) -> str:
    """docs/encoding.md "Blinded case ids": HMAC(case_key, str(domain) || str(chain_id) || str(case_id))."""
    return hmac.new(key, s("jchain/case/v1") + s(chain_id) + s(case_id), digest).hexdigest()


def commitment(key: str, value: str, salt: bytes, digest=hashlib.sha256) -> str:
    """docs/encoding.md "Metadata commitments": H(str(domain) || str(key) || str(value) || var(salt))."""
    return digest(s("jchain/commitment/v1") + s(key) + s(value) + u32(len(salt)) + salt).hexdigest()


def blind(r, disclosure, digest=hashlib.sha256):
    """The record's on-chain case_tag and metadata from the clear values of its disclosure
    (a correction's action stays in clear, as every governance value)."""
    r = dict(r)
    r["case_tag"] = case_tag(H(disclosure["case_key"]), r["chain_id"], disclosure["case_id"], digest) \
        if "case_id" in disclosure else ""
    md = {k: v for k, v in r.get("metadata", {}).items() if r["kind"] == "governance" or (r["kind"] == "correction" and k == "action")}
    for k, d in disclosure.get("metadata", {}).items():
        md[k] = commitment(k, d["value"], H(d["salt"]), digest)
    r["metadata"] = md
    return r


def record_bytes(r):
    md = sorted(r["metadata"].items(), key=lambda kv: kv[0].encode())
    return (s("jchain/record/v2") + s(r["chain_id"]) + s(r["kind"]) + H(r["content_hash"]) + s(r["case_tag"])
            + u32(len(md)) + b"".join(s(k) + s(v) for k, v in md)
            + u32(len(r["refs"])) + b"".join(H(x) for x in r["refs"])
            + H(r["submitter"]) + u64(r["client_time_ms"]) + u64(r["nonce"]))


def validator_set_bytes(vs):
    vs = sorted(vs, key=lambda v: H(v["public_key"]))
    return s("jchain/validators/v1") + u32(len(vs)) + b"".join(H(v["public_key"]) + u64(v["power"]) + s(v["name"]) for v in vs)


def policy_bytes(policy):
    items = sorted(policy.items(), key=lambda kv: KINDS.index(kv[0]))
    return u32(len(items)) + b"".join(
        s(k) + u32(len(set(rs))) + b"".join(s(x) for x in sorted(set(rs), key=str.encode)) for k, rs in items)


def params_bytes(params):
    items = sorted({**PARAMS, **params}.items(), key=lambda kv: kv[0].encode())
    return u32(len(items)) + b"".join(s(k) + u64(v) for k, v in items)


def nodes_bytes(nodes):
    nodes = sorted(nodes, key=lambda n: H(n["public_key"]))
    return u32(len(nodes)) + b"".join(H(n["public_key"]) + s(n["name"]) for n in nodes)


def witness_of(vkey):
    """(name, 32-byte Ed25519 key) of a C2SP verifier key name+keyid+base64(0x04 || key),
    its key id checked: SHA-256(name || 0x0A || 0x04 || key)[:4]."""
    name, key_id, key = vkey.split("+", 2)
    key = base64.b64decode(key, validate=True)
    assert len(key) == 33 and key[0] == 4 and sha256(name.encode() + b"\n" + key)[:4].hex() == key_id, vkey
    return name, key[1:]


def witnesses_bytes(vkeys):
    ws = sorted((witness_of(v) for v in vkeys), key=lambda w: w[1])
    return u32(len(ws)) + b"".join(k + s(name) for name, k in ws)


def genesis_bytes(g):
    ms = sorted(g["members"], key=lambda m: H(m["public_key"]))
    return (s("jchain/genesis/v5") + s(g["chain_id"]) + u64(g["genesis_time_ms"]) + validator_set_bytes(g["validators"])
            + u32(len(ms)) + b"".join(H(m["public_key"]) + s(m["name"]) + s(m["role"]) + u64(m["since_height"]) for m in ms)
            + policy_bytes(g["policy"]) + params_bytes(g.get("params", {}))
            + s(g.get("suite", "secp256k1-sha256")) + s("") + nodes_bytes(g.get("nodes", []))
            + witnesses_bytes(g.get("witnesses", [])))


def state_bytes(g, height):
    """The state of genesis `g` at `height`, before any governance: members whose
    since_height (0 counts as 1) is at most `height`, the genesis observer nodes and witnesses."""
    ms = [m for m in g["members"] if max(1, m["since_height"]) <= height]
    ms = sorted(ms, key=lambda m: H(m["public_key"]))
    return (s("jchain/state/v3")
            + u32(len(ms)) + b"".join(H(m["public_key"]) + s(m["name"]) + s(m["role"]) + u64(max(1, m["since_height"]))
                                      for m in ms)
            + policy_bytes(g["policy"]) + params_bytes(g.get("params", {})) + nodes_bytes(g.get("nodes", []))
            + witnesses_bytes(g.get("witnesses", [])))


def ledger_root(ids):
    if not ids:
        return sha256(b"")
    if len(ids) == 1:
        return sha256(b"\x00" + ids[0])
    k = 1 << ((len(ids) - 1).bit_length() - 1)
    return sha256(b"\x01" + ledger_root(ids[:k]) + ledger_root(ids[k:]))


def body_bytes(ids, compact_sigs):
    return s("jchain/body/v1") + u32(len(ids)) + b"".join(i + c for i, c in zip(ids, compact_sigs))


def header_bytes(h):
    return (s("jchain/header/v3") + s(h["chain_id"]) + u64(h["height"]) + u64(h["time_ms"]) + H(h["prev_hash"])
            + H(h["genesis_hash"]) + u64(h["record_count"]) + u64(h["ledger_size"]) + H(h["ledger_root"])
            + H(h["body_hash"]) + H(h["validator_set_hash"]) + H(h["next_validator_set_hash"]) + H(h["state_hash"])
            + H(h["proposer"]))


def vote_bytes(v):
    return (s("jchain/vote/v1") + s(v["chain_id"]) + u8({"prevote": 1, "precommit": 2}[v["type"]])
            + u64(v["height"]) + u32(v["round"]) + H(v["block_hash"]))


# ---- the vectors
def load(name):
    with open(os.path.join(DIR, name), encoding="utf-8") as f:
        return json.load(f)


out = {}
scalar_of = {compressed(point_mul(k)).hex(): k for k in range(1, 16)}  # test keys are small scalars

records = []
for name in ("record_evidence.json", "record_correction.json"):
    v = load(name)
    v["record"] = blind(v["record"], v["disclosure"])
    signed = record_bytes(v["record"])
    v["signed_bytes"] = signed.hex()
    v["record_id"] = sha256(signed).hex()
    v["signature"] = signature(scalar_of[v["record"]["submitter"]], sha256(signed))
    out[name] = v
    records.append(v)

vs = load("validator_set.json")
vs["validator_set_bytes"] = validator_set_bytes(vs["validator_set"]).hex()
vs["validator_set_hash"] = sha256(validator_set_bytes(vs["validator_set"])).hex()
out["validator_set.json"] = vs

gv = load("genesis.json")
if "nodes" not in gv["genesis"]:  # an observer node (scalar 8), so that field 10 is not empty
    gv["genesis"]["nodes"] = [{"name": "观察节点-8", "public_key": compressed(point_mul(8)).hex()}]
if "witnesses" not in gv["genesis"]:  # a witness (RFC 8032 test 1's key), so that field 11 is not empty
    key = b"\x04" + H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    name = "witness.example/vectors"
    gv["genesis"]["witnesses"] = [name + "+" + sha256(name.encode() + b"\n" + key)[:4].hex() + "+"
                                  + base64.b64encode(key).decode()]
    gv["genesis"]["params"].setdefault("witness_quorum", 1)
    gv["description"] = gv["description"].replace("one observer node (scalar 8), ", "one observer node (scalar 8), one "
        "witness (the Ed25519 key of RFC 8032 test 1), ").replace("jchain/genesis/v4 bytes (suite secp256k1-sha256, "
        "empty SM2 user ID, the node list)", "jchain/genesis/v5 bytes (suite secp256k1-sha256, empty SM2 user ID, the "
        "node list, the witness list)")
gv["genesis_bytes"] = genesis_bytes(gv["genesis"]).hex()
gv["genesis_hash"] = sha256(genesis_bytes(gv["genesis"])).hex()
out["genesis.json"] = gv

hv = load("header.json")
h = hv["header"]
ids = [H(r["record_id"]) for r in records]
sigs = [H(r["signature"]["compact"]) for r in records]
hv["header"] = {
    "chain_id": h["chain_id"], "height": h["height"], "time_ms": h["time_ms"],
    "prev_hash": gv["genesis_hash"], "genesis_hash": gv["genesis_hash"],
    "record_count": len(ids), "ledger_size": len(ids), "ledger_root": ledger_root(ids).hex(),
    "body_hash": sha256(body_bytes(ids, sigs)).hex(),
    "validator_set_hash": vs["validator_set_hash"], "next_validator_set_hash": vs["validator_set_hash"],
    "state_hash": sha256(state_bytes(gv["genesis"], h["height"])).hex(), "proposer": h["proposer"],
}
hv["ledger_leaves"] = [i.hex() for i in ids]
hv["record_signatures"] = [c.hex() for c in sigs]
hv["body_bytes"] = body_bytes(ids, sigs).hex()
hv["header_bytes"] = header_bytes(hv["header"]).hex()
hv["block_hash"] = sha256(header_bytes(hv["header"])).hex()
hv["state_bytes"] = state_bytes(gv["genesis"], h["height"]).hex()
out["header.json"] = hv

vv = load("vote.json")
for i, item in enumerate(vv["votes"]):
    v = item["vote"]
    if i == 0:  # the precommit for block 1 of header.json
        v["block_hash"] = hv["block_hash"]
    signed = vote_bytes(v)
    item["signed_bytes"] = signed.hex()
    item["digest"] = sha256(signed).hex()
    item["signature"] = signature(int(item["signature"]["private_key"], 16), sha256(signed))
out["vote.json"] = vv

differs = []
for name, value in out.items():
    path = os.path.join(DIR, name)
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    with open(path, encoding="utf-8") as f:
        if json.load(f) == value:
            continue
    differs.append(name)
    if not CHECK:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
if CHECK and differs:
    print("differs from this implementation: " + ", ".join(differs))
    sys.exit(1)
print(("checked: " if CHECK else "written: ") + (", ".join(differs) if not CHECK else "all vectors agree") if differs or CHECK else "unchanged")
