#pragma once

#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "embedded/store/metadata_store.h"
#include "flyteidl/admin/description_entity.pb.h"
#include "flyteidl/admin/event.pb.h"
#include "flyteidl/admin/execution.pb.h"
#include "flyteidl/admin/launch_plan.pb.h"
#include "flyteidl/admin/matchable_resource.pb.h"
#include "flyteidl/admin/node_execution.pb.h"
#include "flyteidl/admin/project.pb.h"
#include "flyteidl/admin/project_attributes.pb.h"
#include "flyteidl/admin/project_domain_attributes.pb.h"
#include "flyteidl/admin/signal.pb.h"
#include "flyteidl/admin/task.pb.h"
#include "flyteidl/admin/task_execution.pb.h"
#include "flyteidl/admin/version.pb.h"
#include "flyteidl/admin/workflow.pb.h"
#include "flyteidl/admin/workflow_attributes.pb.h"
#include "flyteidl/core/metrics.pb.h"
#include "flyteidl/service/dataproxy.pb.h"

namespace flytebox::admin {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;

// The executor's side of execution lifecycle (embedded/executor). Called after the change
// is stored; implementations must return quickly (queue the work).
class ExecutionHooks {
 public:
  virtual ~ExecutionHooks() = default;
  virtual void OnCreated(const fc::WorkflowExecutionIdentifier& id) = 0;
  // The execution is ABORTING (TerminateExecution); the executor stops it and records ABORTED.
  virtual void OnTerminate(const fc::WorkflowExecutionIdentifier& id) = 0;
};

struct AdminOptions {
  store::MetadataStore* store = nullptr;  // not owned; required
  blob::BlobStore* blobs = nullptr;       // not owned; required (execution inputs)
  Clock* clock = Clock::Real();
  // Seeded on start when missing, as the Flyte sandbox does.
  std::string default_project = "flytesnacks";
  // Not owned; may be null (then nothing runs executions and Terminate ends them at once).
  ExecutionHooks* hooks = nullptr;
  // Called after a launch plan is created or its state changes (the scheduler starts or
  // stops its schedule). Must return quickly. May be empty.
  std::function<void(const fa::LaunchPlan&)> on_launch_plan_saved = nullptr;
  // Called after an execution is stored (created or updated), possibly inside a store
  // transaction: must return quickly and must not use the store (queue the work). May be
  // empty.
  std::function<void(const fa::Execution&)> on_execution_saved = nullptr;
};

// A parsed flyte:// URL (flyte_url.cc): a node execution, or one attempt of its task, and
// its inputs ('i'), outputs ('o') or deck ('d'), possibly one variable of them.
struct FlyteUrl {
  fc::NodeExecutionIdentifier node;
  std::optional<int> attempt;
  char kind = 'o';
  std::string variable;
};
Result<FlyteUrl> ParseFlyteUrl(const std::string& url);

// FlyteAdmin's control-plane behaviour over the metadata store: entity registration with
// FlyteAdmin's codes (identical re-create ALREADY_EXISTS, conflicting INVALID_ARGUMENT),
// compilation, launch-plan activation, execution creation and reads. Thread-safe.
// Transport-free: the gRPC services and the REST gateway both call it.
class Admin {
 public:
  explicit Admin(AdminOptions options);

  // Creates the default project with its domains if absent.
  Status Seed();
  // Set once, before serving, when the executor exists.
  void SetHooks(ExecutionHooks* hooks) { options_.hooks = hooks; }

