// Task nodes: attempts through the runner, results as the container contract reads them,
// retries, timeouts and the cache.
#include <filesystem>
#include <fstream>

#include "common/digest.h"
#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/compiler/compiler.h"
#include "embedded/executor/driver.h"
#include "embedded/executor/raw_container.h"
#include "embedded/executor/task_pod_spec.h"
#include "embedded/executor/task_resources.h"
#include "embedded/executor/templating.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

std::string LogTail(const std::string& path, size_t max = 2000) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  size_t from = size > max ? size - max : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string out(size - from, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

// A container's resources by Kubernetes name; names Kubernetes has no word for are left out.
void ResourcesOf(const fc::Resources& r, std::map<std::string, std::string>* requests,
                 std::map<std::string, std::string>* limits) {
  auto name = [](fc::Resources::ResourceName n) -> const char* {
    switch (n) {
      case fc::Resources::CPU: return "cpu";
      case fc::Resources::MEMORY: return "memory";
      case fc::Resources::GPU: return "nvidia.com/gpu";
      case fc::Resources::EPHEMERAL_STORAGE: return "ephemeral-storage";
      default: return nullptr;
    }
  };
  for (const auto& e : r.requests()) {
    if (const char* k = name(e.name()); k && !e.value().empty()) (*requests)[k] = e.value();
  }
  for (const auto& e : r.limits()) {
    if (const char* k = name(e.name()); k && !e.value().empty()) (*limits)[k] = e.value();
  }
}

std::chrono::milliseconds TimeoutOf(const fc::Node& node, const fc::TaskTemplate& task) {
  const auto& d = node.metadata().has_timeout() ? node.metadata().timeout() : task.metadata().timeout();
  return std::chrono::milliseconds(d.seconds() * 1000 + d.nanos() / 1'000'000);
}

}  // namespace

const fc::TaskTemplate* Driver::TaskOf(Run& run, const fc::Identifier& id) {
  auto it = run.tasks.find(IdKey(id));
  return it == run.tasks.end() ? nullptr : &it->second;
}

void Driver::StartTask(Node& n) {
  Run& run = *n.graph->run;
  const fc::TaskTemplate* task = TaskOf(run, n.spec->task_node().reference_id());
  if (!task) {
    FailNode(n, {"TaskNotFound", "task " + IdKey(n.spec->task_node().reference_id()) +
                                     " is not in the workflow's closure",
                 fc::ExecutionError::SYSTEM, false});
    return;
  }
  if (auto refusal = PluginRefusal(run, *task)) {
    FailNode(n, {"UnsupportedTaskType", *refusal, fc::ExecutionError::SYSTEM, false});
    return;
  }
  if (task->metadata().discoverable()) {
    n.catalog_key = CatalogKeyOf(*task, n.inputs);
    const std::string& key = n.catalog_key->blob_key;
    if (!run.exec.spec().overwrite_cache()) {
      auto cached = options_.blobs->Get(key);
      if (cached.ok()) {
        fc::LiteralMap outputs;
        if (outputs.ParseFromString(*cached)) {
          n.cache_status = fc::CACHE_HIT;
          FB_LOG(kDebug, kLog) << "node " << n.id << ": cache hit";
          SucceedNode(n, std::move(outputs));
          return;
        }
      }
    }
    n.cache_status = fc::CACHE_MISS;
    if (task->metadata().cache_serializable()) {
      auto [it, first] = serial_waiters_.try_emplace(key);
      if (!first) {  // another node computes this key: wait for it, then look again
        it->second.push_back(RefOf(n));
        return;
      }
      n.serial_key = key;
    }
  } else {
    n.cache_status = fc::CACHE_DISABLED;
  }
  StartAttempt(n);
}

