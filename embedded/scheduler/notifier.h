#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "embedded/admin/admin.h"
#include "embedded/schedule/notification_rules.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::scheduler {

struct NotifierOptions {
  admin::Admin* admin = nullptr;          // not owned; required: launch plans' notifications
  store::MetadataStore* store = nullptr;  // not owned; required: delivered records
  Clock* clock = Clock::Real();
};

// One delivered notification.
struct NotificationRecord {
  std::string project;
  std::string domain;
  std::string execution;
  std::string phase;      // e.g. "SUCCEEDED"
  std::string kind;       // "email", "slack" or "pager_duty"
  std::string recipient;
  std::string message;
  int64_t created_at_us = 0;
};

struct NotificationQuery {
  std::string project;    // each filter applies when not empty
  std::string domain;
  std::string execution;  // execution name
  int64_t limit = 100;    // 1..1000
  int64_t offset = 0;
};

struct NotificationPage {
  std::vector<NotificationRecord> records;  // newest first
  std::string next_token;                   // empty on the last page
};

// Delivers Flyte notifications (email, Slack, PagerDuty) without any external service: when
// an execution reaches a phase one of its notifications lists (EffectiveNotifications), each
// recipient gets one log line with the component tag "notify" and one stored record
// (Table::kNotification), which List reads. A recipient hears about a given phase of a given
// execution once, even when the execution is saved again or the engine restarts.
// Thread-safe.
class Notifier {
 public:
  explicit Notifier(NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Starts the worker that handles queued executions.
  void Start();
  // Handles what is queued, then stops the worker. Idempotent.
  void Stop();

  // AdminOptions::on_execution_saved: queues the execution and returns at once. Safe inside
  // a store transaction (it does not touch the store). Ignored once stopped.
  void OnExecutionSaved(const fa::Execution& exec);
  // Blocks until the queue is empty and the worker idle.
  void Drain();

  // Delivers what the execution's current phase calls for (synchronously).
  Status Deliver(const fa::Execution& exec);

  // INVALID_ARGUMENT for a limit outside 1..1000 or a negative offset.
  Result<NotificationPage> List(const NotificationQuery& query);

 private:
  Result<NotificationList> RulesFor(const fa::Execution& exec);
  void Work();

  NotifierOptions options_;

  std::mutex cache_mu_;
  std::map<std::string, NotificationList> launch_plan_rules_ GUARDED_BY(cache_mu_);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<fa::Execution> queue_ GUARDED_BY(mu_);
  bool busy_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace flytebox::scheduler
