"""Shared helpers for the process tests: they drive the real `jchain` binary as a user would.

Standard library only (Python 3.11). What is here:

- `Checker`: named checks that print what they verify and collect failures, so one run
  reports every broken promise instead of only the first; `finish()` sets the exit code.
- `Node`: starts `jchain devnet` / `jchain start` on a free loopback port in a temporary
  home, waits for /health, and is always killed at exit (atexit, SIGTERM/SIGINT handlers
  and PR_SET_PDEATHSIG, so even a test runner's SIGKILL of this script takes the node down).
- `cli()`: runs a `jchain` command with a timeout and captures its output and exit code.
- `rpc()` / `post_raw()`: JSON-RPC and raw HTTP against a node. A request that calls a
  method the node serves only to signed requests (get_block, get_record, case_history;
  docs/rpc.md, "Who may read what") is signed centrally with a key in force found in the
  homes of the nodes this harness started (`auth="auto"`, the default); `auth=None` sends
  it unsigned (a stranger), `auth=KEY` signs with that key. `cli()` hands such a key to
  `jchain audit|export|monitor` as $JCHAIN_READ_KEY unless the test set it.
- A pure-Python secp256k1 ECDSA signer and the record's canonical signed bytes
  (chain/record.cpp), so tests can build signed records the CLI cannot make (a stale
  client time, an oversized field, a chosen nonce). `test_rpc_errors.py` checks these
  bytes against what the CLI signs, so a drift in either is caught.
- RFC 6962 (RFC 9162 section 2.1) inclusion and consistency proof checks and tree roots,
  written from the RFC, independent of the C++.
- `CaptureProxy`: a tiny JSON-RPC server that stands in for the node in front of
  `jchain submit`: it answers `status` (optionally with another chain id) and records the
  signed record the CLI sends instead of submitting it.
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import hashlib
import hmac
import http.client
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# ---------------------------------------------------------------------------- checks


class TestFailure(Exception):
    """A check that the rest of the test depends on failed."""


class Checker:
    """Prints each check and collects failures; `require` stops the test, `check` goes on."""

    def __init__(self, name: str):
        self.name = name
        self.failures: list[str] = []
        self.passed = 0
        self.started = time.monotonic()
        print(f"=== {name}", flush=True)

    def section(self, title: str) -> None:
        print(f"\n--- {title}", flush=True)

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {what}", flush=True)
        else:
            msg = what + (f"\n          {detail}" if detail else "")
            self.failures.append(msg)
            print(f"  FAIL  {msg}", flush=True)
        return ok

    def require(self, ok: bool, what: str, detail: str = "") -> None:
        if not self.check(ok, what, detail):
            raise TestFailure(what)

    def equal(self, got, want, what: str) -> bool:
        return self.check(got == want, what, f"got {short(got)!s}, want {short(want)!s}")

    def finish(self) -> int:
        took = time.monotonic() - self.started
        print(f"\n=== {self.name}: {self.passed} checks passed, {len(self.failures)} failed, {took:.1f} s", flush=True)
        for f in self.failures:
            print(f"  FAILED: {f}", flush=True)
        return 0 if not self.failures else 1


def short(v, limit: int = 300) -> str:
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def run_main(name: str, body) -> None:
    """Runs body(checker, jchain_path) and exits with 0 only if every check passed."""
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} /path/to/jchain", file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        print(f"{binary} is not an executable jchain binary", file=sys.stderr)
        sys.exit(2)
    checker = Checker(name)
    code = 1
    try:
        body(checker, binary)
        code = checker.finish()
    except TestFailure as e:
        checker.finish()
        print(f"stopped: a required check failed: {e}", flush=True)
        code = 1
    except Exception:  # an unexpected error is a failure too, with its traceback
        traceback.print_exc()
        checker.finish()
        code = 1
    finally:
        stop_all_processes()
        cleanup_temp_dirs(keep=code != 0)
    sys.exit(code)


# ---------------------------------------------------------------------------- processes and temp dirs

_processes: list[subprocess.Popen] = []
_processes_lock = threading.Lock()
_temp_dirs: list[str] = []


try:  # loaded once here: the child between fork and exec must not dlopen or import
    _prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _set_pdeathsig() -> None:
    # Runs in the child before exec: SIGKILL it if the thread that started it dies
    # (PR_SET_PDEATHSIG = 1), so a runner that SIGKILLs this script leaves no node behind.
    if _prctl is not None:
        _prctl(1, signal.SIGKILL, 0, 0, 0)


def stop_all_processes() -> None:
    with _processes_lock:
        procs = list(_processes)
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
            except ProcessLookupError:
                pass
    for p in procs:
        try:
            p.wait(timeout=10)
        except Exception:
            pass


def cleanup_temp_dirs(keep: bool) -> None:
    for d in _temp_dirs:
        if keep and os.environ.get("JCHAIN_TEST_KEEP", "1") != "0":
            print(f"(kept {d} for inspection)", flush=True)
        else:
            shutil.rmtree(d, ignore_errors=True)
    _temp_dirs.clear()


def _on_signal(signum, frame):
    stop_all_processes()
    sys.exit(128 + signum)


atexit.register(stop_all_processes)
signal.signal(signal.SIGTERM, _on_signal)


def temp_dir(prefix: str = "jchain-proc-") -> str:
    d = tempfile.mkdtemp(prefix=prefix)
    _temp_dirs.append(d)
    return d


def free_port() -> int:
    """A loopback port that was free a moment ago (the node binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_env(home_dir: str, rpc_url: str | None = None) -> dict:
    """Environment for jchain: HOME points into the temp dir so nothing touches ~/.jchain."""
    env = dict(os.environ)
    env["HOME"] = home_dir
    if rpc_url:
        env["JCHAIN_RPC"] = rpc_url
    else:
        env.pop("JCHAIN_RPC", None)
    return env


class CliResult:
    def __init__(self, args, rc, out, err, seconds):
        self.args, self.rc, self.out, self.err, self.seconds = args, rc, out, err, seconds

    def __repr__(self):
        return (f"`jchain {' '.join(self.args)}` exit {self.rc}\n          stdout: {short(self.out.strip(), 600)}"
                f"\n          stderr: {short(self.err.strip(), 600)}")

    def json(self):
        return json.loads(self.out)


def cli(binary: str, args: list[str], env: dict | None = None, timeout: float = 90, cwd: str | None = None,
        input_text: str | None = None, from_thread: bool = False) -> CliResult:
    """Runs `jchain ARGS` to completion; a hang past `timeout` is killed and reported as rc -9.

    `from_thread`: called from a worker thread while others run; then no preexec_fn (not
    safe with threads), and the child is still killed at exit by stop_all_processes."""
    env = _with_read_key(args, env)
    t0 = time.monotonic()
    p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE,
                         env=env, cwd=cwd, text=True, preexec_fn=None if from_thread else _set_pdeathsig)
    with _processes_lock:
        _processes.append(p)
    try:
        out, err = p.communicate(input=input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += f"\n[test harness: killed after {timeout} s]"
    finally:
        with _processes_lock:
            if p in _processes:
                _processes.remove(p)
    return CliResult(args, p.returncode, out, err, time.monotonic() - t0)


# ---------------------------------------------------------------------------- HTTP and JSON-RPC


class RpcError(Exception):
    def __init__(self, method, error):
        self.method, self.error = method, error
        self.code = error.get("code") if isinstance(error, dict) else None
        data = error.get("data") if isinstance(error, dict) else None
        self.reason = data.get("reason") if isinstance(data, dict) else None
        super().__init__(f"{method}: {error}")


def post_raw(url: str, body: bytes, path: str = "/rpc", timeout: float = 30, method: str = "POST",
             headers: dict | None = None, auth="auto"):
    """POSTs raw bytes; returns (http_status, body_bytes). Works for error statuses too.

    `auth`: "auto" signs a JSON-RPC body that calls a keyed method with a key in force the
    harness found (below); None sends it unsigned; a `Key`/`Sm2Key` signs with that key."""
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    signed = False
    if method == "POST" and path in ("/rpc", "/") and "Authorization" not in h and auth is not None:
        if auth == "auto":
            if any(m in body for m in KEYED_METHODS):
                chosen = read_key_for(url)
                if chosen:
                    h["Authorization"] = read_authorization(chosen[1], url, body)
                    signed = True
        else:
            h["Authorization"] = read_authorization(auth, url, body)
    status, out = _post(url, body, path, timeout, method, h)
    # The key chosen may have left the set since (suspended, rotated, removed): choose again
    # and resend, for a body that only reads.
    if signed and status == 200 and _refused_for_key(out) and not any(w in body for w in _WRITE_METHODS):
        chosen = read_key_for(url, refresh=True)
        if chosen:
            h["Authorization"] = read_authorization(chosen[1], url, body)
            status, out = _post(url, body, path, timeout, method, h)
    return status, out


def _post(url: str, body: bytes, path: str, timeout: float, method: str, headers: dict):
    host, port = host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------- signed reads (docs/rpc.md)

KEYED_METHODS = (b'"get_block"', b'"get_record"', b'"case_history"')
_WRITE_METHODS = (b'"submit_record"', b'"add_cosignature"')
UNAUTHORIZED = -32091
READ_TAG = b"jchain/read/v1"

_read_lock = threading.RLock()
_read_homes: dict[str, str] = {}        # "host:port" -> the home of the node serving it
_chosen_keys: dict[str, tuple | None] = {}  # "host:port" -> (key file, key) in force there
_chain_infos: dict[str, dict] = {}      # "host:port" -> {"chain_id", "sm2_user_id"}
_loaded_keys: dict[str, object] = {}
_key_dir: list[str] = []


def _hp(url: str) -> str:
    host, port = host_port(url)
    return f"{host}:{port}"


def register_read_home(url: str, home: str) -> None:
    """The node at `url` runs from `home`: its key files may sign reads (to any node)."""
    with _read_lock:
        _read_homes[_hp(url)] = home
        _chosen_keys.pop(_hp(url), None)
        _chain_infos.pop(_hp(url), None)


def _key_files(hp: str) -> list[str]:
    """Key files of the homes the harness knows, the home of the node at `hp` first."""
    homes = list(_read_homes.values())
    own = _read_homes.get(hp)
    if own in homes:
        homes.remove(own)
        homes.insert(0, own)
    out: list[str] = []
    for home in homes:
        for p in (os.path.join(home, "config", "node_key.json"), os.path.join(home, "config", "member_key.json"),
                  os.path.join(home, "config", "demo_member_key.json"),
                  os.path.join(os.path.dirname(home.rstrip("/")), "demo_member_key.json")):
            if p not in out and os.path.exists(p):
                out.append(p)
    return out


def load_any_key(path: str):
    """A `jchain keygen` file of either suite as a `Key` or `Sm2Key` (None if unreadable)."""
    with _read_lock:
        if path in _loaded_keys:
            return _loaded_keys[path]
        try:
            doc = json.load(open(path))
            if doc.get("type") == "sm2":
                if not _key_dir:
                    _key_dir.append(temp_dir("jchain-readkeys-"))
                key = Sm2Key(doc["private_key"], doc["public_key"], _key_dir[0])
            else:
                key = Key(int(doc["private_key"], 16))
        except (OSError, ValueError, KeyError, AssertionError):
            return None
        _loaded_keys[path] = key
        return key


def chain_info(url: str, refresh: bool = False) -> dict:
    """The node's chain id and SM2 signer id (from `status`, unsigned), cached."""
    hp = _hp(url)
    with _read_lock:
        if not refresh and hp in _chain_infos:
            return _chain_infos[hp]
    req = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "status"}).encode()
    status, out = _post(url, req, "/rpc", 10, "POST", {"Content-Type": "application/json"})
    st = json.loads(out)["result"]
    info = {"chain_id": st["chain_id"], "suite": st.get("suite", "secp256k1-sha256"),
            "sm2_user_id": st.get("sm2_user_id") or "1234567812345678"}
    with _read_lock:
        _chain_infos[hp] = info
    return info


