#include "embedded/scheduler/scheduler.h"

#include <algorithm>

#include "common/log.h"
#include "embedded/schedule/time_format.h"

namespace flytebox::scheduler {
namespace {

namespace ch = std::chrono;

constexpr char kLog[] = "scheduler";
constexpr int64_t kPageSize = 500;

std::string Key(const fc::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name();
}

std::string IdText(const fc::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name() + "@" + id.version();
}

int64_t ToMicros(WallTime t) {
  return ch::duration_cast<ch::microseconds>(t.time_since_epoch()).count();
}

WallTime FromMicros(int64_t us) { return WallTime(ch::microseconds(us)); }

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000 + ts.nanos() / 1000;
}

google::protobuf::Timestamp ToTimestamp(WallTime t) {
  const auto ns = ch::duration_cast<ch::nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return ts;
}

// Failures that may pass; others (a launch plan that no longer validates, ...) skip the
// firing.
bool Passing(Code code) {
  return code == Code::kUnavailable || code == Code::kInternal || code == Code::kAborted ||
         code == Code::kDeadlineExceeded || code == Code::kResourceExhausted;
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : options_(std::move(options)) {
  options_.max_catch_up = std::max<size_t>(options_.max_catch_up, 1);
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  if (!thread_.joinable()) return;
  // A wake-up that lands between the loop's last check and its sleep is lost: repeat it
  // until the loop has left.
  while (!exited_) {
    lock.unlock();
    options_.clock->Wake();
    lock.lock();
    cv_.wait_for(lock, ch::milliseconds(10), [this] { return exited_; });
  }
  lock.unlock();
  thread_.join();
}

void Scheduler::OnLaunchPlanChanged(const fa::LaunchPlan& lp) {
  const bool scheduled = lp.closure().state() == fa::ACTIVE && HasSchedule(lp.spec());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!scheduled && !tracked_.contains(Key(lp.id()))) return;
    dirty_ = true;
  }
  options_.clock->Wake();
}

bool Scheduler::WaitForPasses(int64_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return passes_.load() >= count; });
}

void Scheduler::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    auto next = RunPass();
    ch::nanoseconds wait = options_.max_sleep;
    if (!next.ok()) {
      FB_LOG(kError, kLog) << "pass failed, retrying in " << options_.retry_after.count()
                           << " s: " << next.status().ToString();
      wait = std::min<ch::nanoseconds>(wait, options_.retry_after);
    } else if (next->has_value()) {
      wait = std::clamp<ch::nanoseconds>(**next - options_.clock->Now(), ch::nanoseconds(0),
                                         options_.max_sleep);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      if (dirty_) continue;
    }
    options_.clock->SleepUntil(options_.clock->Monotonic() + wait);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    exited_ = true;
  }
  cv_.notify_all();
}

Result<std::optional<WallTime>> Scheduler::RunPass() {
  std::lock_guard<std::mutex> pass_lock(pass_mu_);
  bool reload = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(reload, dirty_);
  }
  if (reload) {
    Status st = Reload();
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      dirty_ = true;
      return st;
    }
  }
  const WallTime now = options_.clock->Now();
  std::optional<WallTime> earliest;
  for (auto& [key, entry] : entries_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (dirty_) break;  // a launch plan changed: reload before firing anything more
    }
    FireDue(entry, now);
    if (!entry.next) continue;
    const WallTime due = std::max(*entry.next, entry.retry_at);
    if (!earliest || due < *earliest) earliest = due;
  }
  passes_.fetch_add(1);
  cv_.notify_all();
  return earliest;
}

Status Scheduler::Reload() {
  store::ListQuery q;
  q.where = {{"state", static_cast<int64_t>(fa::ACTIVE)}};
  q.filters = {{store::Filter::Op::kNe, "schedule_type", {"0"}}};
  q.ascending = true;
  q.limit = kPageSize;
  std::map<std::string, Entry> loaded;
  while (true) {
    FB_ASSIGN_OR_RETURN(store::ListResult page,
                        options_.store->List(store::Table::kLaunchPlan, q));
    for (const store::Record& rec : page.records) {
      fa::LaunchPlan lp;
      if (!lp.ParseFromString(rec.data)) {
        return Status::Internal("a stored launch plan is unreadable");
      }
      const std::string key = Key(lp.id());
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.id.version() == lp.id().version() &&
          it->second.activated_us == Micros(lp.closure().updated_at())) {
        loaded.emplace(key, it->second);
        continue;
      }
      auto entry = LoadEntry(lp);
      if (!entry.ok()) {
        if (entry.status().code() != Code::kInvalidArgument) return entry.status();
        if (invalid_.insert(IdText(lp.id())).second) {
          FB_LOG(kWarn, kLog) << "launch plan " << IdText(lp.id())
                              << " is active but its schedule is not usable: "
                              << entry.status().message();
        }
        continue;
      }
      FB_LOG(kInfo, kLog) << "schedule of " << IdText(lp.id()) << " started: "
                          << entry->schedule.description() << ", next firing "
                          << (entry->next ? FormatUtc(*entry->next) : std::string("never"));
      loaded.emplace(key, std::move(entry).value());
    }
    if (page.next_token.empty()) break;
    q.offset += static_cast<int64_t>(page.records.size());
  }
  for (const auto& [key, entry] : entries_) {
    auto it = loaded.find(key);
    if (it == loaded.end() || it->second.id.version() != entry.id.version()) {
      FB_LOG(kInfo, kLog) << "schedule of " << IdText(entry.id) << " stopped";
    }
  }
  entries_ = std::move(loaded);
  std::lock_guard<std::mutex> lock(mu_);
  tracked_.clear();
  for (const auto& [key, entry] : entries_) tracked_.insert(key);
  return Status::Ok();
}

