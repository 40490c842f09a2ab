#include "embedded/server/supervisor_status.h"

#include <httplib.h>
#include <sys/socket.h>

#include <memory>

namespace flytebox::server {

Result<std::string> FetchSupervisorStatus(const std::string& address,
                                          std::chrono::milliseconds timeout) {
  std::unique_ptr<httplib::Client> client;
  if (address.rfind("unix:", 0) == 0 && address.size() > 5) {
    // With AF_UNIX the "host" is the socket's path; the port is not used.
    client = std::make_unique<httplib::Client>(address.substr(5), 80);
    client->set_address_family(AF_UNIX);
  } else {
    size_t colon = address.rfind(':');
    int port = 0;
    if (colon != std::string::npos && colon + 1 < address.size()) {
      port = std::atoi(address.c_str() + colon + 1);
    }
    if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
      return Status::InvalidArgument("supervisor status address '" + address +
                                     "' is neither unix:PATH nor HOST:PORT");
    }
    client = std::make_unique<httplib::Client>(address.substr(0, colon), port);
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client->set_connection_timeout(seconds.count(), micros.count());
  client->set_read_timeout(seconds.count(), micros.count());
  auto res = client->Get("/status");
  if (!res) {
    return Status::Unavailable("the supervisor's status endpoint (" + address +
                               ") does not answer: " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return Status::Unavailable("the supervisor's status endpoint (" + address + ") answered " +
                               std::to_string(res->status));
  }
  return res->body;
}

}  // namespace flytebox::server