namespace {

// What only a pod runner uses: secret requests and the named pod template.
void PodFactsOf(const fc::TaskTemplate& task, TaskRun* tr) {
  for (const auto& s : task.security_context().secrets()) {
    SecretRequest r;
    r.group = s.group();
    r.group_version = s.group_version();
    r.key = s.key();
    r.env_var = s.env_var();
    r.mount = s.mount_requirement() == fc::Secret::ENV_VAR ? SecretRequest::Mount::kEnv
              : s.mount_requirement() == fc::Secret::FILE  ? SecretRequest::Mount::kFile
                                                           : SecretRequest::Mount::kAny;
    tr->secrets.push_back(std::move(r));
  }
  tr->pod_template_name = task.metadata().pod_template_name();
}

// An attempt's hash (its per-retry key) and raw-data folder.
struct AttemptNames {
  std::string hash, raw;
};

AttemptNames NamesOf(const std::string& raw_prefix, const std::string& exec,
                     const std::string& node, int attempt) {
  std::string h = digest::Sha256Hex(exec + "/" + node + "/" + std::to_string(attempt));
  return {h, raw_prefix + "/" + h.substr(0, 2) + "/" + exec + "-" + node + "-" +
                 std::to_string(attempt)};
}

const fc::Container* ContainerOf(const fc::TaskTemplate& task) {
  return task.has_container() ? &task.container() : nullptr;
}

}  // namespace

std::optional<RawIoRun> Driver::RawIoOf(Node& n, const fc::TaskTemplate& task, int attempt) {
  const fc::Container* c = ContainerOf(task);
  if (!c || !c->has_data_config() || !c->data_config().enabled()) return std::nullopt;
  Run& run = *n.graph->run;
  AttemptNames names = NamesOf(run.raw_prefix, run.exec.id().name(), n.id, attempt);
  return RawIoRunOf(c->data_config(), options_.work_dir + "/raw-io/k" + names.hash.substr(0, 20),
                    names.raw + "/_copilot");
}

Result<TaskRun> Driver::BuildTaskRun(Node& n, const fc::TaskTemplate& task,
                                   const std::string& out_dir, int attempt,
                                   const std::string& key_suffix,
                                   std::map<std::string, std::string> extra_env) {
  Run& run = *n.graph->run;
  const auto& eid = run.exec.id();
  std::optional<PodSpecTask> pod;  // a task with a pod spec runs in its primary container
  if (!task.has_container()) {
    if (!task.has_k8s_pod()) {
      return Status::FailedPrecondition("task " + task.id().name() + " of type '" + task.type() +
                                        "' has no container; this engine runs container tasks");
    }
    FB_ASSIGN_OR_RETURN(pod, ReadPodSpecTask(task));
  }
  const fc::Container& c = pod ? pod->container : task.container();
  AttemptNames names = NamesOf(run.raw_prefix, eid.name(), n.id + key_suffix, attempt);
  const std::string& h = names.hash;
  const std::string& raw = names.raw;
  std::string prev_raw;
  if (attempt > 0) {
    prev_raw = NamesOf(run.raw_prefix, eid.name(), n.id + key_suffix, attempt - 1).raw +
               "/_flytecheckpoints";
  }
  TemplateVars vars;
  vars.input = n.data_dir + "/inputs.pb";
  vars.input_prefix = n.data_dir;
  vars.output_prefix = out_dir;
  vars.raw_output_prefix = raw;
  vars.checkpoint_prefix = raw + "/_flytecheckpoints";
  vars.prev_checkpoint = prev_raw;
  vars.task_template_path = n.data_dir + "/task.pb";
  vars.per_retry_key = "k" + h.substr(0, 20);
  vars.inputs = &n.inputs;
  std::vector<std::string> argv(c.command().begin(), c.command().end());
  argv.insert(argv.end(), c.args().begin(), c.args().end());
  FB_ASSIGN_OR_RETURN(argv, RenderAll(argv, vars));
  for (const auto& a : argv) {
    if (a.find(vars.task_template_path) != std::string::npos) {
      auto key = options_.blobs->KeyOf(vars.task_template_path);
      if (key.ok()) FB_RETURN_IF_ERROR(options_.blobs->Put(*key, admin::Deterministic(task)));
      break;
    }
  }
  std::optional<RawIoRun> raw_io;
  if (!pod && key_suffix.empty()) raw_io = RawIoOf(n, task, attempt);
  if (raw_io) {
    FB_RETURN_IF_ERROR(PrepareRawIo(n.inputs, *options_.blobs, RawIo{raw_io->dir}));
    n.raw_io_dir = raw_io->dir;
  }
  TaskRun tr;
  tr.raw_io = std::move(raw_io);
  tr.key = vars.per_retry_key;
  tr.argv = std::move(argv);
  tr.image = c.image();
  tr.env = options_.task_env;
  tr.env["FLYTE_INTERNAL_EXECUTION_ID"] = eid.name();
  tr.env["FLYTE_INTERNAL_EXECUTION_PROJECT"] = eid.project();
  tr.env["FLYTE_INTERNAL_EXECUTION_DOMAIN"] = eid.domain();
  tr.env["FLYTE_INTERNAL_EXECUTION_WORKFLOW"] = run.closure.primary().template_().id().project() +
                                               ":" + run.closure.primary().template_().id().domain() +
                                               ":" + run.closure.primary().template_().id().name();
  tr.env["FLYTE_ATTEMPT_NUMBER"] = std::to_string(attempt);
  tr.env["FLYTE_INTERNAL_TASK_PROJECT"] = task.id().project();
  tr.env["FLYTE_INTERNAL_TASK_DOMAIN"] = task.id().domain();
  tr.env["FLYTE_INTERNAL_TASK_NAME"] = task.id().name();
  tr.env["FLYTE_INTERNAL_TASK_VERSION"] = task.id().version();
  tr.env["FLYTE_INTERNAL_NAME"] = task.id().name();
  tr.env["FLYTE_INTERNAL_VERSION"] = task.id().version();
  tr.env["FLYTE_INTERNAL_PROJECT"] = task.id().project();
  tr.env["FLYTE_INTERNAL_DOMAIN"] = task.id().domain();
  for (const auto& kv : run.exec.spec().envs().values()) tr.env[kv.key()] = kv.value();
  for (const auto& kv : c.env()) tr.env[kv.key()] = kv.value();
  for (auto& [k, v] : extra_env) tr.env[k] = std::move(v);
  tr.project = eid.project();
  tr.domain = eid.domain();
  tr.execution = eid.name();
  tr.node = n.id + key_suffix;
  tr.attempt = attempt;
  ResourcesOf(c.resources(), &tr.requests, &tr.limits);
  PodFactsOf(task, &tr);
  tr.interruptible = Interruptible(n, &task);
  if (pod) {
    tr.pod_spec_json = std::move(pod->spec_json);
    tr.primary_container = std::move(pod->primary);
    tr.pod_labels = std::move(pod->labels);
    tr.pod_annotations = std::move(pod->annotations);
  }
  if (const fa::TaskResourceAttributes* attrs = TaskResourcesOf(run)) {
    ApplyTaskResourceAttributes(*attrs, &tr.requests, &tr.limits);
  }
  const auto& e = eid;
  tr.log_path = options_.log_dir + "/" + e.project() + "/" + e.domain() + "/" + e.name() + "/" +
                n.id + "/" + key_suffix.substr(key_suffix.empty() ? 0 : 1) +
                (key_suffix.empty() ? "" : "-") + std::to_string(attempt) + ".log";
  return tr;
}

