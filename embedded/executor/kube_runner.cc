#include "embedded/executor/kube_runner.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "common/log.h"
#include "embedded/executor/copilot.h"
#include "embedded/executor/kube_gc.h"
#include "embedded/executor/kube_logs.h"
#include "embedded/executor/kube_pod_template.h"
#include "embedded/executor/kube_quota.h"

namespace flytebox::executor {
namespace {

using nlohmann::json;
constexpr char kLog[] = "kube";
constexpr char kSecretName[] = "flytebox-task-env";

class PodTask : public RunningTask {
 public:
  PodTask(TaskRun run, std::string ns, std::string name, std::function<void(RunResult)> done)
      : run_(std::move(run)), ns_(std::move(ns)), name_(std::move(name)), done_(std::move(done)) {}

  std::string handle() const override { return "pod:" + ns_ + "/" + name_; }
  void Kill(const std::string& why) override;  // set by the runner

  const TaskRun& run() const { return run_; }
  const std::string& ns() const { return ns_; }
  const std::string& name() const { return name_; }
  std::string key() const { return ns_ + "/" + name_; }

  // Called once; later calls do nothing.
  void Finish(RunResult r) {
    std::function<void(RunResult)> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done.swap(done_);
    }
    if (done) done(std::move(r));
  }
  // First caller gets true: the one that reads the result.
  bool Claim() { return !claimed_.exchange(true); }
  bool claimed() const { return claimed_; }
  void Progress(RunPhase p, const std::string& reason) {
    int v = static_cast<int>(p);
    if (last_phase_.exchange(v) == v) return;
    if (run_.on_progress) run_.on_progress(p, reason);
  }
  std::function<void(const std::string&)> on_kill;
  bool killed() const { return killed_; }
  std::string kill_reason() const {
    std::lock_guard<std::mutex> lock(mu_);
    return kill_reason_;
  }
  std::atomic<uint64_t> created_seq{0};  // 0: not created yet
  std::shared_ptr<PodLog> log;           // set before the task is shared

 private:
  mutable std::mutex mu_;
  TaskRun run_;
  std::string ns_, name_;
  std::function<void(RunResult)> done_;
  std::atomic<bool> claimed_{false};
  std::atomic<int> last_phase_{-1};
  std::atomic<bool> killed_{false};
  std::string kill_reason_;  // guarded by mu_; set before killed_
};

void PodTask::Kill(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (killed_) return;
    kill_reason_ = why;
    killed_ = true;
  }
  if (on_kill) on_kill(why);
}

class TaskRef : public RunningTask {
 public:
  explicit TaskRef(std::shared_ptr<PodTask> t) : t_(std::move(t)) {}
  std::string handle() const override { return t_->handle(); }
  void Kill(const std::string& why) override { t_->Kill(why); }

 private:
  std::shared_ptr<PodTask> t_;
};

