#include "embedded/kube/kubeconfig.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace flytebox::kube {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::string> Base64Decode(const std::string& text, const std::string& field) {
  std::string clean;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  }
  if (clean.size() % 4 != 0) return Status::InvalidArgument(field + " is not base64");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return Status::InvalidArgument(field + " is not base64");
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// A named entry of a list such as `clusters:` (`- name: x\n  cluster: {...}`).
std::optional<YAML::Node> Named(const YAML::Node& list, const std::string& name,
                                const std::string& inner) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name && item[inner] &&
        item[inner].IsMap()) {
      return item[inner];
    }
  }
  return std::nullopt;
}

std::string Str(const YAML::Node& n, const char* key) {
  return n && n[key] && n[key].IsScalar() ? n[key].as<std::string>() : "";
}

// `<key>-data` (base64) or `<key>` (a file); "" when neither is set.
Result<std::string> DataOrFile(const YAML::Node& n, const std::string& key, const std::string& dir,
                               const std::string& where) {
  std::string data = Str(n, (key + "-data").c_str());
  if (!data.empty()) return Base64Decode(data, where + "." + key + "-data");
  std::string file = Str(n, key.c_str());
  if (file.empty()) return std::string();
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(dir) / p;
  auto text = ReadFile(p.string());
  if (!text.ok()) return Status::NotFound(where + "." + key + ": " + text.status().message());
  return text;
}

}  // namespace

Result<ClusterAccess> ParseKubeconfig(const std::string& yaml, const std::string& dir,
                                      const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("not YAML: ") + e.what());
  }
  if (!root.IsMap()) return Status::InvalidArgument("not a kubeconfig: no top-level map");
  ClusterAccess a;
  a.context = context.empty() ? Str(root, "current-context") : context;
  if (a.context.empty()) {
    return Status::InvalidArgument("no context given and no current-context set");
  }
  auto found_ctx = Named(root["contexts"], a.context, "context");
  if (!found_ctx) return Status::NotFound("no context named '" + a.context + "'");
  std::string cluster_name = Str(*found_ctx, "cluster");
  std::string user_name = Str(*found_ctx, "user");
  auto found_cluster = Named(root["clusters"], cluster_name, "cluster");
  if (!found_cluster)
    return Status::NotFound("context '" + a.context + "' names cluster '" + cluster_name +
                            "', which is not in clusters");
  const YAML::Node& cluster = *found_cluster;
  a.server = Str(cluster, "server");
  if (a.server.rfind("https://", 0) != 0 && a.server.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("cluster '" + cluster_name + "' has no http(s) server URL");
  }
  while (!a.server.empty() && a.server.back() == '/') a.server.pop_back();
  a.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
  FB_ASSIGN_OR_RETURN(a.ca_pem, DataOrFile(cluster, "certificate-authority", dir,
                                           "clusters[" + cluster_name + "]"));
  auto found_user = Named(root["users"], user_name, "user");
  if (found_user) {
    const YAML::Node& user = *found_user;
    std::string where = "users[" + user_name + "]";
    FB_ASSIGN_OR_RETURN(a.client_cert_pem, DataOrFile(user, "client-certificate", dir, where));
    FB_ASSIGN_OR_RETURN(a.client_key_pem, DataOrFile(user, "client-key", dir, where));
    a.token = Str(user, "token");
    std::string token_file = Str(user, "tokenFile");
    if (a.token.empty() && !token_file.empty()) {
      std::filesystem::path p(token_file);
      if (p.is_relative()) p = std::filesystem::path(dir) / p;
      FB_ASSIGN_OR_RETURN(a.token, ReadFile(p.string()));
      while (!a.token.empty() && std::isspace(static_cast<unsigned char>(a.token.back()))) {
        a.token.pop_back();
      }
    }
    if (user["exec"] && a.token.empty() && a.client_cert_pem.empty()) {
      return Status::InvalidArgument(where +
                                     " authenticates with an exec plugin, which is not "
                                     "supported: use a client certificate or a token");
    }
  }
  if (a.client_cert_pem.empty() != a.client_key_pem.empty()) {
    return Status::InvalidArgument("users[" + user_name +
                                   "] has a client certificate without its key, or the reverse");
  }
  return a;
}

Result<ClusterAccess> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok()) return Status::NotFound("kubeconfig " + path + ": cannot be read");
  auto access = ParseKubeconfig(*text, std::filesystem::path(path).parent_path().string(), context);
  if (!access.ok()) return access.status().WithContext("kubeconfig " + path);
  return access;
}

}  // namespace flytebox::kube