const fa::TaskResourceAttributes* Driver::TaskResourcesOf(Run& run) {
  if (!run.task_resources) {
    const auto& id = run.exec.id();
    auto attrs = options_.admin->TaskResourceAttributesFor(
        id.project(), id.domain(), run.closure.primary().template_().id().name());
    if (!attrs.ok()) {
      FB_LOG(kWarn, kLog) << "task resource attributes for " << id.name() << ": "
                          << attrs.status().ToString();
      return nullptr;  // read again for the next attempt
    }
    run.task_resources = std::move(attrs).value();
  }
  return *run.task_resources ? &**run.task_resources : nullptr;
}

std::optional<std::string> Driver::PluginRefusal(Run& run, const fc::TaskTemplate& task) {
  if (!run.plugin_overrides) {
    const auto& id = run.exec.id();
    auto got = options_.admin->PluginOverridesFor(id.project(), id.domain(),
                                                  run.closure.primary().template_().id().name());
    if (!got.ok()) {
      FB_LOG(kWarn, kLog) << "plugin overrides for " << id.name() << ": "
                          << got.status().ToString();
      return std::nullopt;  // read again for the next task
    }
    run.plugin_overrides = std::move(got).value();
  }
  return PluginOverrideRefusal(*run.plugin_overrides, task.type(), options_.runner->name());
}

bool Driver::Interruptible(const Node& n, const fc::TaskTemplate* task) {
  if (n.spec && n.spec->metadata().interruptible_value_case() == fc::NodeMetadata::kInterruptible) {
    return n.spec->metadata().interruptible();
  }
  if (task && task->metadata().interruptible_value_case() == fc::TaskMetadata::kInterruptible) {
    return task->metadata().interruptible();
  }
  const auto& spec = n.graph->run->exec.spec();
  return spec.has_interruptible() && spec.interruptible().value();
}

