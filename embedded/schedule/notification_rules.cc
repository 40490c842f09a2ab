#include "embedded/schedule/notification_rules.h"

#include <algorithm>

namespace flytebox::scheduler {
namespace {

// The kind and recipients of a notification; kind is empty when no type is set.
std::pair<std::string, const google::protobuf::RepeatedPtrField<std::string>*> Targets(
    const fa::Notification& n) {
  switch (n.type_case()) {
    case fa::Notification::kEmail: return {"email", &n.email().recipients_email()};
    case fa::Notification::kSlack: return {"slack", &n.slack().recipients_email()};
    case fa::Notification::kPagerDuty: return {"pager_duty", &n.pager_duty().recipients_email()};
    default: return {"", nullptr};
  }
}

}  // namespace

Status ValidateNotifications(const NotificationList& notifications) {
  for (int i = 0; i < notifications.size(); ++i) {
    const fa::Notification& n = notifications[i];
    const std::string which = "notification " + std::to_string(i + 1) + ": ";
    if (n.phases().empty()) {
      return Status::InvalidArgument(which + "phases is empty; list the phases that notify");
    }
    for (int phase : n.phases()) {
      if (phase == fc::WorkflowExecution::UNDEFINED) {
        return Status::InvalidArgument(which + "UNDEFINED is not a phase an execution reaches");
      }
    }
    auto [kind, recipients] = Targets(n);
    if (kind.empty()) {
      return Status::InvalidArgument(which + "set one of email, slack or pager_duty");
    }
    if (recipients->empty()) {
      return Status::InvalidArgument(which + kind + " has no recipients_email");
    }
    for (const std::string& r : *recipients) {
      if (r.empty()) return Status::InvalidArgument(which + kind + " has an empty recipient");
    }
  }
  return Status::Ok();
}

NotificationList EffectiveNotifications(const fa::ExecutionSpec& spec,
                                        const fa::LaunchPlan* launch_plan) {
  if (spec.disable_all()) return {};
  if (spec.has_notifications() && !spec.notifications().notifications().empty()) {
    return spec.notifications().notifications();
  }
  if (launch_plan == nullptr) return {};
  return launch_plan->spec().entity_metadata().notifications();
}

std::vector<Delivery> DeliveriesFor(const NotificationList& notifications,
                                    fc::WorkflowExecution::Phase phase) {
  std::vector<Delivery> out;
  for (const fa::Notification& n : notifications) {
    if (std::find(n.phases().begin(), n.phases().end(), phase) == n.phases().end()) continue;
    auto [kind, recipients] = Targets(n);
    if (kind.empty()) continue;
    for (const std::string& r : *recipients) {
      Delivery d{kind, r};
      if (!r.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    }
  }
  return out;
}

}  // namespace flytebox::scheduler