def read_signed_bytes(chain_id: str, public_hex: str, time_ms: int, body_hash: bytes) -> bytes:
    """node/read_access.cpp read_signed_bytes: what a reader signs (its suite hash)."""
    return (_str(READ_TAG) + _str(chain_id.encode()) + bytes.fromhex(public_hex) + struct.pack(">Q", time_ms)
            + body_hash)


def read_authorization(key, url: str, body: bytes, time_ms: int | None = None, chain_id: str | None = None,
                       sign_body: bytes | None = None) -> str:
    """The Authorization header for `body` (`sign_body`: sign these bytes instead, to test)."""
    info = chain_info(url)
    t = now_ms() if time_ms is None else time_ms
    hash_fn = sm3 if isinstance(key, Sm2Key) else sha256
    signed = read_signed_bytes(chain_id or info["chain_id"], key.public_hex, t,
                               hash_fn(body if sign_body is None else sign_body))
    if isinstance(key, Sm2Key):
        sig = key.sign_digest(sm3(signed), info["sm2_user_id"])
    else:
        sig = key.sign_digest(sha256(signed))
    return f"JChain-Sig key={key.public_hex},time={t},sig={sig.hex()}"


def _refused_for_key(out: bytes) -> bool:
    if str(UNAUTHORIZED).encode() not in out:
        return False
    try:
        doc = json.loads(out)
    except ValueError:
        return False
    for a in doc if isinstance(doc, list) else [doc]:
        err = a.get("error") if isinstance(a, dict) else None
        if isinstance(err, dict) and err.get("code") == UNAUTHORIZED:
            return True
    return False


