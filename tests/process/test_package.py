#!/usr/bin/env python3
"""The Debian package, as an operator installs it (docs/operators.md).

- `cpack` builds jchain_VERSION_ARCH.deb from this build tree: its control file names the
  libraries the binary links (dpkg-shlibdeps) and the maintainer scripts; it holds the
  binary, the systemd unit and the example configs.
- `dpkg -i` installs it: /usr/bin/jchain is this build's, postinst made the `jchain`
  system user and /var/lib/jchain.
- The unit passes `systemd-analyze verify` (with /usr/bin/jchain installed, so its
  ExecStart is checked too), and `systemd-analyze security` rates its hardening.
- The installed binary, run as the `jchain` user, makes a devnet, notarizes a file and
  finds it again.
- `dpkg -r` removes the binary and the unit and leaves the node homes.

It changes the machine (root: CI is root; otherwise through `sudo -n`), so it refuses to
run where a jchain package is already installed rather than replace an operator's.

usage: test_package.py /path/to/jchain /path/to/build
"""
import glob
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys

import jchain_harness as h

SUDO = [] if os.geteuid() == 0 else ["sudo", "-n"]


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def installed() -> bool:
    r = run(["dpkg-query", "-W", "-f=${Status}", "jchain"])
    return r.returncode == 0 and "install ok installed" in r.stdout


def body(c: h.Checker, jchain: str) -> None:
    build = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(jchain))
    c.require(os.path.exists(os.path.join(build, "CPackConfig.cmake")), f"{build} is a configured build tree")
    c.require(not SUDO or run(["sudo", "-n", "true"]).returncode == 0,
              "root, or sudo without a password: installing a package needs it (CI is root)")
    c.require(not installed(), "no jchain package is installed on this machine (the test would replace it)",
              "remove it first (dpkg -r jchain) or run the test elsewhere")
    for tool in ("cpack", "dpkg-deb", "systemd-analyze", "setpriv"):
        c.require(shutil.which(tool) is not None, f"{tool} is installed")
    work = h.temp_dir("jchain-package-")

    c.section("cpack builds the .deb")
    r = run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", os.path.join(work, "pkg")])
    debs = glob.glob(os.path.join(work, "pkg", "jchain_*.deb"))
    c.require(r.returncode == 0 and len(debs) == 1, "cpack writes one jchain_VERSION_ARCH.deb", r.stdout[-2000:] + r.stderr)
    deb = debs[0]
    version = run([jchain, "--version"]).stdout.split()[-1]
    info = run(["dpkg-deb", "-I", deb]).stdout
    c.check(re.search(r"^ Package: jchain$", info, re.M) and re.search(rf"^ Version: {re.escape(version)}$", info, re.M),
            f"its control file names package jchain, version {version} (jchain --version)", info)
    depends = re.search(r"^ Depends: (.*)$", info, re.M)
    c.check(depends is not None and all(lib in depends.group(1) for lib in ("libleveldb1d", "libsecp256k1-1", "libssl3",
                                                                             "adduser", "fonts-wqy-microhei")),
            "Depends names the linked libraries (dpkg-shlibdeps), adduser and the certificate's font",
            depends.group(1) if depends else info)
    c.check(all(s in info for s in ("postinst", "prerm", "postrm")), "it carries the maintainer scripts", info)
    files = run(["dpkg-deb", "-c", deb]).stdout
    for path in ("./usr/bin/jchain", "./usr/lib/systemd/system/jchain@.service", "./etc/jchain/node.toml.example",
                 "./etc/jchain/genesis.json.example", "./usr/share/doc/jchain/README.md"):
        c.check(re.search(r"\s" + re.escape(path) + r"$", files, re.M) is not None, f"it holds {path[1:]}")

    try:
        c.section("dpkg -i installs it")
        r = run(SUDO + ["dpkg", "-i", deb])
        c.require(r.returncode == 0 and installed(), "dpkg -i exits 0 and the package is installed", r.stdout + r.stderr)
        r = run(["/usr/bin/jchain", "--version"])
        c.equal(r.stdout.strip(), f"jchain {version}", "the installed /usr/bin/jchain is this build's")
        user = pwd.getpwnam("jchain") if "jchain" in [p.pw_name for p in pwd.getpwall()] else None
        c.require(user is not None, "postinst made the jchain system user")
        c.check(user.pw_uid < 1000 and user.pw_shell.endswith("nologin"), "a system user without a login shell",
                f"uid {user.pw_uid}, shell {user.pw_shell}")
        st = os.stat("/var/lib/jchain")
        c.check(st.st_uid == user.pw_uid and st.st_gid == grp.getgrnam("jchain").gr_gid,
                "/var/lib/jchain belongs to jchain")

        c.section("the systemd unit")
        unit = "/usr/lib/systemd/system/jchain@.service"
        text = open(unit).read()
        c.check("ExecStart=/usr/bin/jchain start --home /var/lib/jchain/%i" in text,
                "ExecStart runs the installed binary on the instance's home")
        units = os.path.join(work, "units")
        os.makedirs(units)
        shutil.copy(unit, units)
        os.symlink("jchain@.service", os.path.join(units, "jchain@court-a.service"))
        r = run(["systemd-analyze", "verify", os.path.join(units, "jchain@court-a.service")])
        c.check(r.returncode == 0 and not r.stderr.strip(), "systemd-analyze verify jchain@court-a.service: no complaint",
                r.stdout + r.stderr)
        r = run(["systemd-analyze", "security", "--offline=yes", os.path.join(units, "jchain@court-a.service")])
        score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
        c.check(score is not None and float(score.group(1)) <= 2.0,
                "systemd-analyze security rates its exposure 2.0 or lower (of 10)",
                score.group(0) if score else r.stdout[-500:] + r.stderr)

        c.section("the installed binary runs a devnet as the jchain user")
        os.chown(work, user.pw_uid, user.pw_gid)
        home = os.path.join(work, "devnet")
        node = h.Node("/usr/bin/jchain", home, work, "installed")
        node.prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
        node.start("devnet")
        c.check(os.stat(os.path.join(home, "config", "node_key.json")).st_uid == user.pw_uid,
                "the node's home and keys belong to jchain")
        env = h.test_env(work, node.url)
        evidence = os.path.join(work, "evidence.txt")
        open(evidence, "w").write("a file notarized by the installed package\n")
        r = h.cli("/usr/bin/jchain", ["submit", "--key", os.path.join(home, "config", "demo_member_key.json"),
                                      "--kind", "evidence", "--file", evidence, "--wait"], env=env)
        c.check(r.rc == 0 and "committed" in r.out, "jchain submit --wait: committed", repr(r))
        r = h.cli("/usr/bin/jchain", ["verify", "--file", evidence], env=env)
        c.check(r.rc == 0 and "NOTARIZED" in r.out, "jchain verify --file: NOTARIZED", repr(r))
        node.stop()
    finally:
        if installed():
            c.section("dpkg -r removes it")
            r = run(SUDO + ["dpkg", "-r", "jchain"])
            c.check(r.returncode == 0 and not installed(), "dpkg -r jchain exits 0", r.stdout + r.stderr)
            c.check(not os.path.exists("/usr/bin/jchain") and not os.path.exists("/usr/lib/systemd/system/jchain@.service"),
                    "the binary and the unit are gone")
            c.check(os.path.isdir("/var/lib/jchain"), "the node homes (/var/lib/jchain) stay")
            run(SUDO + ["dpkg", "-P", "jchain"])


if __name__ == "__main__":
    h.run_main("the Debian package", body)
