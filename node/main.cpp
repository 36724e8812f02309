#include "node/cli.h"

int main(int argc, char** argv) { return jchain::node::run_cli(argc, argv); }
