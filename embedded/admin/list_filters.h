#pragma once

// FlyteAdmin's `filters` and `sort_by` for every list call: its field names (the columns of
// its database models, with `workflow.`, `launch_plan.`, `task.`, `execution.`,
// `node_execution.`, `execution_tag.`, `admin_tag.`, `entities.` ... prefixes for joined
// entities), its operators, its value types and its error messages, mapped onto this
// engine's tables. docs/COMPATIBILITY.md lists the fields and the differences.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::admin {

// The entity a list call returns (FlyteAdmin's "primary entity").
enum class ListEntity {
  kExecution,
  kLaunchPlan,
  kTask,
  kWorkflow,
  kNodeExecution,
  kTaskExecution,
  kNamedEntity,  // listed from the tasks, workflows or launch_plans table
  kProject,
  kSignal,
};

// Filters for `entity`, in FlyteAdmin's syntax (empty: none). Errors are INVALID_ARGUMENT
// with FlyteAdmin's wording ("'e.name' is invalid filter", "unrecognized filter function:
// x", "'w' entity is not allowed in filters", "Failed to parse duration [x]"), followed by
// what to send instead; a FlyteAdmin field this engine does not record says so.
Result<std::vector<store::Filter>> ParseListFilters(ListEntity entity, const std::string& text);

// The column to sort by for a FlyteAdmin sort key (a column of the entity's model);
// INVALID_ARGUMENT "invalid sort key 'x'" otherwise.
Result<std::string> SortColumn(ListEntity entity, const std::string& key);

// For ListEntity::kNamedEntity, filters on `state` and `description` name columns of the
// named_entities table (the entities' metadata), not of the entity's own table.
bool IsNamedEntityMetadataFilter(const store::Filter& filter);

// The FlyteAdmin field names `entity` accepts in filters (for messages and docs).
std::vector<std::string> FilterFieldNames(ListEntity entity);

// The `tags` column of an execution: its labels (key, value) and tags (key, ""), written
// so that tag filters can match one key or value.
std::string EncodeExecutionTags(const std::vector<std::pair<std::string, std::string>>& tags);

}  // namespace flytebox::admin
