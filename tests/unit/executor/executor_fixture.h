#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "embedded/admin/admin.h"
#include "embedded/blob/blob_store.h"
#include "embedded/executor/executor.h"
#include "embedded/store/metadata_store.h"
#include "flyteidl/core/errors.pb.h"
#include "tests/unit/executor/fake_runner.h"
#include "tests/unit/executor/test_support.h"

namespace flytebox::executor::testing {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;

// A MetadataStore that passes everything through and remembers every phase a node or task
// execution record was written with, so tests see transitions and not only the last one.
class PhaseLog : public store::MetadataStore {
 public:
  explicit PhaseLog(std::unique_ptr<store::MetadataStore> inner) : inner_(std::move(inner)) {}

  Status Create(store::Table t, const store::Record& r, store::Record* existing) override {
    return inner_->Create(t, r, existing);
  }
  Result<store::Record> Get(store::Table t, const store::Columns& key) override {
    return inner_->Get(t, key);
  }
  Status Update(store::Table t, const store::Record& r) override { return inner_->Update(t, r); }
  Status Put(store::Table t, const store::Record& r) override;
  Status Delete(store::Table t, const store::Columns& key) override { return inner_->Delete(t, key); }
  Result<store::ListResult> List(store::Table t, const store::ListQuery& q) override {
    return inner_->List(t, q);
  }
  Result<int64_t> Count(store::Table t, const store::ListQuery& q) override {
    return inner_->Count(t, q);
  }
  Result<std::vector<store::Columns>> Distinct(store::Table t, const std::vector<std::string>& c,
                                               const store::ListQuery& q) override {
    return inner_->Distinct(t, c, q);
  }
  Status Transaction(const std::function<Status(store::MetadataStore&)>& fn) override {
    return inner_->Transaction([&](store::MetadataStore&) { return fn(*this); });
  }

  // Phases a node execution record was written with, in order (consecutive repeats kept).
  std::vector<std::string> NodePhases(const std::string& exec, const std::string& node) const;
  // The same for one attempt of a task execution.
  std::vector<std::string> TaskPhases(const std::string& exec, const std::string& node,
                                      int64_t attempt) const;

 private:
  struct Change {
    store::Table table;
    std::string exec, node;
    int64_t attempt;
    std::string phase;
  };
  std::unique_ptr<store::MetadataStore> inner_;
  mutable std::mutex mu_;
  std::vector<Change> changes_;  // guarded by mu_
};

// A task interface: a: int -> o0: int.
inline constexpr char kIntToInt[] = R"(
  inputs { variables { key: "a" value { type { simple: INTEGER } } } }
  outputs { variables { key: "o0" value { type { simple: INTEGER } } } })";

// Workflow text: wf(x: int) -> o0: int with one node n0 = TASK(a=x).
std::string OneNode(const std::string& task);
// Workflow text: wf(x: int) with two independent nodes n0, n1 = inc(a=x), plus `extra`.
std::string Pair(const std::string& extra);

// The executor over a real Admin (in-memory SQLite, local blob store), a FakeRunner and a
// FakeClock. Workflows are registered in flytesnacks/development, version v1; `@task:NAME`
// in workflow text stands for the full identifier of task NAME.
class ExecutorFixture : public ::testing::Test {
 protected:
  static constexpr char kProject[] = "flytesnacks";
  static constexpr char kDomain[] = "development";
  static constexpr std::chrono::milliseconds kWait{5000};

  void SetUp() override;
  void TearDown() override;

  void StartExecutor();
  void StopExecutor();

  // The flags flytekit gives pyflyte-execute: inputs, output, raw output and checkpoint
  // templates.
  static std::vector<std::string> DefaultArgs();
  // Registers task NAME/v1. `interface_text` is a TypedInterface, `metadata_text` a
  // TaskMetadata and `container_text` a Container (image and args are set here), in text
  // format.
  void RegisterTask(const std::string& name, const std::string& interface_text,
                    const std::string& metadata_text = "",
                    std::vector<std::string> args = DefaultArgs(),
                    const std::string& container_text = "");
  // Registers workflow NAME/v1 from a WorkflowTemplate text without its id, and launch plan
  // NAME/v1 for it.
  void RegisterWorkflow(const std::string& name, const std::string& template_text);
  // Creates execution `exec` of launch plan `lp`; the executor starts it.
  void Launch(const std::string& lp, const std::string& exec, const std::string& inputs_text = "",
              const std::string& spec_text = "");

