#!/usr/bin/env python3
"""Checks that each folder includes only the folders docs/architecture.md allows.

CMake links each folder's library against its allowed dependencies, but an include of a
header-only part of a forbidden folder would still compile. This walks every #include
"folder/..." in the libraries' sources and fails, naming file and line, on any arrow the
table below does not allow. Registered with CTest as `layering`.

usage: check_layering.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

# folder -> the folders it may include (besides itself); keep in step with docs/architecture.md.
ALLOWED = {
    "base": set(),
    "crypto": {"base"},
    "chain": {"base", "crypto"},
    "storage": {"base", "crypto", "chain"},
    "consensus": {"base", "crypto", "chain"},
    "rpc": {"base"},
    "p2p": {"base", "crypto", "chain"},
    "report": {"base", "crypto", "chain"},
    "node": {"base", "crypto", "chain", "storage", "consensus", "rpc", "p2p", "report"},
    "cli": {"base", "crypto", "chain", "storage", "consensus", "rpc", "p2p", "report", "node"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    problems, files = [], 0
    for folder, allowed in ALLOWED.items():
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".h", ".cpp", ".in"):
                continue
            files += 1
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and m.group(1) != folder and m.group(1) in ALLOWED and m.group(1) not in allowed:
                    problems.append(f"{path.relative_to(root)}:{n}: {folder}/ may not include {m.group(1)}/ "
                                    f"(allowed: {', '.join(sorted(allowed)) or 'nothing of ours'})")
    for p in problems:
        print(p)
    print(f"{files} files checked, {len(problems)} forbidden includes")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