void Driver::StartAttempt(Node& n) {
  Run& run = *n.graph->run;
  const fc::TaskTemplate& task = *TaskOf(run, n.spec->task_node().reference_id());
  auto tr = BuildTaskRun(n, task, n.output_dir(), n.attempt, "", {});
  if (!tr.ok()) {
    FailNode(n, {"TaskSetupFailure", tr.status().message(), fc::ExecutionError::SYSTEM, false});
    return;
  }
  const auto& e = run.exec.id();
  n.log_uri = options_.public_url + "/logs/" + e.project() + "/" + e.domain() + "/" + e.name() +
              "/" + n.id + "/" + std::to_string(n.attempt);
  n.attempt_created_us = NowMicros(options_.clock);
  n.attempt_started_us = 0;
  n.handle.clear();  // the previous attempt's, until the runner takes this one
  n.deck_uri.clear();
  n.timed_out = false;
  n.log_path = tr->log_path;
  NodeRef ref = RefOf(n);
  int attempt = n.attempt;
  tr->on_progress = [this, ref, attempt](RunPhase phase, const std::string&) {
    Post([this, ref, attempt, phase] { OnAttemptProgress(ref, attempt, phase); });
  };
  RecordTask(n, fc::TaskExecution::QUEUED, nullptr);
  auto running = options_.runner->Start(*tr, [this, ref, attempt](RunResult r) {
    Post([this, ref, attempt, r] { OnAttemptDone(ref, attempt, r); });
  });
  if (!running.ok()) {
    FailNode(n, {"TaskStartFailure", running.status().message(), fc::ExecutionError::SYSTEM, false});
    return;
  }
  n.running = std::move(running).value();
  n.handle = n.running->handle();
  auto timeout = TimeoutOf(*n.spec, task);
  if (timeout.count() > 0) {
    n.timer = After(timeout, [this, ref, attempt] {
      Node* np = Resolve(ref);
      if (!np || np->attempt != attempt || np->done()) return;
      np->timer = 0;
      np->timed_out = true;
      if (np->running) np->running->Kill("the task timed out");
    });
  }
  n.phase = fc::NodeExecution::RUNNING;
  // A runner without its own progress has the attempt once Start() returns.
  if (!options_.runner->reports_progress()) RecordTask(n, fc::TaskExecution::INITIALIZING, nullptr);
  RecordNode(n);
}

void Driver::OnAttemptProgress(const NodeRef& ref, int attempt, RunPhase phase) {
  Node* n = Resolve(ref);
  if (!n || n->attempt != attempt || n->done() || !n->running || n->attempt_started_us) return;
  if (phase != RunPhase::kRunning) {
    RecordTask(*n,
               phase == RunPhase::kInitializing ? fc::TaskExecution::INITIALIZING
                                                : fc::TaskExecution::QUEUED,
               nullptr);
    return;
  }
  n->attempt_started_us = NowMicros(options_.clock);
  RecordTask(*n, fc::TaskExecution::RUNNING, nullptr);
}

Result<std::optional<NodeError>> Driver::ReadError(const std::string& out_dir) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(out_dir + "/error.pb"));
  auto data = options_.blobs->Get(key);
  if (!data.ok()) {
    if (data.status().code() == Code::kNotFound) return std::optional<NodeError>();
    return data.status();
  }
  fc::ErrorDocument doc;
  if (!doc.ParseFromString(*data)) return Status::Internal("unreadable error.pb in " + out_dir);
  NodeError e;
  e.code = doc.error().code();
  e.message = doc.error().message();
  e.recoverable = doc.error().kind() == fc::ContainerError::RECOVERABLE;
  e.kind = doc.error().origin() == fc::ExecutionError::SYSTEM ? fc::ExecutionError::SYSTEM
                                                               : fc::ExecutionError::USER;
  return std::optional<NodeError>(e);
}