  // Task sq(x: list[int]) -> o0: list[int] and workflow mapper(xs) = an array node over sq.
  void RegisterMapper(const std::string& task_metadata, const std::string& array_extra = "");

  // Attempts the runner saw.
  TaskRun Run(size_t i) const { return runner_->attempt(i).run; }
  // The first attempt whose output prefix is under node `node`'s data dir in `exec`.
  size_t AttemptOf(const std::string& exec, const std::string& node) const;

  // Reads.
  fc::WorkflowExecutionIdentifier ExecId(const std::string& exec) const;
  fa::Execution Execution(const std::string& exec);
  Result<fa::NodeExecution> NodeExecution(const std::string& exec, const std::string& node);
  std::vector<fa::NodeExecution> NodeExecutions(const std::string& exec,
                                                const std::string& parent = "");
  std::vector<fa::TaskExecution> TaskExecutions(const std::string& exec, const std::string& node);
  fc::LiteralMap ReadMap(const std::string& uri);
  fc::LiteralMap ExecOutputs(const std::string& exec) { return ReadMap(OutputUri(Execution(exec))); }
  static int64_t IntOf(const fc::LiteralMap& map, const std::string& var);
  // Output URIs (deprecated fields that the read path still fills).
  static std::string OutputUri(const fa::Execution& e);
  static std::string OutputUri(const fa::NodeExecution& n);
  static std::string OutputUri(const fa::TaskExecution& t);
  bool BlobExists(const std::string& uri);
  // <store>/metadata/propeller/<project>-<domain>-<exec>
  std::string WfDir(const std::string& exec) const;

  // Waits (polling, real time) until `pred` holds; false on timeout.
  bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kWait);
  // Waits for the execution to reach `phase`; a failed assertion names the phase it has.
  ::testing::AssertionResult WaitForPhase(const std::string& exec, fc::WorkflowExecution::Phase phase);
  ::testing::AssertionResult WaitForNodePhase(const std::string& exec, const std::string& node,
                                              fc::NodeExecution::Phase phase);
  ::testing::AssertionResult WaitForTaskPhase(const std::string& exec, const std::string& node,
                                              int attempt, fc::TaskExecution::Phase phase);
  ::testing::AssertionResult WaitForAttempts(size_t n);

  // What a task does before it ends: write outputs.pb / error.pb / a log line.
  static std::string Arg(const TaskRun& run, const std::string& flag);
  static std::string OutputPrefix(const TaskRun& run) { return Arg(run, "--output-prefix"); }
  void WriteOutputs(const TaskRun& run, const std::string& literal_map_text);
  void WriteError(const TaskRun& run, const std::string& code, const std::string& message,
                  fc::ContainerError::Kind kind, fc::ExecutionError::ErrorKind origin);
  // Appends to the attempt's log file, as a task process's stdout would.
  static void AppendLog(const TaskRun& run, const std::string& text);
  // Ends attempt i as exited with `code`.
  void Exit(size_t i, int code = 0);
  // Writes outputs.pb for attempt i and ends it with exit code 0.
  void Succeed(size_t i, const std::string& literal_map_text);

  FakeClock clock_;
  std::filesystem::path dir_;
  PhaseLog* log_ = nullptr;  // owned by store_
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<admin::Admin> admin_;
  std::unique_ptr<FakeRunner> runner_;
  std::unique_ptr<Executor> executor_;
};

// Literal maps in text format: {var: value} and {var: [values...]}.
std::string IntMap(const std::string& var, int64_t value);
std::string Ints(const std::string& var, const std::vector<int64_t>& values);
// The integers of list `var` of `map`.
std::vector<int64_t> IntsOf(const fc::LiteralMap& map, const std::string& var);

}  // namespace flytebox::executor::testing