  // The executor's write path (contract section 1.3 read path shows it live).
  // Reads, changes and stores an execution in one transaction; `fn` may refuse (its Status
  // is returned and nothing is stored).
  Status MutateExecution(const fc::WorkflowExecutionIdentifier& id,
                         const std::function<Status(fa::Execution*)>& fn);
  // Inserts or replaces the record of a node / task execution (attempt). `parent_id` is the
  // unique id of the parent node for children of sub-workflows, branches and dynamic nodes.
  Status RecordNodeExecution(const fa::NodeExecution& node, const std::string& parent_id);
  Status RecordTaskExecution(const fa::TaskExecution& task);
  // Executions not yet ended, oldest first (the executor resumes them on start).
  Result<std::vector<fa::Execution>> ListUnfinishedExecutions();
  // The compiled closure of a registered workflow.
  Result<fa::Workflow> FetchWorkflow(const fc::Identifier& id) { return LoadWorkflow(id); }
  Result<fa::LaunchPlan> FetchLaunchPlan(const fc::Identifier& id) { return LoadLaunchPlan(id); }
  blob::BlobStore* blobs() const { return options_.blobs; }

  // Projects and domains.
  Result<fa::ProjectRegisterResponse> RegisterProject(const fa::ProjectRegisterRequest& req);
  Result<fa::ProjectUpdateResponse> UpdateProject(const fa::Project& req);
  Result<fa::Project> GetProject(const fa::ProjectGetRequest& req);
  Result<fa::Projects> ListProjects(const fa::ProjectListRequest& req);
  fa::GetDomainsResponse GetDomains() const;
  fa::GetVersionResponse GetVersion() const;

  // Tasks.
  Result<fa::TaskCreateResponse> CreateTask(const fa::TaskCreateRequest& req);
  Result<fa::Task> GetTask(const fa::ObjectGetRequest& req);
  Result<fa::TaskList> ListTasks(const fa::ResourceListRequest& req);
  Result<fa::NamedEntityIdentifierList> ListTaskIds(const fa::NamedEntityIdentifierListRequest& req);

  // Workflows.
  Result<fa::WorkflowCreateResponse> CreateWorkflow(const fa::WorkflowCreateRequest& req);
  Result<fa::Workflow> GetWorkflow(const fa::ObjectGetRequest& req);
  Result<fa::WorkflowList> ListWorkflows(const fa::ResourceListRequest& req);
  Result<fa::NamedEntityIdentifierList> ListWorkflowIds(
      const fa::NamedEntityIdentifierListRequest& req);

  // Launch plans.
  Result<fa::LaunchPlanCreateResponse> CreateLaunchPlan(const fa::LaunchPlanCreateRequest& req);
  Result<fa::LaunchPlan> GetLaunchPlan(const fa::ObjectGetRequest& req);
  Result<fa::LaunchPlan> GetActiveLaunchPlan(const fa::ActiveLaunchPlanRequest& req);
  Result<fa::LaunchPlanList> ListLaunchPlans(const fa::ResourceListRequest& req);
  Result<fa::LaunchPlanList> ListActiveLaunchPlans(const fa::ActiveLaunchPlanListRequest& req);
  Result<fa::NamedEntityIdentifierList> ListLaunchPlanIds(
      const fa::NamedEntityIdentifierListRequest& req);
  Result<fa::LaunchPlanUpdateResponse> UpdateLaunchPlan(const fa::LaunchPlanUpdateRequest& req);

  // Executions.
  Result<fa::ExecutionCreateResponse> CreateExecution(const fa::ExecutionCreateRequest& req);
  Result<fa::Execution> GetExecution(const fa::WorkflowExecutionGetRequest& req);
  Result<fa::ExecutionList> ListExecutions(const fa::ResourceListRequest& req);
  Result<fa::WorkflowExecutionGetDataResponse> GetExecutionData(
      const fa::WorkflowExecutionGetDataRequest& req);
  Result<fa::ExecutionUpdateResponse> UpdateExecution(const fa::ExecutionUpdateRequest& req);

  Result<fa::ExecutionTerminateResponse> TerminateExecution(const fa::ExecutionTerminateRequest& req);
  Result<fa::ExecutionCreateResponse> RelaunchExecution(const fa::ExecutionRelaunchRequest& req);
  // A new execution (mode RECOVERED, referencing `req.id`) that re-runs only what did not
  // succeed there.
  Result<fa::ExecutionCreateResponse> RecoverExecution(const fa::ExecutionRecoverRequest& req);

