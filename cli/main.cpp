#include "cli/cli.h"

int main(int argc, char** argv) { return jchain::cli::run(argc, argv); }