class KubeRunner : public TaskRunner {
 public:
  KubeRunner(std::unique_ptr<kube::Client> client, KubeRunnerOptions options)
      : client_(std::move(client)), options_(std::move(options)) {
    if (!options_.secret_env.empty()) options_.pods.env_secret = kSecretName;
    for (int i = 0; i < std::max(1, options_.create_workers); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
    watcher_ = std::thread([this] { Watch(); });
    if (options_.finished_pod_ttl.count() > 0) {
      PodCollectorOptions gc;
      gc.ttl = options_.finished_pod_ttl;
      gc.in_use = [this](const std::string& key) { return Find(key) != nullptr; };
      collector_ = std::make_unique<PodCollector>(client_.get(), std::move(gc));
    }
  }

  // Pods keep running: an engine started again re-attaches to them.
  ~KubeRunner() override {
    collector_.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    stop_cv_.notify_all();
    watcher_.join();
    for (auto& w : workers_) w.join();
    std::vector<std::shared_ptr<PodLog>> logs = retired_logs_;
    for (const auto& [key, task] : tasks_) logs.push_back(task->log);
    for (const auto& log : logs) log->Close();  // no follow may outlive the client
  }

  std::string name() const override { return "kubernetes"; }
  bool reports_progress() const override { return true; }

  Result<std::unique_ptr<RunningTask>> Start(const TaskRun& run,
                                             std::function<void(RunResult)> done) override {
    if (run.argv.empty()) return Status::InvalidArgument("the task has no command to run");
    if (run.image.empty()) return Status::InvalidArgument("the task names no image to run in");
    FB_RETURN_IF_ERROR(CheckSecretRequests(run.secrets));
    if (run.raw_io && !options_.blobs) {
      return Status::FailedPrecondition(
          "raw-container tasks (data_config) need an object store the pods reach");
    }
    std::string ns = NamespaceFor(options_.pods.namespace_template, run.project, run.domain);
    auto task = std::make_shared<PodTask>(run, ns, run.key, std::move(done));
    task->log =
        std::make_shared<PodLog>(client_.get(), ns, run.key, PrimaryContainerOf(run), run.log_path);
    Track(task);
    Post([this, task] { Create(task); });
    return std::unique_ptr<RunningTask>(new TaskRef(task));
  }

  Result<std::unique_ptr<RunningTask>> Attach(const std::string& handle,
                                              const std::string& log_path,
                                              const std::optional<RawIoRun>& raw_io,
                                              std::function<void(RunResult)> done) override {
    if (handle.rfind("pod:", 0) != 0 || handle.find('/') == std::string::npos) {
      return Status::NotFound("no pod in handle '" + handle + "'");
    }
    std::string ns = handle.substr(4, handle.find('/') - 4);
    std::string name = handle.substr(handle.find('/') + 1);
    FB_ASSIGN_OR_RETURN(kube::Response r, client_->Call("GET", PodPath(ns, name)));
    if (r.status == 404) return Status::NotFound("pod " + ns + "/" + name + " is gone");
    if (!r.ok()) return kube::StatusOf(r, "reading pod " + ns + "/" + name);
    json pod = json::parse(r.body, nullptr, false);
    TaskRun known;
    known.raw_io = raw_io;  // staged before the restart, under the attempt's own prefix
    auto task = std::make_shared<PodTask>(std::move(known), ns, name, std::move(done));
    // The log followed on from what the file has (the engine before the restart wrote it).
    task->log =
        std::make_shared<PodLog>(client_.get(), ns, name, PrimaryContainerOf(pod), log_path);
    task->created_seq = ++seq_;
    Track(task);
    FB_LOG(kInfo, kLog) << "re-attached to pod " << ns << "/" << name;
    OnPod(pod);
    return std::unique_ptr<RunningTask>(new TaskRef(task));
  }

 private:
  static std::string PodPath(const std::string& ns, const std::string& name) {
    return "/api/v1/namespaces/" + ns + "/pods/" + name;
  }

  void Track(const std::shared_ptr<PodTask>& task) {
    std::weak_ptr<PodTask> weak = task;
    task->on_kill = [this, weak](const std::string&) {
      Post([this, weak] {
        if (auto t = weak.lock()) Delete(t);
      });
    };
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[task->key()] = task;
  }

  void Untrack(const PodTask& task) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.erase(task.key());
  }

