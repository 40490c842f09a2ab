#include <random>
#include <regex>

#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"
#include "embedded/compiler/types.h"

namespace flytebox::admin {
namespace {

constexpr size_t kMaxNameLength = 63;

std::string RandomName() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string name = "a";
  for (int i = 0; i < 19; ++i) name += kAlphabet[pick(rng)];
  return name;
}

Status ValidateName(const std::string& name) {
  static const std::regex kPattern("^[a-z][a-z\\-0-9]*$");
  if (name.size() > kMaxNameLength) {
    return Status::InvalidArgument("execution name '" + name + "' is longer than 63 characters");
  }
  if (!std::regex_match(name, kPattern)) {
    return Status::InvalidArgument("execution name '" + name +
                                   "' must start with a lowercase letter and contain only "
                                   "lowercase letters, digits and '-'");
  }
  return Status::Ok();
}

std::string InputsKey(const fc::WorkflowExecutionIdentifier& id) {
  return "metadata/" + id.project() + "/" + id.domain() + "/" + id.name() + "/inputs";
}

store::Columns ExecKey(const fc::WorkflowExecutionIdentifier& id) {
  return {{"project", id.project()}, {"domain", id.domain()}, {"name", id.name()}};
}

Status RequireExecId(const fc::WorkflowExecutionIdentifier& id) {
  if (id.project().empty() || id.domain().empty() || id.name().empty()) {
    return Status::InvalidArgument("execution id needs project, domain and name");
  }
  return Status::Ok();
}

// Flyte marks these fields deprecated, yet flytekit still sends and reads them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
const fc::LiteralMap& LegacyInputs(const fa::ExecutionSpec& spec) { return spec.inputs(); }
void ClearLegacyInputs(fa::ExecutionSpec* spec) { spec->clear_inputs(); }
void SetInputsBlob(fa::WorkflowExecutionGetDataResponse* out, const std::string& url, int64_t bytes) {
  out->mutable_inputs()->set_url(url);
  out->mutable_inputs()->set_bytes(bytes);
}
// The end node's outputs, inline when under 2 MB (as FlyteAdmin), else by URL only.
Status FillOutputs(blob::BlobStore& blobs, const fa::Execution& exec,
                   fa::WorkflowExecutionGetDataResponse* out) {
  const std::string& uri = exec.closure().outputs().uri();
  if (uri.empty()) return Status::Ok();
  auto key = blobs.KeyOf(uri);
  if (!key.ok()) return Status::Ok();
  auto size = blobs.Size(*key);
  if (!size.ok()) return Status::Ok();
  out->mutable_outputs()->set_url(uri);
  out->mutable_outputs()->set_bytes(*size);
  if (*size > (int64_t{2} << 20)) return Status::Ok();
  FB_ASSIGN_OR_RETURN(std::string data, blobs.Get(*key));
  if (!out->mutable_full_outputs()->ParseFromString(data)) {
    return Status::Internal("stored outputs of execution " + exec.id().name() + " are unreadable");
  }
  return Status::Ok();
}
#pragma GCC diagnostic pop

}  // namespace

Result<fc::LiteralMap> Admin::ResolveInputs(const fa::LaunchPlan& lp, const fc::LiteralMap& given) {
  const auto& expected = lp.closure().expected_inputs().parameters();
  const auto& fixed = lp.spec().fixed_inputs().literals();
  fc::LiteralMap out;
  for (const auto& [name, value] : given.literals()) {
    if (fixed.contains(name)) {
      return Status::InvalidArgument("input '" + name + "' is fixed by the launch plan and cannot be given");
    }
    auto it = expected.find(name);
    if (it == expected.end()) {
      return Status::InvalidArgument("unknown input '" + name + "': the launch plan has no such input");
    }
    FB_RETURN_IF_ERROR(compiler::CheckLiteral(value, it->second.var().type(), "input '" + name + "'"));
    (*out.mutable_literals())[name] = value;
  }
  for (const auto& [name, param] : expected) {
    if (out.literals().contains(name)) continue;
    if (param.has_default_()) {
      (*out.mutable_literals())[name] = param.default_();
    } else if (param.required()) {
      return Status::InvalidArgument("missing required input '" + name + "' (" +
                                     compiler::TypeName(param.var().type()) + ")");
    }
  }
  for (const auto& [name, value] : fixed) (*out.mutable_literals())[name] = value;
  return out;
}

