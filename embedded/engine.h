#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace flytebox::engine {

struct EngineOptions {
  std::string bind_address = "127.0.0.1";
  int port = 30080;  // gRPC, REST and blob URLs on one port; 0 picks a free one
  // Metadata database: "sqlite:PATH" or "postgres:CONNINFO".
  std::string database;
  // Local object store root (one folder per bucket).
  std::string blob_root;
  std::string bucket = "my-s3-bucket";
  // Base of URLs handed to the host; empty: http://localhost:<port>.
  std::string public_url;
  // Secret for signed URLs; empty: generated.
  std::string url_secret;
};

// The engine in one process: the control plane behind one port. Start() returns when the
// port accepts connections and the database is migrated; Stop() (or destruction) shuts down.
class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Start(const EngineOptions& options);
  virtual ~Engine() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

}  // namespace flytebox::engine
