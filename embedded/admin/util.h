#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <map>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/admin/list_filters.h"
#include "embedded/store/metadata_store.h"
#include "flyteidl/admin/common.pb.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteidl/core/interface.pb.h"

namespace flytebox::admin {

int64_t ToMicros(Clock::WallTime t);
google::protobuf::Timestamp ToTimestamp(int64_t micros);
// The microseconds since the epoch that `ts` stands for (ToTimestamp's inverse).
int64_t MicrosOf(const google::protobuf::Timestamp& ts);

// Serialization with map entries in a stable order, so equal messages give equal bytes.
std::string Deterministic(const google::protobuf::Message& m);

template <typename T>
Result<T> ParseRecord(const store::Record& record) {
  T out;
  if (!out.ParseFromString(record.data)) {
    return Status::Internal("stored " + T::descriptor()->full_name() + " is unreadable");
  }
  return out;
}

// INVALID_ARGUMENT naming the first missing part of a full (versioned) identifier.
Status RequireFullId(const flyteidl::core::Identifier& id, const std::string& what);
store::Columns IdKey(const flyteidl::core::Identifier& id);
std::string IdString(const flyteidl::core::Identifier& id);

// Pages are at most this long; a larger `limit` is cut to it.
constexpr uint32_t kMaxListLimit = 10000;

// INVALID_ARGUMENT for an input or output name that could escape a folder when a task's
// inputs and outputs become files (raw containers): empty, ".", "..", or with a slash.
Status ValidateVariableNames(const flyteidl::core::TypedInterface& iface, const std::string& what);

// Builds a store query from the paging, filter and sort fields every list request has,
// with FlyteAdmin's filter and sort names for `entity` (list_filters.h).
Result<store::ListQuery> ListQueryFrom(uint32_t limit, const std::string& token,
                                       const std::string& filters,
                                       const flyteidl::admin::Sort* sort_by, ListEntity entity);

// The list entity of the tasks, workflows and launch_plans tables.
ListEntity EntityOf(store::Table table);

}  // namespace flytebox::admin