Status Admin::SaveExecution(const fa::Execution& exec, bool create) {
  store::Record rec;
  rec.columns = ExecKey(exec.id());
  const auto& lp = exec.spec().launch_plan();
  const auto& wf = exec.closure().workflow_id();
  rec.columns["phase"] = fc::WorkflowExecution::Phase_Name(exec.closure().phase());
  rec.columns["launch_plan_project"] = lp.project();
  rec.columns["launch_plan_domain"] = lp.domain();
  rec.columns["launch_plan_name"] = lp.name();
  rec.columns["launch_plan_version"] = lp.version();
  rec.columns["workflow_project"] = wf.project();
  rec.columns["workflow_domain"] = wf.domain();
  rec.columns["workflow_name"] = wf.name();
  rec.columns["workflow_version"] = wf.version();
  const bool single_task = lp.resource_type() == fc::TASK;
  rec.columns["task_project"] = single_task ? lp.project() : "";
  rec.columns["task_domain"] = single_task ? lp.domain() : "";
  rec.columns["task_name"] = single_task ? lp.name() : "";
  rec.columns["task_version"] = single_task ? lp.version() : "";
  // As FlyteAdmin records them: lower-case resource type, error kind by name.
  rec.columns["launch_entity"] = std::string(single_task ? "task" : "launch_plan");
  const bool failed = exec.closure().has_error();
  rec.columns["error_kind"] =
      failed ? fc::ExecutionError::ErrorKind_Name(exec.closure().error().kind()) : "";
  rec.columns["error_code"] = failed ? exec.closure().error().code() : "";
  const auto& parent = exec.spec().metadata().parent_node_execution();
  rec.columns["parent_node_execution"] =
      parent.node_id().empty() ? "" : parent.execution_id().name() + "/" + parent.node_id();
  rec.columns["user"] = exec.spec().metadata().principal();
  std::vector<std::pair<std::string, std::string>> tags;
  for (const auto& [k, v] : exec.spec().labels().values()) tags.emplace_back(k, v);
  // FlyteAdmin records labels (key, value) and the deprecated tags (key, "") as tags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  for (const std::string& tag : exec.spec().tags()) tags.emplace_back(tag, "");
#pragma GCC diagnostic pop
  rec.columns["tags"] = EncodeExecutionTags(tags);
  rec.columns["mode"] = static_cast<int64_t>(exec.spec().metadata().mode());
  rec.columns["started_at"] = exec.closure().has_started_at()
                                  ? exec.closure().started_at().seconds() * 1'000'000
                                  : int64_t{0};
  rec.columns["duration_ms"] = exec.closure().duration().seconds() * 1000 +
                               exec.closure().duration().nanos() / 1'000'000;
  rec.columns["state"] = static_cast<int64_t>(exec.closure().state_change_details().state());
  rec.data = Deterministic(exec);
  int64_t created = exec.closure().created_at().seconds() * 1'000'000 +
                    exec.closure().created_at().nanos() / 1000;
  rec.created_at = created;
  rec.updated_at = exec.closure().updated_at().seconds() * 1'000'000 +
                   exec.closure().updated_at().nanos() / 1000;
  Status st = create ? options_.store->Create(store::Table::kExecution, rec)
                     : options_.store->Update(store::Table::kExecution, rec);
  if (create && st.code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("execution " + exec.id().name() + " already exists in " +
                                 exec.id().project() + "/" + exec.id().domain());
  }
  if (st.ok() && options_.on_execution_saved) options_.on_execution_saved(exec);
  return st;
}