  // Node and task executions, as the executor records them.
  Result<fa::NodeExecution> GetNodeExecution(const fa::NodeExecutionGetRequest& req);
  Result<fa::NodeExecutionList> ListNodeExecutions(const fa::NodeExecutionListRequest& req);
  Result<fa::NodeExecutionGetDataResponse> GetNodeExecutionData(
      const fa::NodeExecutionGetDataRequest& req);
  Result<fa::TaskExecution> GetTaskExecution(const fa::TaskExecutionGetRequest& req);
  Result<fa::TaskExecutionList> ListTaskExecutions(const fa::TaskExecutionListRequest& req);
  Result<fa::TaskExecutionGetDataResponse> GetTaskExecutionData(
      const fa::TaskExecutionGetDataRequest& req);

  Result<fa::DynamicNodeWorkflowResponse> GetDynamicNodeWorkflow(
      const fa::GetDynamicNodeWorkflowRequest& req);
  Result<fa::NodeExecutionList> ListNodeExecutionsForTask(
      const fa::NodeExecutionForTaskListRequest& req);
  Result<fa::WorkflowExecutionGetMetricsResponse> GetExecutionMetrics(
      const fa::WorkflowExecutionGetMetricsRequest& req);
  // DataProxy's GetData: the inputs or outputs a flyte:// URL names.
  Result<flyteidl::service::GetDataResponse> GetData(const flyteidl::service::GetDataRequest& req);

  // Events from an external propeller (events.cc).
  Result<fa::WorkflowExecutionEventResponse> CreateWorkflowEvent(
      const fa::WorkflowExecutionEventRequest& req);
  Result<fa::NodeExecutionEventResponse> CreateNodeEvent(const fa::NodeExecutionEventRequest& req);
  Result<fa::TaskExecutionEventResponse> CreateTaskEvent(const fa::TaskExecutionEventRequest& req);

  // Description entities written at task / workflow registration (descriptions.cc).
  Result<fa::DescriptionEntity> GetDescriptionEntity(const fa::ObjectGetRequest& req);
  Result<fa::DescriptionEntityList> ListDescriptionEntities(
      const fa::DescriptionEntityListRequest& req);

  // Named entities.
  Result<fa::NamedEntity> GetNamedEntity(const fa::NamedEntityGetRequest& req);
  Result<fa::NamedEntityList> ListNamedEntities(const fa::NamedEntityListRequest& req);
  Result<fa::NamedEntityUpdateResponse> UpdateNamedEntity(const fa::NamedEntityUpdateRequest& req);

  // Matchable attributes at project, project-domain and workflow level.
  Result<fa::ProjectDomainAttributesUpdateResponse> UpdateProjectDomainAttributes(
      const fa::ProjectDomainAttributesUpdateRequest& req);
  Result<fa::ProjectDomainAttributesGetResponse> GetProjectDomainAttributes(
      const fa::ProjectDomainAttributesGetRequest& req);
  Result<fa::ProjectDomainAttributesDeleteResponse> DeleteProjectDomainAttributes(
      const fa::ProjectDomainAttributesDeleteRequest& req);
  Result<fa::ProjectAttributesUpdateResponse> UpdateProjectAttributes(
      const fa::ProjectAttributesUpdateRequest& req);
  Result<fa::ProjectAttributesGetResponse> GetProjectAttributes(
      const fa::ProjectAttributesGetRequest& req);
  Result<fa::ProjectAttributesDeleteResponse> DeleteProjectAttributes(
      const fa::ProjectAttributesDeleteRequest& req);
  Result<fa::WorkflowAttributesUpdateResponse> UpdateWorkflowAttributes(
      const fa::WorkflowAttributesUpdateRequest& req);
  Result<fa::WorkflowAttributesGetResponse> GetWorkflowAttributes(
      const fa::WorkflowAttributesGetRequest& req);
  Result<fa::WorkflowAttributesDeleteResponse> DeleteWorkflowAttributes(
      const fa::WorkflowAttributesDeleteRequest& req);

