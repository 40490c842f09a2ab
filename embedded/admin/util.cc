#include "embedded/admin/util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <charconv>

namespace flytebox::admin {

int64_t ToMicros(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

int64_t MicrosOf(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000 + ts.nanos() / 1000;
}

google::protobuf::Timestamp ToTimestamp(int64_t micros) {
  google::protobuf::Timestamp ts;
  int64_t secs = micros / 1'000'000;
  int64_t rem = micros % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --secs;
  }
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

Status RequireFullId(const flyteidl::core::Identifier& id, const std::string& what) {
  if (id.project().empty()) return Status::InvalidArgument(what + ": missing project");
  if (id.domain().empty()) return Status::InvalidArgument(what + ": missing domain");
  if (id.name().empty()) return Status::InvalidArgument(what + ": missing name");
  if (id.version().empty()) return Status::InvalidArgument(what + ": missing version");
  return Status::Ok();
}

store::Columns IdKey(const flyteidl::core::Identifier& id) {
  return {{"project", id.project()},
          {"domain", id.domain()},
          {"name", id.name()},
          {"version", id.version()}};
}

std::string IdString(const flyteidl::core::Identifier& id) {
  return id.project() + ":" + id.domain() + ":" + id.name() + ":" + id.version();
}

Result<store::ListQuery> ListQueryFrom(uint32_t limit, const std::string& token,
                                       const std::string& filters,
                                       const flyteidl::admin::Sort* sort_by, ListEntity entity) {
  store::ListQuery q;
  if (limit == 0) return Status::InvalidArgument("limit must be greater than 0");
  // A larger page is cut to the maximum; the token still leads to the rest.
  q.limit = std::min<uint32_t>(limit, kMaxListLimit);
  if (!token.empty()) {
    int64_t offset = 0;
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (ec != std::errc() || p != token.data() + token.size() || offset < 0) {
      return Status::InvalidArgument("invalid pagination token '" + token +
                                     "': expected the token returned by the previous page");
    }
    q.offset = offset;
  }
  FB_ASSIGN_OR_RETURN(q.filters, ParseListFilters(entity, filters));
  if (sort_by && !sort_by->key().empty()) {
    FB_ASSIGN_OR_RETURN(q.sort_key, SortColumn(entity, sort_by->key()));
    q.ascending = sort_by->direction() == flyteidl::admin::Sort::ASCENDING;
  }
  return q;
}

ListEntity EntityOf(store::Table table) {
  if (table == store::Table::kTask) return ListEntity::kTask;
  if (table == store::Table::kWorkflow) return ListEntity::kWorkflow;
  return ListEntity::kLaunchPlan;
}

Status ValidateVariableNames(const flyteidl::core::TypedInterface& iface, const std::string& what) {
  for (const auto* map : {&iface.inputs().variables(), &iface.outputs().variables()}) {
    for (const auto& [name, var] : *map) {
      bool bad = name.empty() || name == "." || name == ".." ||
                 name.find_first_of(std::string("/\\\0", 3)) != std::string::npos;
      if (bad) {
        return Status::InvalidArgument(what + ": variable name '" + name +
                                       "' is not allowed (names become file names: no '/', "
                                       "'\\', '.', '..' or empty names)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace flytebox::admin