Result<fa::ExecutionCreateResponse> Admin::CreateExecution(const fa::ExecutionCreateRequest& req) {
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), req.domain()));
  if (!req.has_spec() || !req.spec().has_launch_plan()) {
    return Status::InvalidArgument("spec.launch_plan is required");
  }
  std::string name = req.name().empty() ? RandomName() : req.name();
  FB_RETURN_IF_ERROR(ValidateName(name));
  const fc::Identifier& target = req.spec().launch_plan();
  fa::LaunchPlan lp;
  if (target.resource_type() == fc::TASK) {
    FB_ASSIGN_OR_RETURN(lp, SingleTaskLaunchPlan(target));
  } else {
    FB_ASSIGN_OR_RETURN(lp, LoadLaunchPlan(target));
  }
  const fc::LiteralMap& given = req.has_inputs() ? req.inputs() : LegacyInputs(req.spec());
  FB_ASSIGN_OR_RETURN(fc::LiteralMap inputs, ResolveInputs(lp, given));

  fa::Execution exec;
  auto* id = exec.mutable_id();
  id->set_project(req.project());
  id->set_domain(req.domain());
  id->set_name(name);
  *exec.mutable_spec() = req.spec();
  ClearLegacyInputs(exec.mutable_spec());
  FB_RETURN_IF_ERROR(ApplyExecutionConfig(lp, req.project(), req.domain(), exec.mutable_spec()));
  int64_t now = ToMicros(options_.clock->Now());
  auto* closure = exec.mutable_closure();
  closure->set_phase(fc::WorkflowExecution::UNDEFINED);
  *closure->mutable_created_at() = ToTimestamp(now);
  *closure->mutable_updated_at() = ToTimestamp(now);
  *closure->mutable_workflow_id() = lp.spec().workflow_id();

  auto existing = options_.store->Get(store::Table::kExecution, ExecKey(exec.id()));
  if (existing.ok()) {
    return Status::AlreadyExists("execution " + name + " already exists in " + req.project() +
                                 "/" + req.domain());
  }
  FB_RETURN_IF_ERROR(options_.blobs->Put(InputsKey(exec.id()), Deterministic(inputs)));
  FB_RETURN_IF_ERROR(SaveExecution(exec, /*create=*/true));
  if (options_.hooks) options_.hooks->OnCreated(exec.id());
  fa::ExecutionCreateResponse out;
  *out.mutable_id() = exec.id();
  return out;
}

Result<fa::Execution> Admin::GetExecution(const fa::WorkflowExecutionGetRequest& req) {
  FB_RETURN_IF_ERROR(RequireExecId(req.id()));
  auto rec = options_.store->Get(store::Table::kExecution, ExecKey(req.id()));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound("execution " + req.id().project() + "/" + req.id().domain() + "/" +
                            req.id().name() + " does not exist");
  }
  if (!rec.ok()) return rec.status();
  return ParseRecord<fa::Execution>(*rec);
}

Result<fa::ExecutionList> Admin::ListExecutions(const fa::ResourceListRequest& req) {
  if (req.id().project().empty() || req.id().domain().empty()) {
    return Status::InvalidArgument("id.project and id.domain are required");
  }
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    ListEntity::kExecution));
  q.where = {{"project", req.id().project()}, {"domain", req.id().domain()}};
  if (!req.id().name().empty()) q.where["name"] = req.id().name();
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kExecution, q));
  fa::ExecutionList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_executions(), ParseRecord<fa::Execution>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::WorkflowExecutionGetDataResponse> Admin::GetExecutionData(
    const fa::WorkflowExecutionGetDataRequest& req) {
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::Execution exec, GetExecution(get));
  fa::WorkflowExecutionGetDataResponse out;
  auto data = options_.blobs->Get(InputsKey(exec.id()));
  if (data.ok()) {
    if (!out.mutable_full_inputs()->ParseFromString(*data)) {
      return Status::Internal("stored inputs of execution " + exec.id().name() + " are unreadable");
    }
    SetInputsBlob(&out, options_.blobs->Uri(InputsKey(exec.id())), static_cast<int64_t>(data->size()));
  } else if (data.status().code() != Code::kNotFound) {
    return data.status();
  }
  FB_RETURN_IF_ERROR(FillOutputs(*options_.blobs, exec, &out));
  return out;
}

Result<fa::ExecutionUpdateResponse> Admin::UpdateExecution(const fa::ExecutionUpdateRequest& req) {
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::Execution exec, GetExecution(get));
  auto* details = exec.mutable_closure()->mutable_state_change_details();
  details->set_state(req.state());
  *details->mutable_occurred_at() = ToTimestamp(ToMicros(options_.clock->Now()));
  FB_RETURN_IF_ERROR(SaveExecution(exec, /*create=*/false));
  return fa::ExecutionUpdateResponse();
}

}  // namespace flytebox::admin