  Result<fa::ListMatchableAttributesResponse> ListMatchableAttributes(
      const fa::ListMatchableAttributesRequest& req);
  // The TASK_RESOURCE attributes that apply to `workflow`'s tasks in project/domain (the
  // workflow's, else the project-domain's, else the project's); none when unset.
  Result<std::optional<fa::TaskResourceAttributes>> TaskResourceAttributesFor(
      const std::string& project, const std::string& domain, const std::string& workflow);
  // The CLUSTER_RESOURCE attributes of project/domain (else the project's); empty when unset.
  Result<std::map<std::string, std::string>> ClusterResourceAttributesFor(
      const std::string& project, const std::string& domain);
  // The PLUGIN_OVERRIDE attributes that apply to `workflow`'s tasks, found as the task
  // resources are; empty when unset.
  Result<std::vector<fa::PluginOverride>> PluginOverridesFor(const std::string& project,
                                                             const std::string& domain,
                                                             const std::string& workflow);

  // Signals (gate nodes).
  Result<fa::Signal> GetOrCreateSignal(const fa::SignalGetOrCreateRequest& req);
  Result<fa::SignalList> ListSignals(const fa::SignalListRequest& req);
  Result<fa::SignalSetResponse> SetSignal(const fa::SignalSetRequest& req);

 private:
  Status CheckProjectDomain(const std::string& project, const std::string& domain);
  Result<fc::TaskTemplate> LoadTaskTemplate(const fc::Identifier& id);
  Result<fa::Workflow> LoadWorkflow(const fc::Identifier& id);
  Result<fa::LaunchPlan> LoadLaunchPlan(const fc::Identifier& id);
  // Makes (or finds) the `.flytegen.<task>` workflow and launch plan for a task execution.
  Result<fa::LaunchPlan> SingleTaskLaunchPlan(const fc::Identifier& task_id);
  Status SaveExecution(const fa::Execution& exec, bool create);
  Status SaveDescription(const fc::Identifier& id, const fa::DescriptionEntity& description);
  // Spans of the node executions under `parent` ("" for the top level), `depth` levels deep.
  Status AddNodeSpans(const fc::WorkflowExecutionIdentifier& exec, const std::string& parent,
                      int depth, fc::Span* out);
  // The request that runs `id` again (same launch plan, spec and user inputs) as `name`.
  Result<fa::ExecutionCreateRequest> RerunRequest(const fc::WorkflowExecutionIdentifier& id,
                                                  const std::string& name);
  Result<fc::LiteralMap> ResolveInputs(const fa::LaunchPlan& lp, const fc::LiteralMap& given);
  // The matchable attributes of `resource_type` that apply to `workflow` in project/domain:
  // the workflow's own, else the project-domain's, else the project's (levels left "" are
  // skipped); none when unset.
  Result<std::optional<fa::MatchingAttributes>> MostSpecificAttributes(
      const std::string& project, const std::string& domain, const std::string& workflow,
      int64_t resource_type);
  // Fills what `spec` leaves unset from the launch plan, then from the WORKFLOW_EXECUTION_CONFIG
  // matchable attributes (execution_config.cc).
  Status ApplyExecutionConfig(const fa::LaunchPlan& lp, const std::string& project,
                              const std::string& domain, fa::ExecutionSpec* spec);
  // A child execution's spec takes its parent execution's cluster label.
  Status InheritFromParent(fa::ExecutionSpec* spec);
  // The CLUSTER_ASSIGNMENT attributes of project/domain into `spec`; INVALID_ARGUMENT when the
  // request names another pool.
  Status ApplyClusterAssignment(const std::string& project, const std::string& domain,
                                fa::ExecutionSpec* spec);

  AdminOptions options_;
};

}  // namespace flytebox::admin
