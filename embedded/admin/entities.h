#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "embedded/store/metadata_store.h"
#include "flyteidl/admin/common.pb.h"
#include "flyteidl/core/identifier.pb.h"

namespace flytebox::admin {

// Creates a versioned entity row. When a row with the same id exists, `same(existing)`
// decides: identical → ALREADY_EXISTS, different → INVALID_ARGUMENT saying that the
// version must change. `what` names the entity in messages ("task", "workflow", ...).
Status CreateVersioned(store::MetadataStore& store, store::Table table,
                       const flyteidl::core::Identifier& id, const store::Record& record,
                       const std::string& what,
                       const std::function<Result<bool>(const store::Record&)>& same);

// Fetches a versioned entity row; NOT_FOUND naming the entity and id.
Result<store::Record> GetVersioned(store::MetadataStore& store, store::Table table,
                                   const flyteidl::core::Identifier& id, const std::string& what);

// Lists rows of a versioned table for ResourceListRequest (project and domain required,
// name optional).
Result<store::ListResult> ListVersioned(store::MetadataStore& store, store::Table table,
                                        const flyteidl::admin::ResourceListRequest& req);

Result<flyteidl::admin::NamedEntityIdentifierList> ListIds(
    store::MetadataStore& store, store::Table table,
    const flyteidl::admin::NamedEntityIdentifierListRequest& req);

}  // namespace flytebox::admin