def read_key_for(url: str, refresh: bool = False):
    """(key file, key) that the node at `url` admits to keyed methods, or None: the first of
    the known homes' keys (its own first) that a signed probe gets past the check with."""
    hp = _hp(url)
    # No lock held while probing: the node may be a test's proxy, whose handler thread
    # signs its own forwarded requests through here.
    with _read_lock:
        if not refresh and hp in _chosen_keys and _chosen_keys[hp] is not None:
            return _chosen_keys[hp]
        files = _key_files(hp)
    try:
        info = chain_info(url, refresh)
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        return None
    probe = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "get_block", "params": {"height": 0}}).encode()
    chosen = None
    for path in files:
        key = load_any_key(path)
        if key is None or isinstance(key, Sm2Key) != (info["suite"] == "sm2-sm3"):
            continue
        try:
            status, out = _post(url, probe, "/rpc", 10, "POST", {"Content-Type": "application/json",
                                                                  "Authorization": read_authorization(key, url, probe)})
        except (OSError, http.client.HTTPException, subprocess.CalledProcessError):
            continue
        if status == 200 and not _refused_for_key(out):
            chosen = (path, key)
            break
    with _read_lock:
        _chosen_keys[hp] = chosen
    return chosen


def _with_read_key(args: list[str], env: dict | None) -> dict | None:
    """`jchain audit|export|monitor`: $JCHAIN_READ_KEY set to a key the node admits."""
    if not any(a in ("audit", "export", "monitor") for a in args):
        return env
    if env is not None and "JCHAIN_READ_KEY" in env:
        return env
    url = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--rpc"),
               (env if env is not None else os.environ).get("JCHAIN_RPC"))
    if not url:
        return env
    if "://" not in url:
        url = "http://" + url
    try:
        chosen = read_key_for(url)
    except Exception:
        chosen = None
    if not chosen:
        return env
    out = dict(env if env is not None else os.environ)
    out["JCHAIN_READ_KEY"] = chosen[0]
    return out


