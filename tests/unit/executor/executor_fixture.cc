#include "tests/unit/executor/executor_fixture.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <thread>

namespace flytebox::executor::testing {

// ---- PhaseLog ----

Status PhaseLog::Put(store::Table t, const store::Record& r) {
  Status st = inner_->Put(t, r);
  if (st.ok() && (t == store::Table::kNodeExecution || t == store::Table::kTaskExecution)) {
    auto text = [&](const char* col) {
      auto it = r.columns.find(col);
      return it == r.columns.end() ? std::string() : std::get<std::string>(it->second);
    };
    int64_t attempt = 0;
    if (auto it = r.columns.find("retry_attempt"); it != r.columns.end()) {
      attempt = std::get<int64_t>(it->second);
    }
    std::lock_guard<std::mutex> lock(mu_);
    changes_.push_back({t, text("execution"), text("node_id"), attempt, text("phase")});
  }
  return st;
}

std::vector<std::string> PhaseLog::NodePhases(const std::string& exec,
                                              const std::string& node) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : changes_) {
    if (c.table == store::Table::kNodeExecution && c.exec == exec && c.node == node) {
      out.push_back(c.phase);
    }
  }
  return out;
}

std::vector<std::string> PhaseLog::TaskPhases(const std::string& exec, const std::string& node,
                                              int64_t attempt) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : changes_) {
    if (c.table == store::Table::kTaskExecution && c.exec == exec && c.node == node &&
        c.attempt == attempt) {
      out.push_back(c.phase);
    }
  }
  return out;
}

// ---- setup ----

namespace {

// `@task:NAME`, `@wf:NAME`, `@lp:NAME` → the identifier fields of NAME/v1.
std::string ExpandIds(const std::string& text) {
  static const std::regex kShorthand(R"(@(task|wf|lp):([A-Za-z0-9_.\-]+))");
  std::string out;
  size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kShorthand);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<size_t>(m.position()) - last);
    std::string type = m[1] == "task" ? "TASK" : m[1] == "wf" ? "WORKFLOW" : "LAUNCH_PLAN";
    out += "resource_type: " + type + " project: \"flytesnacks\" domain: \"development\" name: \"" +
           m[2].str() + "\" version: \"v1\"";
    last = static_cast<size_t>(m.position() + m.length());
  }
  return out + text.substr(last);
}

fc::Identifier Id(fc::ResourceType type, const std::string& name) {
  fc::Identifier id;
  id.set_resource_type(type);
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name(name);
  id.set_version("v1");
  return id;
}

}  // namespace