  std::shared_ptr<PodTask> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tasks_.find(key);
    return it == tasks_.end() ? nullptr : it->second;
  }

  void Post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  void Work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  // The namespace, its default service account and the task Secret, once per namespace
  // per engine run (the Secret is written every run: its credentials may have changed).
  Status EnsureNamespace(const std::string& ns) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ready_namespaces_.count(ns)) return Status::Ok();
    }
    json nsobj = {{"apiVersion", "v1"},
                  {"kind", "Namespace"},
                  {"metadata", {{"name", ns}, {"labels", {{kManagedByLabel, kManagedByValue}}}}}};
    FB_RETURN_IF_ERROR(CreateIfMissing("/api/v1/namespaces/" + ns, "/api/v1/namespaces", nsobj));
    json sa = {{"apiVersion", "v1"},
               {"kind", "ServiceAccount"},
               {"metadata", {{"name", options_.pods.service_account}, {"namespace", ns}}}};
    FB_RETURN_IF_ERROR(CreateIfMissing(
        "/api/v1/namespaces/" + ns + "/serviceaccounts/" + options_.pods.service_account,
        "/api/v1/namespaces/" + ns + "/serviceaccounts", sa));
    if (!options_.secret_env.empty()) {
      json secret = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"type", "Opaque"},
                     {"metadata",
                      {{"name", kSecretName},
                       {"namespace", ns},
                       {"labels", {{kManagedByLabel, kManagedByValue}}}}},
                     {"stringData", options_.secret_env}};
      std::string base = "/api/v1/namespaces/" + ns + "/secrets";
      FB_ASSIGN_OR_RETURN(kube::Response r, client_->Call("POST", base, secret.dump()));
      if (r.status == 409) {
        FB_ASSIGN_OR_RETURN(r, client_->Call("PUT", base + "/" + kSecretName, secret.dump()));
      }
      if (!r.ok()) return kube::StatusOf(r, "writing secret " + ns + "/" + kSecretName);
    }
    std::lock_guard<std::mutex> lock(mu_);
    ready_namespaces_.insert(ns);
    return Status::Ok();
  }

  // The namespace's ResourceQuota made, replaced or deleted to follow the CLUSTER_RESOURCE
  // attributes, when they changed since this engine last applied them. A quota Kubernetes
  // refuses (a value that is no quantity) is logged once and the pod made anyway, as
  // FlyteAdmin's controller leaves executions alone when a template does not apply.
  void EnsureQuota(const std::string& ns, const TaskRun& run) {
    if (!options_.cluster_resources) return;
    auto attributes = options_.cluster_resources(run.project, run.domain);
    if (!attributes.ok()) {
      FB_LOG(kWarn, kLog) << "cluster resource attributes of " << run.project << "/"
                          << run.domain << ": " << attributes.status().message();
      return;
    }
    json hard = QuotaHard(*attributes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = quotas_.find(ns);
      if (it != quotas_.end() && it->second == hard) return;
    }
    std::string base = "/api/v1/namespaces/" + ns + "/resourcequotas";
    Result<kube::Response> r = Status::Internal("no call made");
    if (hard.empty()) {
      r = client_->Call("DELETE", base + "/" + kQuotaName);
      if (r.ok() && r->status == 404) r = kube::Response{200, ""};
    } else {
      std::string body = QuotaObject(ns, hard).dump();
      r = client_->Call("POST", base, body);
      if (r.ok() && r->status == 409) r = client_->Call("PUT", base + "/" + kQuotaName, body);
    }
    Status st = !r.ok() ? r.status() : r->ok() ? Status::Ok()
                                                : kube::StatusOf(*r, "ResourceQuota " + ns);
    if (!st.ok() && st.code() == Code::kUnavailable) return;  // tried again with the next pod
    if (!st.ok()) {
      FB_LOG(kWarn, kLog) << "cannot apply the CLUSTER_RESOURCE attributes of " << run.project
                          << "/" << run.domain << " as ResourceQuota " << ns << "/"
                          << kQuotaName << ": " << st.message();
    } else {
      FB_LOG(kInfo, kLog) << "ResourceQuota " << ns << "/" << kQuotaName << ": "
                          << (hard.empty() ? "removed" : hard.dump());
    }
    std::lock_guard<std::mutex> lock(mu_);
    quotas_[ns] = std::move(hard);
  }

  bool HasQuota(const std::string& ns) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = quotas_.find(ns);
    return it != quotas_.end() && !it->second.empty();
  }

  Status CreateIfMissing(const std::string& path, const std::string& collection, const json& obj) {
    FB_ASSIGN_OR_RETURN(kube::Response r, client_->Call("GET", path));
    if (r.ok()) return Status::Ok();
    if (r.status != 404) return kube::StatusOf(r, "reading " + path);
    FB_ASSIGN_OR_RETURN(r, client_->Call("POST", collection, obj.dump()));
    if (r.ok() || r.status == 409) return Status::Ok();
    return kube::StatusOf(r, "creating " + path);
  }

  void Create(const std::shared_ptr<PodTask>& task) {
    if (task->killed()) {
      Finish(task, {RunResult::Kind::kKilled, 0, task->kill_reason()});
      return;
    }
    task->log->Touch();
    Status ns = EnsureNamespace(task->ns());
    if (!ns.ok()) {
      Lost(task, "PodCreateFailure", "cannot prepare namespace " + task->ns() + ": " + ns.message(),
           ns.code() == Code::kUnavailable);
      return;
    }
    Status secrets = CheckFileSecrets(*task);
    if (!secrets.ok()) {
      Lost(task, "SecretNotFound", secrets.message(), secrets.code() == Code::kUnavailable);
      return;
    }
    EnsureQuota(task->ns(), task->run());
    if (task->run().raw_io) {
      Status staged = StageInputs(*task->run().raw_io, *options_.blobs);
      if (!staged.ok()) {
        Lost(task, "CopilotInputsFailure",
             "cannot stage the task's inputs in the object store: " + staged.message(), true);
        return;
      }
    }
    json pod = BuildPod(task->run(), options_.pods, task->ns(), task->name());
    if (HasQuota(task->ns())) LimitsFromRequests(pod);
    if (!task->run().pod_template_name.empty()) {  // the namespace's PodTemplate as its base
      auto based = OnNamedPodTemplate(*client_, task->run().pod_template_name, pod,
                                      PrimaryContainerOf(task->run()));
      if (!based.ok()) {
        Lost(task, "PodTemplateFailure", based.status().message(),
             based.status().code() == Code::kUnavailable);
        return;
      }
      pod = std::move(based).value();
    }
    auto r = client_->Call("POST", "/api/v1/namespaces/" + task->ns() + "/pods", pod.dump());
    if (!r.ok()) {
      Lost(task, "PodCreateFailure", r.status().message(), true);
      return;
    }
    if (!r->ok() && r->status != 409) {  // 409: made before a restart; the watch reports it
      Status st = kube::StatusOf(*r, "creating pod " + task->key());
      Lost(task, "PodCreateFailure", st.message(), st.code() == Code::kUnavailable);
      return;
    }
    task->created_seq = ++seq_;
    task->Progress(RunPhase::kQueued, "");
    if (r->ok()) OnPod(json::parse(r->body, nullptr, false));
    if (task->killed()) Delete(task);
  }

  // Each Secret the task mounts as files, read: one that is missing fails the attempt now.
  Status CheckFileSecrets(const PodTask& task) {
    for (const SecretRequest& s : task.run().secrets) {
      if (s.mount == SecretRequest::Mount::kEnv) continue;  // its container fails to start
      std::string path = "/api/v1/namespaces/" + task.ns() + "/secrets/" + s.group;
      FB_ASSIGN_OR_RETURN(kube::Response r, client_->Call("GET", path));
      if (r.status != 404 && !r.ok()) return kube::StatusOf(r, "reading secret " + s.group);
      json secret = r.ok() ? json::parse(r.body, nullptr, false) : json();
      FB_RETURN_IF_ERROR(CheckFileSecret(s, r.ok() ? &secret : nullptr, task.ns()));
    }
    return Status::Ok();
  }

  void Lost(const std::shared_ptr<PodTask>& task, const std::string& code,
            const std::string& message, bool recoverable) {
    RunResult res;
    res.kind = RunResult::Kind::kLost;
    res.code = code;
    res.message = message;
    res.recoverable = recoverable;
    Finish(task, res);
  }

  void Finish(const std::shared_ptr<PodTask>& task, RunResult r) {
    Untrack(*task);
    task->Finish(std::move(r));
  }

  void Delete(const std::shared_ptr<PodTask>& task) {
    SaveLog(task, "");
    auto r = client_->Call("DELETE", PodPath(task->ns(), task->name()) + "?gracePeriodSeconds=0");
    if (r.ok() && !r->ok() && r->status != 404) {
      FB_LOG(kWarn, kLog) << kube::StatusOf(*r, "deleting pod " + task->key()).message();
    }
    if (task->killed() && task->Claim()) {
      Finish(task, {RunResult::Kind::kKilled, 0, task->kill_reason()});
    }
  }

  // The pod's log made whole in the attempt's log file; its follow, ending within a second,
  // joined later (never on a caller's thread).
  void SaveLog(const std::shared_ptr<PodTask>& task, const std::string& extra) {
    task->log->Complete(extra);
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(retired_logs_, [](const std::shared_ptr<PodLog>& l) { return l->idle(); });
    retired_logs_.push_back(task->log);
  }

  // A pod reached an end: its log saved, the attempt finished, and only then the pod deleted
  // (the attempt's result does not depend on the deletion, so it does not wait for it).
  void Complete(const std::shared_ptr<PodTask>& task, const PodState& st) {
    using P = PodState::Phase;
    bool started = st.phase == P::kSucceeded || st.phase == P::kFailed ||
                   (st.phase == P::kSystemError && st.reason == "OOMKilled");
    SaveLog(task, started ? "" : st.message);
    RunResult res;
    switch (st.phase) {
      case P::kSucceeded:
      case P::kFailed:
        res.kind = RunResult::Kind::kExited;
        res.exit_code = st.exit_code;
        res.message = st.message;
        break;
      case P::kImageError:
        res = {RunResult::Kind::kLost, 0, st.message, "ImagePullFailure", false};
        break;
      case P::kConfigError: res = {RunResult::Kind::kLost, 0, st.message, st.reason, false}; break;
      default:
        res = {RunResult::Kind::kLost, 0, st.message, st.reason.empty() ? "PodFailed" : st.reason,
               true};
    }
    if (res.kind == RunResult::Kind::kExited && task->run().raw_io)
      res = WithRawOutputs(*task->run().raw_io, options_.blobs, res);
    if (task->killed()) res = {RunResult::Kind::kKilled, 0, task->kill_reason()};
    Finish(task, res);
    if (options_.finished_pod_ttl.count() == 0 || !started) {
      auto r = client_->Call("DELETE", PodPath(task->ns(), task->name()) + "?gracePeriodSeconds=0");
      (void)r;
    }
  }

  void OnPod(const json& pod) {
    if (!pod.is_object() || !pod.contains("metadata")) return;
    const json& m = pod["metadata"];
    auto task = Find(m.value("namespace", "") + "/" + m.value("name", ""));
    if (!task || task->claimed()) return;
    PodState st = ReadPodState(pod);
    if (st.terminal()) {
      if (task->Claim()) Post([this, task, st] { Complete(task, st); });
      return;
    }
    if (st.phase == PodState::Phase::kRunning) {
      task->log->Follow();
      task->Progress(RunPhase::kRunning, "");
    } else if (st.phase == PodState::Phase::kInitializing)
      task->Progress(RunPhase::kInitializing, st.reason);
    else
      task->Progress(RunPhase::kQueued, st.reason);
  }

  void OnPodGone(const std::string& key) {
    auto task = Find(key);
    if (!task || !task->Claim()) return;
    Post([this, task] { SaveLog(task, "the task's pod was deleted"); });
    if (task->killed()) {
      Finish(task, {RunResult::Kind::kKilled, 0, task->kill_reason()});
    } else {
      Lost(task, "PodDeleted", "the task's pod " + key + " was deleted", true);
    }
  }

  // List every pod of this engine, then watch from the list's resourceVersion until the
  // watch expires or breaks; then again. Each list is a resync: pods that vanished while
  // no watch ran are noticed there.
  void Watch() {
    const std::string selector =
        kube::QueryEscape(std::string(kManagedByLabel) + "=" + kManagedByValue);
    while (!Stopping()) {
      uint64_t list_seq = ++seq_;
      auto r = client_->Call("GET", "/api/v1/pods?labelSelector=" + selector);
      if (!r.ok() || !r->ok()) {
        FB_LOG(kWarn, kLog) << "listing pods: "
                            << (r.ok() ? kube::StatusOf(*r, "list").message()
                                       : r.status().message());
        Pause(std::chrono::seconds(1));
        continue;
      }
      json list = json::parse(r->body, nullptr, false);
      std::set<std::string> seen;
      if (list.contains("items")) {
        for (const auto& pod : list["items"]) {
          seen.insert(pod["metadata"].value("namespace", "") + "/" +
                      pod["metadata"].value("name", ""));
          OnPod(pod);
        }
      }
      std::vector<std::string> gone;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [key, t] : tasks_) {
          uint64_t created = t->created_seq;
          if (created != 0 && created < list_seq && !seen.count(key)) gone.push_back(key);
        }
      }
      for (const auto& key : gone) OnPodGone(key);
      std::string rv = list.is_object() && list.contains("metadata")
                           ? list["metadata"].value("resourceVersion", "")
                           : "";
      WatchFrom(selector, rv);
    }
  }

  void WatchFrom(const std::string& selector, const std::string& rv) {
    std::string path = "/api/v1/pods?watch=1&allowWatchBookmarks=true&labelSelector=" + selector +
                       "&timeoutSeconds=" + std::to_string(options_.resync.count()) +
                       "&resourceVersion=" + rv;
    bool expired = false;
    auto r = client_->Stream(
        path,
        [&](std::string_view line) {
          json ev = json::parse(line, nullptr, false);
          if (!ev.is_object()) return;
          std::string type = ev.value("type", "");
          const json& obj = ev["object"];
          if (type == "ERROR") {
            expired = true;  // 410 Gone: the resourceVersion is too old; list again
            return;
          }
          if (type == "DELETED") {
            OnPodGone(obj["metadata"].value("namespace", "") + "/" +
                      obj["metadata"].value("name", ""));
          } else if (type == "ADDED" || type == "MODIFIED") {
            OnPod(obj);
          }
        },
        [this] { return Stopping(); });
    if (!r.ok()) {
      FB_LOG(kWarn, kLog) << "watching pods: " << r.status().message();
      Pause(std::chrono::seconds(1));
    } else if (!r->ok()) {
      FB_LOG(kWarn, kLog) << kube::StatusOf(*r, "watching pods").message();
      Pause(std::chrono::seconds(1));
    }
    (void)expired;
  }

  void Pause(std::chrono::seconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    stop_cv_.wait_for(lock, d, [this] { return stopping_; });
  }

  std::unique_ptr<kube::Client> client_;
  KubeRunnerOptions options_;
  std::atomic<uint64_t> seq_{0};
  std::mutex mu_;
  std::condition_variable cv_;                             // jobs
  std::condition_variable stop_cv_;                        // the watcher's pauses
  bool stopping_ = false;                                  // guarded by mu_
  std::map<std::string, std::shared_ptr<PodTask>> tasks_;  // guarded by mu_
  std::deque<std::function<void()>> jobs_;                 // guarded by mu_
  std::set<std::string> ready_namespaces_;                 // guarded by mu_
  std::map<std::string, json> quotas_;  // namespace -> the quota applied last; guarded by mu_
  std::vector<std::shared_ptr<PodLog>> retired_logs_;  // guarded by mu_: follows ending
  std::vector<std::thread> workers_;
  std::thread watcher_;
  std::unique_ptr<PodCollector> collector_;  // finished pods past their TTL
};

}  // namespace

std::unique_ptr<TaskRunner> NewKubeRunner(std::unique_ptr<kube::Client> client,
                                          KubeRunnerOptions options) {
  return std::make_unique<KubeRunner>(std::move(client), std::move(options));
}

}  // namespace flytebox::executor
