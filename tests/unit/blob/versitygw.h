#pragma once

// A real versitygw (S3 over a posix folder) for the blob tests: started on a free loopback
// port in a temporary folder with random credentials, stopped when destroyed.
//
// Binary: $FLYTEBOX_VERSITYGW, else ~/.cache/flytebox/bin/versitygw (scripts/install-deps.sh).

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/subprocess.h"
#include "embedded/blob/s3_store.h"

namespace flytebox::blob::testing {

int FreePort();
std::string RandomHex(size_t bytes);

class Versitygw {
 public:
  // `keep_alive`: let clients reuse connections (versitygw closes them after each request
  // otherwise). `accounts`: when set, the users.json of its internal IAM (--iam-dir).
  static Result<std::unique_ptr<Versitygw>> Start(bool keep_alive = true,
                                                  const std::string& accounts = "");
  ~Versitygw();

  // A config for this server and `bucket` with the right credentials.
  S3Config Config(const std::string& bucket = "test-bucket") const;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_; }
  int port() const { return port_; }
  void Stop();

 private:
  Versitygw() = default;
  std::filesystem::path dir_;
  int port_ = 0;
  std::string access_key_, secret_key_;
  std::unique_ptr<Process> process_;
};

}  // namespace flytebox::blob::testing