def host_port(url: str) -> tuple[str, int]:
    rest = url.split("://", 1)[-1].split("/", 1)[0]
    host, port = rest.rsplit(":", 1)
    return host, int(port)


_ids = iter(range(1, 1 << 62))
_ids_lock = threading.Lock()


def next_id() -> int:
    with _ids_lock:
        return next(_ids)


def testnet_nodes(binary: str, spec: dict, workdir: str) -> list["Node"]:
    """`Node`s for the homes `jchain testnet --json` wrote (`spec`), rewired to P2P ports
    picked free now, each listing every other as a peer (RPC ports are the harness's)."""
    p2p = [f"127.0.0.1:{free_port()}" for _ in spec["nodes"]]
    nodes = []
    for i, n in enumerate(spec["nodes"]):
        set_toml_value(n["home"], "p2p", "listen", p2p[i])
        set_toml_value(n["home"], "p2p", "peers", [a for j, a in enumerate(p2p) if j != i])
        node = Node(binary, n["home"], workdir, name=f"node{i}")
        node.free_p2p_port = False
        nodes.append(node)
    return nodes


def wait_until(pred, timeout: float, step: float = 0.1):
    """Polls `pred` until it returns something true (returned) or `timeout` s pass (None).
    A node that is down or busy (connection errors, RPC errors, missing fields) counts as
    not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except (OSError, RpcError, ValueError, KeyError):
            pass
        time.sleep(step)
    return None


def rpc_call(url: str, method: str, params=None, timeout: float = 30, auth="auto") -> dict:
    """One JSON-RPC call; returns the whole response object (result or error)."""
    req = {"jsonrpc": "2.0", "id": next_id(), "method": method}
    if params is not None:
        req["params"] = params
    status, body = post_raw(url, json.dumps(req).encode(), timeout=timeout, auth=auth)
    if status != 200:
        raise RuntimeError(f"{method}: HTTP {status}: {body[:300]!r}")
    return json.loads(body)


def rpc(url: str, method: str, params=None, timeout: float = 30, auth="auto"):
    """One JSON-RPC call; returns its result or raises RpcError."""
    resp = rpc_call(url, method, params, timeout, auth)
    if "error" in resp:
        raise RpcError(method, resp["error"])
    return resp["result"]


def rpc_batch(url: str, calls: list[tuple[str, dict]], timeout: float = 60, auth="auto") -> list[dict]:
    """A JSON-RPC batch; returns the response objects in the order of `calls`."""
    reqs = []
    for method, params in calls:
        reqs.append({"jsonrpc": "2.0", "id": next_id(), "method": method, "params": params})
    status, body = post_raw(url, json.dumps(reqs).encode(), timeout=timeout, auth=auth)
    if status != 200:
        raise RuntimeError(f"batch: HTTP {status}: {body[:300]!r}")
    answers = {a.get("id"): a for a in json.loads(body)}
    return [answers.get(r["id"]) for r in reqs]


def http_get(url: str, path: str, timeout: float = 5):
    host, port = host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------- nodes


def set_rpc_listen(home: str, address: str) -> None:
    """Rewrites rpc.listen in HOME/config/node.toml (only inside the [rpc] table)."""
    path = os.path.join(home, "config", "node.toml")
    lines = open(path).read().split("\n")
    section = ""
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
        elif section == "rpc" and s.startswith("listen") and "=" in s:
            lines[i] = f'listen = "{address}"'
    open(path, "w").write("\n".join(lines))


def set_toml_value(home: str, table: str, key: str, value) -> None:
    """Sets table.key in node.toml (the key must already be there, as `jchain init` writes it)."""
    path = os.path.join(home, "config", "node.toml")
    lines = open(path).read().split("\n")
    section, done = "", False
    rendered = json.dumps(value) if isinstance(value, str) else str(value)
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
        elif section == table and s.split("=", 1)[0].strip() == key:
            lines[i] = f"{key} = {rendered}"
            done = True
    if not done:
        raise RuntimeError(f"{table}.{key} not found in {path}")
    open(path, "w").write("\n".join(lines))


class Node:
    """One running `jchain` node process. Always stopped at exit."""

    def __init__(self, binary: str, home: str, workdir: str, name: str = "node"):
        self.binary, self.home, self.workdir, self.name = binary, home, workdir, name
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.url: str | None = None
        self.log_path: str | None = None
        self.starts = 0
        self.prefix: list[str] = []  # a command to run jchain under (e.g. faketime)
        self.extra_env: dict = {}

    # `how` is "devnet" (creates the home when missing, resumes otherwise) or "start".
    def start(self, how: str = "devnet", port: int | None = None, timeout: float = 30, attempts: int = 3,
              wait: bool = True) -> None:
        """Starts the node and waits for a healthy /health (`wait=False`: returns at once)."""
        assert self.proc is None or self.proc.poll() is not None, "node already running"
        last_error = ""
        for _ in range(attempts):
            self.port = port or free_port()
            address = f"127.0.0.1:{self.port}"
            if os.path.exists(os.path.join(self.home, "config", "node.toml")):
                set_rpc_listen(self.home, address)  # --rpc-listen only applies to a new devnet
                if getattr(self, "free_p2p_port", True):  # a lone validator needs no fixed P2P port
                    set_toml_value(self.home, "p2p", "listen", "127.0.0.1:0")
            if how == "devnet":
                args = ["devnet", "--home", self.home, "--rpc-listen", address]
            elif how == "start":
                args = ["start", "--home", self.home]
            else:
                raise ValueError(how)
            self.starts += 1
            self.log_path = os.path.join(self.workdir, f"{self.name}.{self.starts}.log")
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.prefix + [self.binary] + args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env={**test_env(self.workdir), **self.extra_env},
                                         preexec_fn=_set_pdeathsig)
            log.close()
            with _processes_lock:
                _processes.append(self.proc)
            self.url = f"http://{address}"
            register_read_home(self.url, self.home)
            if not wait:
                return
            ok, last_error = self._wait_healthy(timeout)
            if ok:
                return
            if self.proc.poll() is None:
                self.kill()
            if "address" not in self.log_text().lower() and "bind" not in self.log_text().lower():
                break  # not a port clash: retrying will not help
            port = None
        raise TestFailure(f"node `jchain {' '.join(args)}` did not become healthy: {last_error}\n"
                          f"--- log {self.log_path}:\n{self.log_text()[-3000:]}")

    def _wait_healthy(self, timeout: float) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout
        err = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, f"process exited with {self.proc.returncode}"
            try:
                status, body = http_get(self.url, "/health", timeout=2)
                if status == 200 and json.loads(body).get("status") == "ok":
                    return True, ""
                err = f"/health answered {status} {body[:200]!r}"
            except (OSError, http.client.HTTPException, ValueError) as e:
                err = str(e)
            time.sleep(0.05)
        return False, f"no healthy /health within {timeout} s ({err})"

    def log_text(self) -> str:
        try:
            return open(self.log_path, "rb").read().decode(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash, no chance to flush or clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._forget()

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM and wait; returns the exit code (a hang is killed and reported as None)."""
        if not self.proc:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                rc = None
        self._forget()
        return rc

    def _forget(self) -> None:
        with _processes_lock:
            if self.proc in _processes:
                _processes.remove(self.proc)

    def rpc(self, method: str, params=None, timeout: float = 30, auth="auto"):
        return rpc(self.url, method, params, timeout, auth)

    def status(self) -> dict:
        return self.rpc("status")