namespace flytebox::admin {

// Without a running executor this records the abort; the executor stops what runs.
Result<fa::ExecutionTerminateResponse> Admin::TerminateExecution(
    const fa::ExecutionTerminateRequest& req) {
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::Execution exec, GetExecution(get));
  auto phase = exec.closure().phase();
  if (phase == fc::WorkflowExecution::SUCCEEDED || phase == fc::WorkflowExecution::FAILED ||
      phase == fc::WorkflowExecution::ABORTED || phase == fc::WorkflowExecution::TIMED_OUT) {
    return Status::FailedPrecondition("execution " + exec.id().name() + " has already ended (" +
                                      fc::WorkflowExecution::Phase_Name(phase) + ")");
  }
  int64_t now = ToMicros(options_.clock->Now());
  auto* closure = exec.mutable_closure();
  // With an executor, it stops what runs and then records ABORTED itself.
  closure->set_phase(options_.hooks ? fc::WorkflowExecution::ABORTING
                                    : fc::WorkflowExecution::ABORTED);
  closure->mutable_abort_metadata()->set_cause(req.cause());
  closure->mutable_abort_metadata()->set_principal("flytebox");
  *closure->mutable_updated_at() = ToTimestamp(now);
  FB_RETURN_IF_ERROR(SaveExecution(exec, /*create=*/false));
  if (options_.hooks) options_.hooks->OnTerminate(exec.id());
  return fa::ExecutionTerminateResponse();
}

Result<fa::ExecutionCreateRequest> Admin::RerunRequest(const fc::WorkflowExecutionIdentifier& id,
                                                       const std::string& name) {
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = id;
  FB_ASSIGN_OR_RETURN(fa::Execution old, GetExecution(get));
  fa::WorkflowExecutionGetDataRequest data_req;
  *data_req.mutable_id() = id;
  FB_ASSIGN_OR_RETURN(auto data, GetExecutionData(data_req));
  fa::ExecutionCreateRequest create;
  create.set_project(old.id().project());
  create.set_domain(old.id().domain());
  create.set_name(name);
  *create.mutable_spec() = old.spec();
  *create.mutable_spec()->mutable_metadata()->mutable_reference_execution() = old.id();
  *create.mutable_inputs() = data.full_inputs();
  if (old.spec().launch_plan().resource_type() != fc::TASK) {
    FB_ASSIGN_OR_RETURN(fa::LaunchPlan lp, LoadLaunchPlan(old.spec().launch_plan()));
    for (const auto& [input, value] : lp.spec().fixed_inputs().literals()) {
      create.mutable_inputs()->mutable_literals()->erase(input);
    }
  }
  return create;
}

Result<fa::ExecutionCreateResponse> Admin::RelaunchExecution(
    const fa::ExecutionRelaunchRequest& req) {
  FB_ASSIGN_OR_RETURN(fa::ExecutionCreateRequest create, RerunRequest(req.id(), req.name()));
  create.mutable_spec()->set_overwrite_cache(req.overwrite_cache());
  create.mutable_spec()->mutable_metadata()->set_mode(fa::ExecutionMetadata::RELAUNCH);
  return CreateExecution(create);
}

// The executor sees mode RECOVERED and takes the outputs of every node that succeeded in the
// reference execution instead of running it again.
Result<fa::ExecutionCreateResponse> Admin::RecoverExecution(
    const fa::ExecutionRecoverRequest& req) {
  if (req.id().project().empty() || req.id().domain().empty() || req.id().name().empty()) {
    return Status::InvalidArgument("id: the execution to recover needs a project, domain and name");
  }
  FB_ASSIGN_OR_RETURN(fa::ExecutionCreateRequest create, RerunRequest(req.id(), req.name()));
  auto* meta = create.mutable_spec()->mutable_metadata();
  // The caller's metadata overwrites the reference execution's, as FlyteAdmin does.
  if (!req.metadata().principal().empty()) meta->set_principal(req.metadata().principal());
  if (req.metadata().has_system_metadata()) {
    *meta->mutable_system_metadata() = req.metadata().system_metadata();
  }
  meta->set_mode(fa::ExecutionMetadata::RECOVERED);
  return CreateExecution(create);
}

}  // namespace flytebox::admin
