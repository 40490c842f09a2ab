#pragma once
// The executor's implementation: it drives every run on one thread (the loop), asking each
// graph's Plan what to start and acting on it through Admin, the blob store and the runner.

#include <atomic>

#include "common/thread_annotations.h"

#include "embedded/executor/internal.h"

namespace flytebox::executor {

class Driver : public Executor {
 public:
  explicit Driver(ExecutorOptions options);
  ~Driver() override;

  Status Resume();
  void OnCreated(const fc::WorkflowExecutionIdentifier& id) override;
  void OnTerminate(const fc::WorkflowExecutionIdentifier& id) override;
  void Stop() override;
  Result<std::string> LogFile(const std::string& link_path) const override;
  uint64_t failed_writes() const override { return failed_writes_.load(); }

 private:
  // The loop (executor.cc).
  void Post(std::function<void()> fn);
  uint64_t After(std::chrono::milliseconds delay, std::function<void()> fn);
  void Cancel(uint64_t timer);
  void Loop();
  // Logs and counts a write that failed; the caller decides what else it means.
  void CheckWrite(const Status& st, const std::string& what);
  // Writes a record through Admin. When the store is unreachable or full (UNAVAILABLE,
  // RESOURCE_EXHAUSTED: Postgres restarting, a full disk) the write is kept, the latest per
  // `key`, and tried again every second until it is written, so that no transition the
  // executor acted on is lost; a later write for the same key replaces it.
  void WriteRecord(const std::string& key, const std::string& what, std::function<Status()> write);
  void RetryUnwritten();

  // Runs and graphs (runs.cc).
  void StartRun(const fc::WorkflowExecutionIdentifier& id, bool resume);
  Status LoadRun(Run* run);
  std::unique_ptr<Graph> NewGraph(Run* run, const fc::WorkflowTemplate* tmpl, Node* owner,
                                  Graph* scope);
  // Starts and skips what the graph's plan says, until it has nothing more or the graph ends.
  void Drive(Graph& g);
  void DriveAll(Graph& g);  // children first
  // The execution's max_parallelism (0: none) bounds the task attempts in flight at once
  // across all its graphs; task nodes beyond it wait, unstarted, for one to end.
  static int TasksInFlight(const Graph& g);
  static bool AtMaxParallelism(const Run& run);
  void StartWaitingTasks(const NodeRef& ref);
  // The TASK_RESOURCE matchable attributes for the run's tasks; null when none are set.
  const fa::TaskResourceAttributes* TaskResourcesOf(Run& run);
  // Why the PLUGIN_OVERRIDE attributes refuse `task` in this run; nullopt when it may run.
  std::optional<std::string> PluginRefusal(Run& run, const fc::TaskTemplate& task);
  // Whether a task node's attempts run interruptible, as propeller decides: the node's
  // metadata, else its task's, else the execution's spec (request, launch plan, attributes).
  static bool Interruptible(const Node& n, const fc::TaskTemplate* task);
  static std::vector<NodePhase> PhasesOf(const Graph& g);
  void EndGraph(Graph& g, const Plan::Verdict& verdict);
  void FinishGraph(Graph& g, bool ok, const NodeError* error);
  // Starts the workflow's failure node once it failed; true while that node runs.
  bool RunFailureNode(Graph& g, const NodeError& error, const std::string& failed_node);
  void FinishRun(Run& run, bool ok, const NodeError* error);
  void AbortRun(Run& run);
  void AbortGraph(Graph& g, const std::string& why);
  Result<const fc::LiteralMap*> OutputsOf(Graph& g, const std::string& spec_id);
  NodeRef RefOf(const Node& n) const;
  // The node if its run is still the one the reference was taken from, else null.
  Node* Resolve(const NodeRef& ref);
  Status RestoreNode(Node& n);
  // When restoring_, gives a fresh child graph's nodes their recorded state (restore.cc).
  void RestoreChildren(Graph& g);

  // Node lifecycle (nodes.cc).
  void StartNode(Node& n);
  void SucceedNode(Node& n, fc::LiteralMap outputs);
  void FailNode(Node& n, const NodeError& error);
  void SkipNode(Node& n);
  Status WriteLiteralMap(const std::string& uri, const fc::LiteralMap& map);
  Result<fc::LiteralMap> ReadLiteralMap(const std::string& uri);
  Result<bool> Exists(const std::string& uri);

