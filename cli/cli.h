// The `jchain` command line: node commands (cli/operator.h) and client commands
// (cli/client.h) behind one CLI11 parser. README.md "Commands"; `jchain COMMAND --help`.
// Exit codes: cli/common.h.
#pragma once

namespace jchain::cli {

int run(int argc, char** argv);

}  // namespace jchain::cli