# ---------------------------------------------------------------------------- secp256k1 (pure Python)

_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8, 1)
_INF = (0, 1, 0)
N_ORDER = _N


def _jdouble(p):
    x, y, z = p
    if z == 0 or y == 0:
        return _INF
    yy = y * y % _P
    s = 4 * x * yy % _P
    m = 3 * x * x % _P
    x3 = (m * m - 2 * s) % _P
    y3 = (m * (s - x3) - 8 * yy * yy) % _P
    return (x3, y3, 2 * y * z % _P)


def _jadd(p, q):
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1, z2z2 = z1 * z1 % _P, z2 * z2 % _P
    u1, u2 = x1 * z2z2 % _P, x2 * z1z1 % _P
    s1, s2 = y1 * z2 * z2z2 % _P, y2 * z1 * z1z1 % _P
    if u1 == u2:
        return _jdouble(p) if s1 == s2 else _INF
    h, r = (u2 - u1) % _P, (s2 - s1) % _P
    hh = h * h % _P
    hhh = h * hh % _P
    v = u1 * hh % _P
    x3 = (r * r - hhh - 2 * v) % _P
    y3 = (r * (v - x3) - s1 * hhh) % _P
    return (x3, y3, h * z1 * z2 % _P)


# k*G = sum of _TABLE[i][nibble i of k]: 64 additions per multiplication.
_TABLE: list[list[tuple]] = []