Result<Scheduler::Entry> Scheduler::LoadEntry(const fa::LaunchPlan& lp) {
  FB_ASSIGN_OR_RETURN(Schedule schedule,
                      Schedule::FromProto(lp.spec().entity_metadata().schedule()));
  Entry entry;
  entry.id = lp.id();
  entry.schedule = std::move(schedule);
  entry.activated_us = Micros(lp.closure().updated_at());
  entry.from = FromMicros(entry.activated_us);
  const auto& id = lp.id();
  auto state = options_.store->Get(store::Table::kSchedule,
                                   {{"project", id.project()}, {"domain", id.domain()},
                                    {"name", id.name()}});
  if (state.ok()) {
    const auto* last = std::get_if<int64_t>(&state->columns["last_fired_at"]);
    if (last != nullptr && *last > entry.activated_us) entry.from = FromMicros(*last);
  } else if (state.status().code() != Code::kNotFound) {
    return state.status();
  }
  entry.next = entry.schedule.Next(entry.from);
  return entry;
}

void Scheduler::FireDue(Entry& entry, WallTime now) {
  if (!entry.next || *entry.next > now || entry.retry_at > now) return;
  int64_t missed = 0;
  const std::vector<WallTime> due =
      entry.schedule.DueBetween(entry.from, now, options_.max_catch_up, &missed);
  if (missed > 0) {
    FB_LOG(kWarn, kLog) << "schedule of " << IdText(entry.id) << ": skipping " << missed
                        << " missed firing(s) before " << FormatUtc(due.front())
                        << " (at most " << options_.max_catch_up << " are caught up)";
  }
  for (const WallTime t : due) {
    Status st = Fire(entry, t);
    if (!st.ok()) {
      FB_LOG(kWarn, kLog) << "firing " << IdText(entry.id) << " for " << FormatUtc(t)
                          << " failed, retrying in " << options_.retry_after.count()
                          << " s: " << st.ToString();
      entry.retry_at = now + options_.retry_after;
      break;
    }
    entry.from = t;
    SaveLastFiring(entry);
  }
  entry.next = entry.schedule.Next(entry.from);
}

Status Scheduler::Fire(const Entry& entry, WallTime scheduled) {
  const fc::Identifier& id = entry.id;
  fa::ExecutionCreateRequest req;
  req.set_project(id.project());
  req.set_domain(id.domain());
  req.set_name(ScheduledExecutionName(id, scheduled));
  auto* spec = req.mutable_spec();
  *spec->mutable_launch_plan() = id;
  spec->mutable_launch_plan()->set_resource_type(fc::LAUNCH_PLAN);
  auto* metadata = spec->mutable_metadata();
  metadata->set_mode(fa::ExecutionMetadata::SCHEDULED);
  metadata->set_principal("flyte-scheduler");
  *metadata->mutable_scheduled_at() = ToTimestamp(scheduled);
  const std::string& kickoff = entry.schedule.kickoff_input();
  if (!kickoff.empty()) {
    auto& literal = (*req.mutable_inputs()->mutable_literals())[kickoff];
    *literal.mutable_scalar()->mutable_primitive()->mutable_datetime() = ToTimestamp(scheduled);
  }
  auto created = options_.admin->CreateExecution(req);
  if (created.ok()) {
    FB_LOG(kInfo, kLog) << "fired " << IdText(id) << " for " << FormatUtc(scheduled)
                        << ": execution " << req.name();
    return Status::Ok();
  }
  const Status& st = created.status();
  if (st.code() == Code::kAlreadyExists) {
    FB_LOG(kDebug, kLog) << "firing " << req.name() << " exists already";
    return Status::Ok();
  }
  if (Passing(st.code())) return st;
  FB_LOG(kError, kLog) << "cannot fire " << IdText(id) << " for " << FormatUtc(scheduled)
                       << ", skipping this firing: " << st.ToString();
  return Status::Ok();
}

void Scheduler::SaveLastFiring(const Entry& entry) {
  store::Record rec;
  rec.columns = {{"project", entry.id.project()},
                 {"domain", entry.id.domain()},
                 {"name", entry.id.name()},
                 {"version", entry.id.version()},
                 {"last_fired_at", ToMicros(entry.from)}};
  Status st = options_.store->Put(store::Table::kSchedule, rec);
  if (!st.ok()) {
    FB_LOG(kError, kLog) << "cannot record the last firing of " << IdText(entry.id) << ": "
                         << st.ToString();
  }
}

}  // namespace flytebox::scheduler
