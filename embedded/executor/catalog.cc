#include "embedded/executor/catalog.h"

#include <map>
#include <set>

#include "common/digest.h"
#include "embedded/admin/util.h"

namespace flytebox::executor {

CatalogKey CatalogKeyOf(const ::flyteidl::core::TaskTemplate& task,
                        const ::flyteidl::core::LiteralMap& inputs) {
  const auto& meta = task.metadata();
  std::set<std::string> ignored(meta.cache_ignore_input_vars().begin(),
                                meta.cache_ignore_input_vars().end());
  std::map<std::string, std::string> parts;  // sorted by name
  for (const auto& [name, lit] : inputs.literals()) {
    if (ignored.count(name)) continue;
    parts[name] = lit.hash().empty() ? admin::Deterministic(lit) : "hash:" + lit.hash();
  }
  std::string text;
  for (const auto& [name, v] : parts) text += name + "\n" + digest::Sha256Hex(v) + "\n";
  CatalogKey key;
  std::string version = digest::Sha256Hex(meta.discovery_version()).substr(0, 16);
  std::string iface = digest::Sha256Hex(admin::Deterministic(task.interface())).substr(0, 16);
  key.artifact_id = digest::Sha256Hex(text).substr(0, 32);
  key.dataset_version = version + "-" + iface;
  const auto& id = task.id();
  key.blob_key = "catalog/" + id.project() + "/" + id.domain() + "/" + id.name() + "/" + version +
                 "/" + iface + "-" + key.artifact_id + ".pb";
  return key;
}

}  // namespace flytebox::executor