def _table():
    if not _TABLE:
        base = _G
        for _ in range(64):
            row = [_INF]
            for j in range(1, 16):
                row.append(_jadd(row[-1], base))
            _TABLE.append(row)
            base = _jadd(row[15], base)
    return _TABLE


def _mul_g(k: int):
    t = _table()
    acc = _INF
    for i in range(64):
        nib = (k >> (4 * i)) & 15
        if nib:
            acc = _jadd(acc, t[i][nib])
    return acc


def _affine(p):
    zi = pow(p[2], -1, _P)
    zi2 = zi * zi % _P
    return p[0] * zi2 % _P, p[1] * zi2 * zi % _P


def der_int(v: int) -> bytes:
    b = v.to_bytes(32, "big").lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def der_signature(r: int, s: int) -> bytes:
    body = der_int(r) + der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def parse_der_signature(der: bytes) -> tuple[int, int]:
    assert der[0] == 0x30 and der[1] == len(der) - 2, "not a DER sequence"
    i = 2
    out = []
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out.append(int.from_bytes(der[i + 2:i + 2 + n], "big"))
        i += 2 + n
    return out[0], out[1]


class Key:
    """A secp256k1 key pair; signs SHA-256 digests with low-S ECDSA (what libsecp256k1 accepts)."""

    def __init__(self, private_key: int):
        assert 0 < private_key < _N
        self.d = private_key
        x, y = _affine(_mul_g(private_key))
        self.public_key = bytes([2 | (y & 1)]) + x.to_bytes(32, "big")
        self.public_hex = self.public_key.hex()

    @staticmethod
    def generate() -> "Key":
        return Key(1 + secrets.randbelow(_N - 1))

    @staticmethod
    def from_file(path: str) -> "Key":
        """A `jchain keygen` key file: {"type":"secp256k1","private_key":HEX,"public_key":HEX}."""
        doc = json.load(open(path))
        key = Key(int(doc["private_key"], 16))
        if "public_key" in doc and doc["public_key"] != key.public_hex:
            raise ValueError(f"{path}: public_key does not match private_key")
        return key

    def sign_digest(self, digest: bytes, high_s: bool = False) -> bytes:
        z = int.from_bytes(digest, "big")
        while True:
            k = 1 + secrets.randbelow(_N - 1)
            r = _affine(_mul_g(k))[0] % _N
            if r == 0:
                continue
            s = pow(k, -1, _N) * (z + r * self.d) % _N
            if s == 0:
                continue
            if s > _N // 2:
                s = _N - s
            if high_s:
                s = _N - s  # the other, non-canonical encoding of the same signature
            return der_signature(r, s)


class Sm2Key:
    """An SM2 key pair (a `jchain keygen --suite sm2` file); signs 32-byte digests as SM2
    messages with SM3 and a signer ID, through the openssl command line (a second
    implementation: what JChain accepts must be what stock OpenSSL makes)."""

    def __init__(self, private_hex: str, public_hex: str, workdir: str):
        self.public_hex = public_hex
        d = bytes.fromhex(private_hex)
        # SEC1 ECPrivateKey { version 1, d, [0] namedCurve sm2p256v1 }, as openssl reads it.
        der = bytes.fromhex("30310201010420") + d + bytes.fromhex("a00a06082a811ccf5501822d")
        self.pem_file = os.path.join(workdir, f"sm2-{public_hex[:16]}.pem")
        with open(self.pem_file, "w") as f:
            f.write("-----BEGIN EC PRIVATE KEY-----\n" + base64.encodebytes(der).decode() + "-----END EC PRIVATE KEY-----\n")
        os.chmod(self.pem_file, 0o600)
        self.workdir = workdir

    @staticmethod
    def from_file(path: str, workdir: str) -> "Sm2Key":
        doc = json.load(open(path))
        if doc.get("type") != "sm2":
            raise ValueError(f"{path} is not an sm2 key file")
        return Sm2Key(doc["private_key"], doc["public_key"], workdir)

    def sign_digest(self, digest: bytes, distid: str = "1234567812345678") -> bytes:
        msg = os.path.join(self.workdir, "sm2-msg.bin")
        sig = os.path.join(self.workdir, "sm2-sig.der")
        with open(msg, "wb") as f:
            f.write(digest)
        subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{distid}",
                        "-inkey", self.pem_file, "-in", msg, "-out", sig], check=True, capture_output=True)
        return open(sig, "rb").read()