  // Recovery (recovery.cc): true when the node was recovered from the execution a
  // RECOVERED execution references (then it is done, or runs its recovered dynamic workflow).
  bool TryRecover(Node& n);
  bool RecoverDynamic(Node& n, const fa::NodeExecution& old);

  // Records (records.cc).
  void RecordNode(Node& n);
  void RecordTask(Node& n, fc::TaskExecution::Phase phase, const NodeError* error);
  void RecordArrayTask(Node& n, fc::TaskExecution::Phase phase);
  // started_us 0: not started yet (QUEUED, INITIALIZING, or failed to start).
  fa::TaskExecution TaskRecord(const Node& n, const fc::Identifier& task_id,
                               fc::TaskExecution::Phase phase, int64_t created_us,
                               int64_t started_us);

  // Task nodes (task_node.cc).
  void StartTask(Node& n);
  void StartAttempt(Node& n);
  // The runner's word on an attempt before it ends: QUEUED / INITIALIZING, or RUNNING (its
  // process started) with its start time.
  void OnAttemptProgress(const NodeRef& ref, int attempt, RunPhase phase);
  void OnAttemptDone(const NodeRef& ref, int attempt, const RunResult& result);
  void EndAttempt(const NodeRef& ref, int attempt, const RunResult& result);
  // Reads what the attempt left (futures, error document, raw outputs, outputs).
  AttemptFacts GatherFacts(Node& n, const RunResult& result);
  void RetryOrFail(Node& n, const NodeError& error);
  // Raw-container outputs → outputs.pb; the failure to report, if any.
  std::optional<NodeError> CollectRaw(Node& n, const std::string& out_dir, bool exited_ok);
  // A raw-container attempt's files (nullopt for other tasks and for map elements, which
  // raw containers are not): the same for a restored attempt as when it was started.
  std::optional<RawIoRun> RawIoOf(Node& n, const fc::TaskTemplate& task, int attempt);
  Result<TaskRun> BuildTaskRun(Node& n, const fc::TaskTemplate& task, const std::string& out_dir,
                               int attempt, const std::string& key_suffix,
                               std::map<std::string, std::string> extra_env);
  const fc::TaskTemplate* TaskOf(Run& run, const fc::Identifier& id);
  Result<std::optional<NodeError>> ReadError(const std::string& out_dir);
  void StartDynamic(Node& n, const std::string& futures_uri);
  void ReleaseSerial(Node& n);

  // Array nodes (array_node.cc).
  void StartArray(Node& n);
  void PumpArray(Node& n);
  void RestoreElements(Node& n);
  void OnElementDone(const NodeRef& ref, size_t i, int attempt, RunResult result);
  void FinishArray(Node& n);

  // Control nodes (control_nodes.cc).
  void StartBranch(Node& n);
  void StartSubworkflow(Node& n);
  // A launch plan node starts a child execution one level deeper; past
  // kMaxLaunchPlanNesting levels the node fails instead (launch plans that launch each other
  // would otherwise create executions without end).
  static constexpr int kMaxLaunchPlanNesting = 100;
  void StartLaunchPlan(Node& n);
  void StartGate(Node& n);
  void PollSignal(const NodeRef& ref);
  void ChildRunEnded(const fa::Execution& child);

  ExecutorOptions options_;
  std::atomic<uint64_t> failed_writes_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  std::multimap<Clock::MonoTime, std::pair<uint64_t, std::function<void()>>> timers_
      GUARDED_BY(mu_);
  uint64_t next_timer_ GUARDED_BY(mu_) = 1;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
  // Executor thread only.
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by ExecKey
  // Records waiting for the store (WriteRecord): key -> what, write.
  std::map<std::string, std::pair<std::string, std::function<Status()>>> unwritten_;
  bool retry_scheduled_ = false;
  // cache_serializable: one runner per cache key; the others wait for its result.
  std::map<std::string, std::vector<NodeRef>> serial_waiters_;
  bool restoring_ = false;
  uint64_t next_serial_ = 1;  // child graphs restore their nodes' records before driving
};

}  // namespace flytebox::executor
