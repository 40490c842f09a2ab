#pragma once

#include <string>

#include "common/result.h"

namespace flytebox::kube {

// How to reach one cluster: what a kubeconfig's context names, with every file it points
// at read into memory (the *-data fields decoded).
struct ClusterAccess {
  std::string context;
  std::string server;  // https://host:port
  std::string ca_pem;  // empty: the system's authorities
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;  // client certificate authentication, or
  std::string client_key_pem;
  std::string token;  // a bearer token
};

// Reads a kubeconfig (YAML). `context` empty: its current-context. Relative file paths are
// taken from the kubeconfig's folder, as kubectl does. INVALID_ARGUMENT / NOT_FOUND with a
// message naming the file and the field that is wrong.
Result<ClusterAccess> LoadKubeconfig(const std::string& path, const std::string& context);

// The same from YAML text; `dir` resolves relative paths.
Result<ClusterAccess> ParseKubeconfig(const std::string& yaml, const std::string& dir,
                                      const std::string& context);

}  // namespace flytebox::kube
