// The node's HTTP surface: JSON-RPC methods of the contract on POST /rpc, GET /health,
// GET /metrics (Prometheus text), GET / (the verification web page) and GET/POST
// /certificate (a deposit certificate PDF, rendered on the node's certificate queue).
// docs/rpc.md.
#pragma once

#include "rpc/http_server.h"

namespace jchain::node {

class Node;

// Handler for the node's HttpServer (start_async); safe to call concurrently.
rpc::AsyncHttpHandler make_http_handler(Node& node);

// The verification page (web/index.html, compiled in).
extern const char* const web_index_html;

}  // namespace jchain::node
