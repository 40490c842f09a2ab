#include "embedded/scheduler/notifier.h"

#include "common/log.h"

namespace flytebox::scheduler {
namespace {

constexpr char kLog[] = "notify";
constexpr size_t kMaxQueue = 10000;
constexpr size_t kMaxCachedLaunchPlans = 256;
constexpr size_t kMaxErrorInMessage = 300;

std::string IdText(const fc::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name() + "@" + id.version();
}

// `text` on one line (control characters become spaces, runs of spaces one), at most `max`
// bytes, cut at a UTF-8 character boundary.
std::string OneLine(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    const bool space = static_cast<unsigned char>(c) < 0x20 || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() <= max) return out;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "...";
}

std::string Message(const fa::Execution& exec) {
  const auto& id = exec.id();
  const auto phase = exec.closure().phase();
  std::string text = "execution " + id.project() + "/" + id.domain() + "/" + id.name() +
                     " of " + IdText(exec.spec().launch_plan()) + " is " +
                     fc::WorkflowExecution::Phase_Name(phase);
  if (exec.closure().has_error() && !exec.closure().error().message().empty()) {
    text += ": " + OneLine(exec.closure().error().message(), kMaxErrorInMessage);
  }
  return text;
}

std::string Text(const store::Columns& columns, const char* name) {
  auto it = columns.find(name);
  if (it == columns.end()) return "";
  const auto* s = std::get_if<std::string>(&it->second);
  return s == nullptr ? "" : *s;
}

}  // namespace

Notifier::Notifier(NotifierOptions options) : options_(std::move(options)) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Work(); });
}

void Notifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::OnExecutionSaved(const fa::Execution& exec) {
  if (exec.closure().phase() == fc::WorkflowExecution::UNDEFINED) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (queue_.size() >= kMaxQueue) {
      FB_LOG(kWarn, kLog) << "notification queue full; not notifying for execution "
                          << exec.id().name();
      return;
    }
    queue_.push_back(exec);
  }
  cv_.notify_all();
}

void Notifier::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return (queue_.empty() && !busy_) || !thread_.joinable(); });
}

void Notifier::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, with nothing left
    fa::Execution exec = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Status st = Deliver(exec);
    if (!st.ok()) {
      FB_LOG(kError, kLog) << "cannot deliver the notifications of execution "
                           << exec.id().name() << ": " << st.ToString();
    }
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

Result<NotificationList> Notifier::RulesFor(const fa::Execution& exec) {
  const fa::ExecutionSpec& spec = exec.spec();
  const bool own = spec.has_notifications() && !spec.notifications().notifications().empty();
  if (spec.disable_all() || own || spec.launch_plan().resource_type() != fc::LAUNCH_PLAN) {
    return EffectiveNotifications(spec, nullptr);
  }
  // Launch plan versions never change, so their notifications can be cached.
  const std::string key = IdText(spec.launch_plan());
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = launch_plan_rules_.find(key);
    if (it != launch_plan_rules_.end()) return it->second;
  }
  fa::ObjectGetRequest get;
  *get.mutable_id() = spec.launch_plan();
  auto lp = options_.admin->GetLaunchPlan(get);
  if (!lp.ok()) {
    if (lp.status().code() == Code::kNotFound) return NotificationList();
    return lp.status();
  }
  NotificationList rules = EffectiveNotifications(spec, &*lp);
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (launch_plan_rules_.size() >= kMaxCachedLaunchPlans) launch_plan_rules_.clear();
  launch_plan_rules_[key] = rules;
  return rules;
}

Status Notifier::Deliver(const fa::Execution& exec) {
  const auto phase = exec.closure().phase();
  if (phase == fc::WorkflowExecution::UNDEFINED) return Status::Ok();
  FB_ASSIGN_OR_RETURN(NotificationList rules, RulesFor(exec));
  const std::vector<Delivery> deliveries = DeliveriesFor(rules, phase);
  if (deliveries.empty()) return Status::Ok();
  const std::string message = Message(exec);
  const auto& id = exec.id();
  for (const Delivery& d : deliveries) {
    store::Record rec;
    rec.columns = {{"project", id.project()},
                   {"domain", id.domain()},
                   {"execution", id.name()},
                   {"phase", fc::WorkflowExecution::Phase_Name(phase)},
                   {"kind", d.kind},
                   {"recipient", d.recipient}};
    rec.data = message;
    rec.created_at = rec.updated_at =
        std::chrono::duration_cast<std::chrono::microseconds>(
            options_.clock->Now().time_since_epoch())
            .count();
    Status st = options_.store->Create(store::Table::kNotification, rec);
    if (st.code() == Code::kAlreadyExists) continue;  // told before
    FB_RETURN_IF_ERROR(st);
    FB_LOG(kInfo, kLog) << d.kind << " to " << d.recipient << ": " << message;
  }
  return Status::Ok();
}

Result<NotificationPage> Notifier::List(const NotificationQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000");
  }
  if (query.offset < 0) return Status::InvalidArgument("token must not be negative");
  store::ListQuery q;
  if (!query.project.empty()) q.where["project"] = query.project;
  if (!query.domain.empty()) q.where["domain"] = query.domain;
  if (!query.execution.empty()) q.where["execution"] = query.execution;
  q.limit = query.limit;
  q.offset = query.offset;
  FB_ASSIGN_OR_RETURN(store::ListResult list,
                      options_.store->List(store::Table::kNotification, q));
  NotificationPage page;
  page.next_token = list.next_token;
  for (const store::Record& r : list.records) {
    page.records.push_back({Text(r.columns, "project"), Text(r.columns, "domain"),
                            Text(r.columns, "execution"), Text(r.columns, "phase"),
                            Text(r.columns, "kind"), Text(r.columns, "recipient"), r.data,
                            r.created_at});
  }
  return page;
}

}  // namespace flytebox::scheduler
