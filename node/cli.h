// The `jchain` command line (README.md "Commands"; `jchain COMMAND --help`). Exit codes: 0 success, 1 a check said no,
// 2 bad usage or input, or the work could not be done (node unreachable, I/O error).
#pragma once

namespace jchain::node {

int run_cli(int argc, char** argv);

}  // namespace jchain::node
