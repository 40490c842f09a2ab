#include "embedded/scheduler/notifications_http.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>

#include "embedded/schedule/time_format.h"

namespace flytebox::scheduler {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Result<int64_t> Integer(const std::map<std::string, std::string>& params, const char* name,
                        int64_t fallback) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(name) + " '" + text + "' is not a whole number");
  }
  return value;
}

std::string Param(const std::map<std::string, std::string>& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

void Set(Struct* s, const char* key, const std::string& value) {
  (*s->mutable_fields())[key].set_string_value(value);
}

}  // namespace

Result<std::string> NotificationsJson(Notifier& notifier,
                                      const std::map<std::string, std::string>& params) {
  NotificationQuery query;
  query.project = Param(params, "project");
  query.domain = Param(params, "domain");
  query.execution = Param(params, "execution");
  FB_ASSIGN_OR_RETURN(query.limit, Integer(params, "limit", query.limit));
  FB_ASSIGN_OR_RETURN(query.offset, Integer(params, "token", 0));
  FB_ASSIGN_OR_RETURN(NotificationPage page, notifier.List(query));
  Struct out;
  auto* list = (*out.mutable_fields())["notifications"].mutable_list_value();
  for (const NotificationRecord& r : page.records) {
    Struct* item = list->add_values()->mutable_struct_value();
    Set(item, "project", r.project);
    Set(item, "domain", r.domain);
    Set(item, "execution", r.execution);
    Set(item, "phase", r.phase);
    Set(item, "type", r.kind);
    Set(item, "recipient", r.recipient);
    Set(item, "message", r.message);
    Set(item, "created_at", FormatUtc(WallTime(std::chrono::microseconds(r.created_at_us))));
  }
  Set(&out, "token", page.next_token);
  std::string json;
  auto st = google::protobuf::util::MessageToJsonString(out, &json);
  if (!st.ok()) return Status::Internal("cannot write notifications as JSON");
  return json + "\n";
}

}  // namespace flytebox::scheduler