AttemptFacts Driver::GatherFacts(Node& n, const RunResult& result) {
  AttemptFacts f;
  f.result = result;
  f.timed_out = n.timed_out;
  if (f.timed_out) return f;
  std::string out_dir = n.output_dir();
  auto futures = Exists(out_dir + "/futures.pb");
  f.wrote_futures = futures.ok() && *futures;
  if (f.wrote_futures) return f;
  auto err = ReadError(out_dir);
  if (!err.ok()) {
    f.error_read = err.status();
    return f;
  }
  f.error_doc = std::move(err).value();
  if (f.error_doc) return f;
  if (!n.raw_io_dir.empty() && result.kind == RunResult::Kind::kExited) {
    f.raw_error = CollectRaw(n, out_dir, result.exit_code == 0);
  }
  if (result.kind == RunResult::Kind::kExited && result.exit_code != 0) {
    f.log_tail = LogTail(n.log_path, 1500);
  }
  f.outputs_uri = out_dir + "/outputs.pb";
  auto outputs = ReadLiteralMap(f.outputs_uri);
  f.outputs_read = outputs.status();
  if (outputs.ok()) f.outputs = std::move(outputs).value();
  const fc::TaskTemplate* task = TaskOf(*n.graph->run, n.spec->task_node().reference_id());
  f.declares_outputs = task && task->interface().outputs().variables_size() > 0;
  return f;
}

void Driver::OnAttemptDone(const NodeRef& ref, int attempt, const RunResult& result) {
  EndAttempt(ref, attempt, result);
  StartWaitingTasks(ref);  // a slot under max_parallelism may be free now
}

void Driver::EndAttempt(const NodeRef& ref, int attempt, const RunResult& result) {
  Node* np = Resolve(ref);
  if (!np) return;
  Node& n = *np;
  if (n.attempt != attempt || n.done() || n.abort_requested) return;
  Cancel(n.timer);
  n.timer = 0;
  n.running.reset();
  auto deck = Exists(n.output_dir() + "/deck.html");
  if (deck.ok() && *deck) n.deck_uri = n.output_dir() + "/deck.html";
  AttemptFacts facts = GatherFacts(n, result);
  AttemptOutcome outcome = ClassifyAttempt(facts);
  switch (outcome.kind) {
    case AttemptOutcome::Kind::kFailed:
      RecordTask(n, fc::TaskExecution::FAILED, &outcome.error);
      return RetryOrFail(n, outcome.error);
    case AttemptOutcome::Kind::kDynamic:
      n.is_dynamic = true;  // the attempt's record names it the parent of the nodes it made
      RecordTask(n, fc::TaskExecution::SUCCEEDED, nullptr);
      return StartDynamic(n, n.output_dir() + "/futures.pb");
    case AttemptOutcome::Kind::kSucceeded:
      break;
  }
  fc::LiteralMap outputs = outcome.has_outputs ? std::move(facts.outputs) : fc::LiteralMap();
  if (outcome.has_outputs) n.output_uri = n.output_dir() + "/outputs.pb";
  if (n.catalog_key && outputs.literals_size() > 0) {
    Status st = options_.blobs->Put(n.catalog_key->blob_key, admin::Deterministic(outputs));
    if (st.ok()) {
      n.cache_status = fc::CACHE_POPULATED;
    } else {
      FB_LOG(kWarn, kLog) << "cache write for " << n.id << ": " << st.ToString();
    }
  }
  RecordTask(n, fc::TaskExecution::SUCCEEDED, nullptr);
  SucceedNode(n, std::move(outputs));
}

