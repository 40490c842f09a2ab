#pragma once

namespace httplib {
class Server;
}

namespace flytebox::server {

// Makes the internal HTTP/1.1 server hold up against slow and idle clients: one thread per
// connection instead of a small fixed pool (so a few hundred idle or slow connections cannot
// leave /healthz and the API unanswered), read and write timeouts, and a short keep-alive.
// The Mux in front bounds the number of connections.
void HardenHttpServer(httplib::Server& server);

}  // namespace flytebox::server
