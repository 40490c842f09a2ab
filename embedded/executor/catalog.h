#pragma once
// DataCatalog's part: where a cacheable task's outputs are kept for a given set of inputs,
// and how that entry is named in node records (the dataset and artifact flytekit shows).

#include <string>

#include "flyteidl/core/literals.pb.h"
#include "flyteidl/core/tasks.pb.h"

namespace flytebox::executor {

struct CatalogKey {
  std::string blob_key;         // catalog/<project>/<domain>/<task>/<version>/<iface>-<inputs>.pb
  std::string dataset_version;  // <cache version hash>-<interface hash>
  std::string artifact_id;      // the inputs' hash
};

// The key of `task`'s outputs for `inputs`: the task's name and cache version, its
// interface, and its inputs (by their hash when flytekit gave one) less the ignored ones.
CatalogKey CatalogKeyOf(const ::flyteidl::core::TaskTemplate& task,
                        const ::flyteidl::core::LiteralMap& inputs);

}  // namespace flytebox::executor
