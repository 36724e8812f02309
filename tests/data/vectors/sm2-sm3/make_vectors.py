#!/usr/bin/env python3
"""Writes the sm2-sm3 vectors of docs/encoding.md ("Suites") from the text of that page,
with Python's hashlib SM3 and the openssl command line's SM2: a second implementation,
independent of the C++ one that tests/chain/encoding_test.cpp checks against them.

Run once to freeze; running again changes only the SM2 signatures (their nonces are
random), which the tests verify rather than compare.

usage: make_vectors.py [OUT_DIR]
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
import tempfile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(os.path.dirname(OUT), "")
USER_ID = "1234567812345678"
tmp = tempfile.mkdtemp(prefix="jchain-sm2-vectors-")


def sm3(b: bytes) -> bytes:
    return hashlib.new("sm3", b).digest()


def s(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def pem_of_scalar(k: int) -> str:
    d = k.to_bytes(32, "big")
    der = bytes.fromhex("30310201010420") + d + bytes.fromhex("a00a06082a811ccf5501822d")
    path = os.path.join(tmp, f"k{k}.pem")
    with open(path, "w") as f:
        f.write("-----BEGIN EC PRIVATE KEY-----\n" + base64.encodebytes(der).decode() + "-----END EC PRIVATE KEY-----\n")
    return path


def public_key(k: int) -> tuple[str, str]:
    """(33-byte compressed hex, SPKI PEM with the uncompressed point) of scalar k."""
    spki = subprocess.run(["openssl", "pkey", "-in", pem_of_scalar(k), "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout
    point = spki[-65:]
    assert point[0] == 4
    compressed = bytes([2 | (point[64] & 1)]) + point[1:33]
    pem = subprocess.run(["openssl", "pkey", "-in", pem_of_scalar(k), "-pubout"], check=True,
                         capture_output=True, text=True).stdout
    return compressed.hex(), pem


def sign(k: int, message: bytes) -> str:
    msg, sig = os.path.join(tmp, "m.bin"), os.path.join(tmp, "s.der")
    open(msg, "wb").write(message)
    subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{USER_ID}",
                    "-inkey", pem_of_scalar(k), "-in", msg, "-out", sig], check=True, capture_output=True)
    return open(sig, "rb").read().hex()


# ---- genesis: the secp256k1 vector genesis with SM2 keys (same scalars) and the suite
base = json.load(open(os.path.join(OUT, "..", "genesis.json")))["genesis"]
secp_scalars = {"validator-1": 1, "validator-6": 6, "最高人民法院": 7,
                "公证处": 5, "Beijing Internet Court": 2, "Haidian Police": 3, "观察节点-8": 8}
g = json.loads(json.dumps(base))
g["chain_id"] = "jchain-vectors-sm2"
g["suite"] = "sm2-sm3"
g["sm2_user_id"] = USER_ID
for v in g["validators"]:
    v["public_key"] = public_key(secp_scalars[v["name"]])[0]
for m in g["members"]:
    m["public_key"] = public_key(secp_scalars[m["name"]])[0]
for n in g.get("nodes", []):
    n["public_key"] = public_key(secp_scalars[n["name"]])[0]

vals = sorted(g["validators"], key=lambda v: bytes.fromhex(v["public_key"]))
vset = s(b"jchain/validators/v1") + struct.pack(">I", len(vals))
for v in vals:
    vset += bytes.fromhex(v["public_key"]) + struct.pack(">Q", v["power"]) + s(v["name"].encode())
members = sorted(g["members"], key=lambda m: bytes.fromhex(m["public_key"]))
gb = s(b"jchain/genesis/v5") + s(g["chain_id"].encode()) + struct.pack(">Q", g["genesis_time_ms"]) + vset
gb += struct.pack(">I", len(members))
for m in members:
    gb += bytes.fromhex(m["public_key"]) + s(m["name"].encode()) + s(m["role"].encode()) + struct.pack(">Q", m["since_height"])
kinds = ["evidence", "service", "notice", "judgment", "order", "operation", "handover", "correction", "governance"]
gb += struct.pack(">I", len(g["policy"]))
for kind in kinds:
    roles = sorted(g["policy"][kind], key=lambda r: r.encode())
    gb += s(kind.encode()) + struct.pack(">I", len(roles)) + b"".join(s(r.encode()) for r in roles)
params = g["params"]
gb += struct.pack(">I", len(params))
for name in sorted(params, key=lambda n: n.encode()):
    gb += s(name.encode()) + struct.pack(">Q", params[name])
gb += s(b"sm2-sm3") + s(USER_ID.encode())
nodes = sorted(g.get("nodes", []), key=lambda n: bytes.fromhex(n["public_key"]))
gb += struct.pack(">I", len(nodes)) + b"".join(bytes.fromhex(n["public_key"]) + s(n["name"].encode()) for n in nodes)
# The witnesses: Ed25519 in both suites (C2SP cosignature/v1), so the same verifier keys;
# each is the key then the name, sorted by key.
witnesses = []
for vkey in g.get("witnesses", []):
    name, key_id, key = vkey.split("+", 2)
    key = base64.b64decode(key, validate=True)
    assert len(key) == 33 and key[0] == 4 and hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_id
    witnesses.append((key[1:], name, vkey))
witnesses.sort()
gb += struct.pack(">I", len(witnesses)) + b"".join(k + s(name.encode()) for k, name, _ in witnesses)
g["validators"], g["members"], g["nodes"] = vals, members, nodes  # as genesis_to_json writes them: sorted by key
g["witnesses"] = [vkey for _, _, vkey in witnesses]
genesis_hash = sm3(gb)
json.dump({"description": "The genesis vector's chain under the sm2-sm3 suite: SM2 keys of the same private "
                          "scalars, jchain/genesis/v5 bytes (the suite, the SM2 user ID, the observer nodes and the "
                          "witnesses after the members, policy and parameters), "
                          "hashed with SM3.",
           "genesis": g, "genesis_bytes": gb.hex(), "genesis_hash": genesis_hash.hex()},
          open(os.path.join(OUT, "genesis.json"), "w"), ensure_ascii=False, indent=2)

# ---- a record signed by the court (scalar 2), its id, and a one-leaf ledger
# The same clear values as the secp256k1 vector, blinded with HMAC-SM3 and SM3 commitments
# (docs/encoding.md "Blinded case ids", "Metadata commitments").
evidence = json.load(open(os.path.join(OUT, "..", "record_evidence.json")))
rec, disclosure = evidence["record"], evidence["disclosure"]
rec = dict(rec, chain_id=g["chain_id"], submitter=public_key(2)[0])
sm3_new = lambda data=b"": hashlib.new("sm3", data)
rec["case_tag"] = hmac.new(bytes.fromhex(disclosure["case_key"]), s(b"jchain/case/v1") + s(rec["chain_id"].encode())
                           + s(disclosure["case_id"].encode()), sm3_new).hexdigest()
rec["metadata"] = {k: sm3(s(b"jchain/commitment/v1") + s(k.encode()) + s(d["value"].encode()) + s(bytes.fromhex(d["salt"]))).hex()
                   for k, d in disclosure["metadata"].items()}
rb = s(b"jchain/record/v2") + s(rec["chain_id"].encode()) + s(rec["kind"].encode()) + bytes.fromhex(rec["content_hash"])
rb += s(rec["case_tag"].encode()) + struct.pack(">I", len(rec["metadata"]))
for k in sorted(rec["metadata"], key=lambda x: x.encode()):
    rb += s(k.encode()) + s(rec["metadata"][k].encode())
rb += struct.pack(">I", len(rec["refs"])) + b"".join(bytes.fromhex(r) for r in rec["refs"])
rb += bytes.fromhex(rec["submitter"]) + struct.pack(">Q", rec["client_time_ms"]) + struct.pack(">Q", rec["nonce"])
rid = sm3(rb)
pub_hex, pub_pem = public_key(2)
leaf = sm3(b"\x00" + rid)
second = sm3(b"a second leaf")
json.dump({"description": "The evidence record vector on the sm2-sm3 chain, signed by the court key (private "
                          "scalar 2): id = SM3(signed bytes); the SM2 signature (user ID 1234567812345678, made "
                          "by openssl with a random nonce: verify it, do not expect to reproduce it) signs the "
                          "32-byte id as its message. ledger: SM3 leaf and node hashes of the tree [id, "
                          "SM3('a second leaf')], and the empty tree's root.",
           "record": rec, "disclosure": disclosure, "signed_bytes": rb.hex(), "record_id": rid.hex(),
           "signature": {"private_key": (2).to_bytes(32, "big").hex(), "public_key": pub_hex, "public_key_pem": pub_pem,
                         "sm2_user_id": USER_ID, "der": sign(2, rid)},
           "ledger": {"leaves": [rid.hex(), second.hex()], "leaf_hashes": [leaf.hex(), sm3(b"\x00" + second).hex()],
                      "root": sm3(b"\x01" + leaf + sm3(b"\x00" + second)).hex(), "empty_root": sm3(b"").hex()}},
          open(os.path.join(OUT, "record_evidence.json"), "w"), ensure_ascii=False, indent=2)
print("genesis hash", genesis_hash.hex(), "record id", rid.hex())