void ExecutorFixture::SetUp() {
  dir_ = std::filesystem::temp_directory_path() /
         ("flytebox-executor-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  auto sqlite = store::OpenSqlite({":memory:", 5000, &clock_});
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  auto log = std::make_unique<PhaseLog>(std::move(sqlite).value());
  log_ = log.get();
  store_ = std::move(log);
  auto blobs = blob::OpenFileStore((dir_ / "blobs").string(), "bucket");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  blobs_ = std::move(blobs).value();
  admin_ = std::make_unique<admin::Admin>(admin::AdminOptions{store_.get(), blobs_.get(), &clock_});
  ASSERT_TRUE(admin_->Seed().ok());
  runner_ = std::make_unique<FakeRunner>();
  StartExecutor();
}

void ExecutorFixture::TearDown() {
  StopExecutor();
  runner_.reset();
  admin_.reset();
  blobs_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ExecutorFixture::StartExecutor() {
  ExecutorOptions o;
  o.admin = admin_.get();
  o.blobs = blobs_.get();
  o.runner = runner_.get();
  o.clock = &clock_;
  o.log_dir = (dir_ / "logs").string();
  o.public_url = "http://localhost:30080";
  o.task_env = {{"FLYTE_PLATFORM_URL", "localhost:30080"}, {"FLYTE_PLATFORM_INSECURE", "true"}};
  auto started = Executor::Start(std::move(o));
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  executor_ = std::move(started).value();
  admin_->SetHooks(executor_.get());
}

void ExecutorFixture::StopExecutor() {
  if (admin_) admin_->SetHooks(nullptr);
  if (executor_) executor_->Stop();
  executor_.reset();
}

std::vector<std::string> ExecutorFixture::DefaultArgs() {
  return {"pyflyte-execute",
          "--inputs", "{{.input}}",
          "--output-prefix", "{{.outputPrefix}}",
          "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
          "--checkpoint-path", "{{.checkpointOutputPrefix}}",
          "--prev-checkpoint", "{{.prevCheckpointPrefix}}"};
}

void ExecutorFixture::RegisterTask(const std::string& name, const std::string& interface_text,
                                   const std::string& metadata_text, std::vector<std::string> args,
                                   const std::string& container_text) {
  fa::TaskCreateRequest req;
  *req.mutable_id() = Id(fc::TASK, name);
  auto* t = req.mutable_spec()->mutable_template_();
  *t->mutable_id() = req.id();
  t->set_type("python-task");
  *t->mutable_interface() = Text<fc::TypedInterface>(interface_text);
  *t->mutable_metadata() = Text<fc::TaskMetadata>(metadata_text);
  auto* c = t->mutable_container();
  *c = Text<fc::Container>(container_text);
  c->set_image("example/image:v1");
  for (auto& a : args) c->add_args(std::move(a));
  auto r = admin_->CreateTask(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

void ExecutorFixture::RegisterWorkflow(const std::string& name, const std::string& template_text) {
  fa::WorkflowCreateRequest wf;
  *wf.mutable_id() = Id(fc::WORKFLOW, name);
  auto* t = wf.mutable_spec()->mutable_template_();
  *t = Text<fc::WorkflowTemplate>(ExpandIds(template_text));
  *t->mutable_id() = wf.id();
  auto created = admin_->CreateWorkflow(wf);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  fa::LaunchPlanCreateRequest lp;
  *lp.mutable_id() = Id(fc::LAUNCH_PLAN, name);
  *lp.mutable_spec()->mutable_workflow_id() = wf.id();
  auto made = admin_->CreateLaunchPlan(lp);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
}

void ExecutorFixture::Launch(const std::string& lp, const std::string& exec,
                             const std::string& inputs_text, const std::string& spec_text) {
  fa::ExecutionCreateRequest req;
  req.set_project(kProject);
  req.set_domain(kDomain);
  req.set_name(exec);
  *req.mutable_spec() = Text<fa::ExecutionSpec>(spec_text);
  *req.mutable_spec()->mutable_launch_plan() = Id(fc::LAUNCH_PLAN, lp);
  *req.mutable_inputs() = Text<fc::LiteralMap>(inputs_text);
  auto r = admin_->CreateExecution(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

// ---- reads ----

fc::WorkflowExecutionIdentifier ExecutorFixture::ExecId(const std::string& exec) const {
  fc::WorkflowExecutionIdentifier id;
  id.set_project(kProject);
  id.set_domain(kDomain);
  id.set_name(exec);
  return id;
}

fa::Execution ExecutorFixture::Execution(const std::string& exec) {
  fa::WorkflowExecutionGetRequest req;
  *req.mutable_id() = ExecId(exec);
  auto r = admin_->GetExecution(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : fa::Execution();
}

Result<fa::NodeExecution> ExecutorFixture::NodeExecution(const std::string& exec,
                                                         const std::string& node) {
  fa::NodeExecutionGetRequest req;
  *req.mutable_id()->mutable_execution_id() = ExecId(exec);
  req.mutable_id()->set_node_id(node);
  return admin_->GetNodeExecution(req);
}

std::vector<fa::NodeExecution> ExecutorFixture::NodeExecutions(const std::string& exec,
                                                               const std::string& parent) {
  fa::NodeExecutionListRequest req;
  *req.mutable_workflow_execution_id() = ExecId(exec);
  req.set_unique_parent_id(parent);
  req.set_limit(1000);
  auto r = admin_->ListNodeExecutions(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return {r->node_executions().begin(), r->node_executions().end()};
}

std::vector<fa::TaskExecution> ExecutorFixture::TaskExecutions(const std::string& exec,
                                                               const std::string& node) {
  fa::TaskExecutionListRequest req;
  *req.mutable_node_execution_id()->mutable_execution_id() = ExecId(exec);
  req.mutable_node_execution_id()->set_node_id(node);
  req.set_limit(1000);
  auto r = admin_->ListTaskExecutions(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  std::vector<fa::TaskExecution> out(r->task_executions().begin(), r->task_executions().end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.id().retry_attempt() < b.id().retry_attempt();
  });
  return out;
}

fc::LiteralMap ExecutorFixture::ReadMap(const std::string& uri) {
  fc::LiteralMap out;
  auto key = blobs_->KeyOf(uri);
  EXPECT_TRUE(key.ok()) << uri << ": " << key.status().ToString();
  if (!key.ok()) return out;
  auto data = blobs_->Get(*key);
  EXPECT_TRUE(data.ok()) << uri << ": " << data.status().ToString();
  if (data.ok()) {
    EXPECT_TRUE(out.ParseFromString(*data)) << uri;
  }
  return out;
}

int64_t ExecutorFixture::IntOf(const fc::LiteralMap& map, const std::string& var) {
  auto it = map.literals().find(var);
  if (it == map.literals().end()) {
    ADD_FAILURE() << "no '" << var << "' in " << map.ShortDebugString();
    return -1;
  }
  EXPECT_TRUE(it->second.scalar().primitive().has_integer()) << it->second.ShortDebugString();
  return it->second.scalar().primitive().integer();
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
std::string ExecutorFixture::OutputUri(const fa::Execution& e) { return e.closure().outputs().uri(); }
std::string ExecutorFixture::OutputUri(const fa::NodeExecution& n) { return n.closure().output_uri(); }
std::string ExecutorFixture::OutputUri(const fa::TaskExecution& t) { return t.closure().output_uri(); }
#pragma GCC diagnostic pop

bool ExecutorFixture::BlobExists(const std::string& uri) {
  auto key = blobs_->KeyOf(uri);
  if (!key.ok()) return false;
  auto exists = blobs_->Exists(*key);
  return exists.ok() && *exists;
}

std::string ExecutorFixture::WfDir(const std::string& exec) const {
  return blobs_->Uri(std::string("metadata/propeller/") + kProject + "-" + kDomain + "-" + exec);
}

bool ExecutorFixture::WaitUntil(const std::function<bool()>& pred,
                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

::testing::AssertionResult ExecutorFixture::WaitForPhase(const std::string& exec,
                                                         fc::WorkflowExecution::Phase phase) {
  fc::WorkflowExecution::Phase last = fc::WorkflowExecution::UNDEFINED;
  bool ok = WaitUntil([&] {
    fa::WorkflowExecutionGetRequest req;
    *req.mutable_id() = ExecId(exec);
    auto r = admin_->GetExecution(req);
    if (r.ok()) last = r->closure().phase();
    return last == phase;
  });
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "execution " << exec << " is "
                                       << fc::WorkflowExecution::Phase_Name(last) << ", not "
                                       << fc::WorkflowExecution::Phase_Name(phase);
}

::testing::AssertionResult ExecutorFixture::WaitForNodePhase(const std::string& exec,
                                                             const std::string& node,
                                                             fc::NodeExecution::Phase phase) {
  std::string last = "no record";
  bool ok = WaitUntil([&] {
    auto r = NodeExecution(exec, node);
    if (r.ok()) last = fc::NodeExecution::Phase_Name(r->closure().phase());
    return r.ok() && r->closure().phase() == phase;
  });
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "node " << node << " is " << last << ", not "
                                       << fc::NodeExecution::Phase_Name(phase);
}

::testing::AssertionResult ExecutorFixture::WaitForTaskPhase(const std::string& exec,
                                                             const std::string& node, int attempt,
                                                             fc::TaskExecution::Phase phase) {
  std::string last = "no record";
  bool ok = WaitUntil([&] {
    for (const auto& t : TaskExecutions(exec, node)) {
      if (static_cast<int>(t.id().retry_attempt()) != attempt) continue;
      last = fc::TaskExecution::Phase_Name(t.closure().phase());
      return t.closure().phase() == phase;
    }
    return false;
  });
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "task of " << node << " attempt " << attempt << " is "
                                       << last << ", not " << fc::TaskExecution::Phase_Name(phase);
}

::testing::AssertionResult ExecutorFixture::WaitForAttempts(size_t n) {
  if (runner_->WaitForCount(n, kWait)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << runner_->count() << " attempts started, expected " << n;
}

// ---- what tasks do ----

std::string ExecutorFixture::Arg(const TaskRun& run, const std::string& flag) {
  for (size_t i = 0; i + 1 < run.argv.size(); ++i) {
    if (run.argv[i] == flag) return run.argv[i + 1];
  }
  ADD_FAILURE() << "no " << flag << " in the task's arguments";
  return "";
}

void ExecutorFixture::WriteOutputs(const TaskRun& run, const std::string& literal_map_text) {
  auto key = blobs_->KeyOf(OutputPrefix(run) + "/outputs.pb");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ASSERT_TRUE(blobs_->Put(*key, Text<fc::LiteralMap>(literal_map_text).SerializeAsString()).ok());
}

void ExecutorFixture::WriteError(const TaskRun& run, const std::string& code,
                                 const std::string& message, fc::ContainerError::Kind kind,
                                 fc::ExecutionError::ErrorKind origin) {
  fc::ErrorDocument doc;
  doc.mutable_error()->set_code(code);
  doc.mutable_error()->set_message(message);
  doc.mutable_error()->set_kind(kind);
  doc.mutable_error()->set_origin(origin);
  auto key = blobs_->KeyOf(OutputPrefix(run) + "/error.pb");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ASSERT_TRUE(blobs_->Put(*key, doc.SerializeAsString()).ok());
}

void ExecutorFixture::AppendLog(const TaskRun& run, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(run.log_path).parent_path());
  std::ofstream(run.log_path, std::ios::app) << text;
}

void ExecutorFixture::Exit(size_t i, int code) {
  EXPECT_TRUE(runner_->End(i, RunResult{RunResult::Kind::kExited, code, ""}))
      << "attempt " << i << " had already ended";
}

void ExecutorFixture::Succeed(size_t i, const std::string& literal_map_text) {
  WriteOutputs(runner_->attempt(i).run, literal_map_text);
  Exit(i, 0);
}

void ExecutorFixture::RegisterMapper(const std::string& task_metadata,
                                     const std::string& array_extra) {
  RegisterTask("sq", R"(
    inputs { variables { key: "x" value { type { collection_type { simple: INTEGER } } } } }
    outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } })",
               task_metadata);
  RegisterWorkflow("mapper", R"(
    interface {
      inputs { variables { key: "xs" value { type { collection_type { simple: INTEGER } } } } }
      outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } }
    }
    nodes {
      id: "n0"
      inputs { var: "x" binding { promise { var: "xs" } } }
      array_node {
        node { id: "n0" inputs { var: "x" binding { promise { var: "xs" } } }
               task_node { reference_id { @task:sq } } }
        )" + array_extra + R"(
      }
    }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } })");
}

size_t ExecutorFixture::AttemptOf(const std::string& exec, const std::string& node) const {
  const std::string dir = WfDir(exec) + "/" + node + "/data/";
  for (size_t i = 0; i < runner_->count(); ++i) {
    if (OutputPrefix(Run(i)).rfind(dir, 0) == 0) return i;
  }
  ADD_FAILURE() << "no attempt of " << exec << "/" << node;
  return 0;
}

std::string OneNode(const std::string& task) {
  return R"(
    interface {
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
    }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:)" + task + R"( } } }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } })";
}

std::string Pair(const std::string& extra) {
  return R"(
    interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:inc } } }
    nodes { id: "n1" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:inc } } }
    )" + extra;
}

std::string Ints(const std::string& var, const std::vector<int64_t>& values) {
  std::string out = "literals { key: \"" + var + "\" value { collection {";
  for (int64_t v : values) {
    out += " literals { scalar { primitive { integer: " + std::to_string(v) + " } } }";
  }
  return out + " } } }";
}

std::vector<int64_t> IntsOf(const fc::LiteralMap& map, const std::string& var) {
  std::vector<int64_t> out;
  auto it = map.literals().find(var);
  if (it == map.literals().end()) {
    ADD_FAILURE() << "no '" << var << "' in " << map.ShortDebugString();
    return out;
  }
  for (const auto& l : it->second.collection().literals()) {
    out.push_back(l.scalar().primitive().integer());
  }
  return out;
}

std::string IntMap(const std::string& var, int64_t value) {
  return "literals { key: \"" + var + "\" value { scalar { primitive { integer: " +
         std::to_string(value) + " } } } }";
}

}  // namespace flytebox::executor::testing