std::optional<NodeError> Driver::CollectRaw(Node& n, const std::string& out_dir, bool exited_ok) {
  RawIo io{n.raw_io_dir};
  n.raw_io_dir.clear();
  const fc::TaskTemplate* task = TaskOf(*n.graph->run, n.spec->task_node().reference_id());
  auto outputs = task ? CollectRawOutputs(task->interface(), *options_.blobs, io, out_dir)
                      : Result<fc::LiteralMap>(Status::NotFound("task"));
  std::error_code ec;
  std::filesystem::remove_all(io.dir, ec);
  if (!outputs.ok()) {
    if (outputs.status().code() == Code::kFailedPrecondition) {
      return NodeError{"UserError", outputs.status().message(), fc::ExecutionError::USER, false};
    }
    if (!exited_ok) return std::nullopt;  // the exit code speaks
    return NodeError{"OutputsNotFound", outputs.status().message(), fc::ExecutionError::USER, true};
  }
  if (!exited_ok) return std::nullopt;
  Status st = WriteLiteralMap(out_dir + "/outputs.pb", *outputs);
  if (!st.ok()) return NodeError{"OutputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, true};
  return std::nullopt;
}

void Driver::ReleaseSerial(Node& n) {
  if (n.serial_key.empty()) return;
  auto it = serial_waiters_.find(n.serial_key);
  n.serial_key.clear();
  if (it == serial_waiters_.end()) return;
  std::vector<NodeRef> waiters = std::move(it->second);
  serial_waiters_.erase(it);
  for (const NodeRef& ref : waiters) {
    Post([this, ref] {
      Node* w = Resolve(ref);
      if (w && w->phase == fc::NodeExecution::QUEUED) StartTask(*w);
    });
  }
}

void Driver::RetryOrFail(Node& n, const NodeError& error) {
  Run& run = *n.graph->run;
  const fc::TaskTemplate* task = n.spec->has_task_node()
                                     ? TaskOf(run, n.spec->task_node().reference_id())
                                     : nullptr;
  RetryBudget budget{n.attempt, n.system_failures, task ? MaxAttempts(*n.spec, *task) : 1};
  RetryDecision d = DecideRetry(error, budget, run.aborting);
  n.system_failures = d.system_failures;
  if (!d.retry) return FailNode(n, d.error);
  n.attempt++;
  n.output_uri.clear();
  FB_LOG(kInfo, kLog) << "node " << n.id << ": retrying (attempt " << n.attempt << ") after "
                      << error.code;
  StartAttempt(n);
}


void Driver::StartDynamic(Node& n, const std::string& futures_uri) {
  Run& run = *n.graph->run;
  auto key = options_.blobs->KeyOf(futures_uri);
  auto data = key.ok() ? options_.blobs->Get(*key) : Result<std::string>(key.status());
  fc::DynamicJobSpec spec;
  if (!data.ok() || !spec.ParseFromString(*data)) {
    FailNode(n, {"DynamicSpecUnreadable", "cannot read " + futures_uri, fc::ExecutionError::SYSTEM,
                 false});
    return;
  }
  for (const auto& t : spec.tasks()) run.tasks[IdKey(t.id())] = t;
  for (const auto& s : spec.subworkflows()) {
    run.extra_templates.push_back(s);
    run.subworkflows[IdKey(s.id())] = &run.extra_templates.back();
  }
  auto tmpl = std::make_unique<fc::WorkflowTemplate>();
  const fc::Identifier& task_id = n.spec->task_node().reference_id();
  *tmpl->mutable_id() = task_id;
  tmpl->mutable_id()->set_resource_type(fc::WORKFLOW);
  tmpl->mutable_id()->set_name("dynamic_" + n.id);
  if (const fc::TaskTemplate* task = TaskOf(run, task_id)) *tmpl->mutable_interface() = task->interface();
  *tmpl->mutable_nodes() = spec.nodes();
  *tmpl->mutable_outputs() = spec.outputs();
  // The closure the read path shows as the node's dynamic workflow.
  flyteidl::admin::WorkflowSpec wspec;
  *wspec.mutable_template_() = *tmpl;
  *wspec.mutable_sub_workflows() = spec.subworkflows();
  compiler::Resolver resolver;
  resolver.task = [&spec](const fc::Identifier& id) -> Result<fc::TaskTemplate> {
    for (const auto& t : spec.tasks()) {
      if (IdKey(t.id()) == IdKey(id)) return t;
    }
    return Status::NotFound("task " + id.name());
  };
  resolver.launch_plan = [this](const fc::Identifier& id) { return options_.admin->FetchLaunchPlan(id); };
  auto compiled = compiler::Compile(wspec, resolver);
  if (compiled.ok()) {
    // For the read path (GetDynamicNodeWorkflow): the run goes on without it.
    auto ckey = options_.blobs->KeyOf(n.output_dir() + "/dynamic_compiled.pb");
    CheckWrite(ckey.ok() ? options_.blobs->Put(*ckey, admin::Deterministic(*compiled)) : ckey.status(),
               "writing the dynamic workflow of " + n.id);
  } else {
    FB_LOG(kWarn, kLog) << "dynamic workflow of " << n.id << ": " << compiled.status().ToString();
  }
  n.dynamic_template = std::move(tmpl);
  n.is_dynamic = true;
  n.is_parent = true;
  n.phase = fc::NodeExecution::DYNAMIC_RUNNING;
  n.child = NewGraph(&run, n.dynamic_template.get(), &n, nullptr);
  n.child->inputs = n.inputs;
  RecordNode(n);
  RestoreChildren(*n.child);
  Drive(*n.child);
}

}  // namespace flytebox::executor