def sm3(b: bytes) -> bytes:
    return hashlib.new("sm3", b).digest()


def openssl_sm2_verify(pem: str, signature: bytes, message: bytes, distid: str, workdir: str) -> bool:
    """`openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:ID`, as docs/receipt.md shows."""
    paths = [os.path.join(workdir, n) for n in ("v-pub.pem", "v-sig.der", "v-msg.bin")]
    for path, data in zip(paths, (pem.encode(), signature, message)):
        with open(path, "wb") as f:
            f.write(data)
    r = subprocess.run(["openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{distid}",
                        "-pubin", "-inkey", paths[0], "-sigfile", paths[1], "-in", paths[2]],
                       capture_output=True, text=True)
    return r.returncode == 0 and "Verified Successfully" in r.stdout


# ---------------------------------------------------------------------------- records

RECORD_TAG = b"jchain/record/v2"


def _str(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def record_signed_bytes(rec: dict) -> bytes:
    """The canonical bytes of chain/record.cpp record_signed_bytes, from a record's JSON."""
    out = _str(RECORD_TAG)
    out += _str(rec["chain_id"].encode())
    out += _str(rec["kind"].encode())
    out += bytes.fromhex(rec["content_hash"])
    out += _str(rec.get("case_tag", "").encode())
    meta = rec.get("metadata") or {}
    out += struct.pack(">I", len(meta))
    for k in sorted(meta, key=lambda s: s.encode()):
        out += _str(k.encode()) + _str(meta[k].encode())
    refs = rec.get("refs") or []
    out += struct.pack(">I", len(refs))
    for r in refs:
        out += bytes.fromhex(r)
    out += bytes.fromhex(rec["submitter"])
    out += struct.pack(">Q", rec["client_time_ms"])
    out += struct.pack(">Q", rec["nonce"])
    return out


# ---- privacy (docs/encoding.md "Blinded case ids", "Metadata commitments"): what jchain
# submit does before signing. Records made here blind with this fixed case key unless told
# otherwise, so that a test which names a case id or a value gets what a client would send.
TEST_CASE_KEY = bytes(range(0x20, 0x40))


def case_tag(chain_id: str, case_id: str, key: bytes = TEST_CASE_KEY, digest=hashlib.sha256) -> str:
    return hmac.new(key, _str(b"jchain/case/v1") + _str(chain_id.encode()) + _str(case_id.encode()), digest).hexdigest()


def commitment(key: str, value: str, salt: bytes, digest=hashlib.sha256) -> str:
    return digest(_str(b"jchain/commitment/v1") + _str(key.encode()) + _str(value.encode()) + _str(salt)).hexdigest()


def stays_clear(kind: str, key: str) -> bool:
    return kind == "governance" or (kind == "correction" and key == "action")


def blind_fields(rec: dict, case_id, metadata, digest=hashlib.sha256) -> dict:
    """Sets rec's case_tag and metadata from clear values as jchain submit does; returns the
    disclosure (case_id, case_key, metadata: {key: {value, salt}})."""
    disclosure = {"metadata": {}}
    if case_id:
        rec["case_tag"] = case_tag(rec["chain_id"], case_id, TEST_CASE_KEY, digest)
        disclosure.update(case_id=case_id, case_key=TEST_CASE_KEY.hex())
    if metadata is not None:
        out = {}
        for k, v in metadata.items():
            if stays_clear(rec["kind"], k) or not isinstance(v, str):
                out[k] = v
            else:
                salt = secrets.token_bytes(16)
                out[k] = commitment(k, v, salt, digest)
                disclosure["metadata"][k] = {"value": v, "salt": salt.hex()}
        rec["metadata"] = out
    return disclosure


def record_id(rec: dict) -> str:
    return hashlib.sha256(record_signed_bytes(rec)).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


def make_sm2_record(key: Sm2Key, chain_id: str, distid: str = "1234567812345678", **fields) -> dict:
    """A record signed the sm2-sm3 way: id = SM3(signed bytes), SM2 signature of the id."""
    rec = {"chain_id": chain_id, "kind": fields.get("kind", "evidence"),
           "content_hash": fields.get("content_hash") or secrets.token_hex(32)}
    blind_fields(rec, fields.get("case_id"), fields.get("metadata"), lambda b=b"": hashlib.new("sm3", b))
    if "refs" in fields:
        rec["refs"] = fields["refs"]
    rec["submitter"] = key.public_hex
    rec["client_time_ms"] = now_ms()
    rec["nonce"] = secrets.randbits(53)
    rec["signature"] = key.sign_digest(sm3(record_signed_bytes(rec)), distid).hex()
    return rec


def make_record(key: Key, chain_id: str, kind: str = "evidence", content_hash: str | None = None,
                case_id: str | None = None, metadata: dict | None = None, refs: list | None = None,
                client_time_ms: int | None = None, nonce: int | None = None, high_s: bool = False,
                submitter: str | None = None, blind: bool = True) -> dict:
    """A signed record as JSON. `submitter` overrides the public key named (the signature stays key's).
    The case id and metadata values are blinded as jchain submit does (TEST_CASE_KEY, fresh
    salts); blind=False puts them in the record as given (case_id as its case_tag), to test
    what the node refuses."""
    rec = {"chain_id": chain_id, "kind": kind,
           "content_hash": content_hash or secrets.token_hex(32)}
    if blind:
        blind_fields(rec, case_id, metadata)
    else:
        if case_id is not None:
            rec["case_tag"] = case_id
        if metadata is not None:
            rec["metadata"] = metadata
    if refs is not None:
        rec["refs"] = refs
    rec["submitter"] = submitter or key.public_hex
    rec["client_time_ms"] = now_ms() if client_time_ms is None else client_time_ms
    rec["nonce"] = secrets.randbits(53) if nonce is None else nonce
    rec["signature"] = key.sign_digest(hashlib.sha256(record_signed_bytes(rec)).digest(), high_s=high_s).hex()
    return rec


def resign(rec: dict, key: Key) -> dict:
    out = {k: v for k, v in rec.items() if k != "signature"}
    out["signature"] = key.sign_digest(hashlib.sha256(record_signed_bytes(out)).digest()).hex()
    return out


def flip_hex_digit(s: str, pos: int = -1) -> str:
    """The hex string with one digit changed (still lower-case hex, same length)."""
    i = pos % len(s)
    c = s[i]
    new = "0" if c != "0" else "1"
    return s[:i] + new + s[i + 1:]


# ---------------------------------------------------------------------------- RFC 6962 / RFC 9162


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def leaf_hash(leaf_input: bytes) -> bytes:
    return sha256(b"\x00" + leaf_input)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def merkle_root(leaf_inputs: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 section 2.1; the empty tree's root is SHA-256 of nothing."""
    def mth(lo, hi):
        n = hi - lo
        if n == 0:
            return sha256(b"")
        if n == 1:
            return leaf_hash(leaf_inputs[lo])
        k = 1
        while k * 2 < n:
            k *= 2
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))
    return mth(0, len(leaf_inputs))


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes, hash_fn=None) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r) if hash_fn is None else hash_fn(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p) if hash_fn is None else hash_fn(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 (size1 == 0 and size1 == size2 take an empty proof)."""
    if size1 > size2:
        return False
    if size1 == size2:
        return not path and root1 == root2
    if size1 == 0:
        return not path
    if not path:
        return False
    if size1 & (size1 - 1) == 0:
        path = [root1] + list(path)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# ---------------------------------------------------------------------------- capture proxy


class CaptureProxy:
    """Stands in for a node in front of `jchain submit`.

    `status` is forwarded to the real node (its chain_id replaced by `chain_id` when set);
    `submit_record` is recorded and answered with an error, so nothing reaches the node and
    the CLI exits 2; every other method is forwarded. The signed record the CLI built is then
    in `captured`."""

    def __init__(self, node_url: str, chain_id: str | None = None):
        self.node_url, self.chain_id = node_url, chain_id
        self.captured: list[dict] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                req = json.loads(body)
                if req.get("method") == "submit_record":
                    proxy.captured.append(req["params"]["record"])
                    answer = {"jsonrpc": "2.0", "id": req.get("id"),
                              "error": {"code": -32603, "message": "captured by the test proxy",
                                        "data": {"reason": "internal"}}}
                    out = json.dumps(answer).encode()
                else:
                    _, out = post_raw(proxy.node_url, body)
                    if req.get("method") == "status" and proxy.chain_id:
                        doc = json.loads(out)
                        doc["result"]["chain_id"] = proxy.chain_id
                        out = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def capture_cli_record(binary: str, env: dict, node_url: str, submit_args: list[str],
                       chain_id: str | None = None) -> tuple[dict, CliResult]:
    """Runs `jchain submit SUBMIT_ARGS` against a CaptureProxy; returns the record it signed."""
    with CaptureProxy(node_url, chain_id) as proxy:
        res = cli(binary, ["submit", "--rpc", proxy.url] + submit_args, env=env)
        if len(proxy.captured) != 1:
            raise TestFailure(f"capturing a CLI-signed record failed: {res!r}")
        return proxy.captured[0], res
