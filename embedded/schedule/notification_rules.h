#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "flyteidl/admin/common.pb.h"
#include "flyteidl/admin/execution.pb.h"
#include "flyteidl/admin/launch_plan.pb.h"

namespace flytebox::scheduler {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;

using NotificationList = google::protobuf::RepeatedPtrField<fa::Notification>;

// Registration checks: every notification has at least one phase (none UNDEFINED), a
// type (email, slack or pager_duty) and at least one non-empty recipient.
// INVALID_ARGUMENT names the notification by its position.
Status ValidateNotifications(const NotificationList& notifications);

// The notifications that apply to an execution, as FlyteAdmin merges them: none when the
// execution disables them all, its own list when that is not empty, else the launch
// plan's `entity_metadata.notifications` (`launch_plan` may be null: none).
NotificationList EffectiveNotifications(const fa::ExecutionSpec& spec,
                                        const fa::LaunchPlan* launch_plan);

// One message to one recipient.
struct Delivery {
  std::string kind;       // "email", "slack" or "pager_duty"
  std::string recipient;  // as given in the notification
  friend bool operator==(const Delivery&, const Delivery&) = default;
};

// What is delivered when an execution reaches `phase`: one Delivery per recipient of each
// notification listing that phase, in order, without repeats.
std::vector<Delivery> DeliveriesFor(const NotificationList& notifications,
                                    fc::WorkflowExecution::Phase phase);

}  // namespace flytebox::scheduler
