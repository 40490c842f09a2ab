#pragma once

#include <memory>

#include "embedded/admin/admin.h"
#include "embedded/auth/token_authority.h"
#include "embedded/dataproxy/dataproxy.h"
#include "flyteidl/service/admin.grpc.pb.h"
#include "flyteidl/service/auth.grpc.pb.h"
#include "flyteidl/service/dataproxy.grpc.pb.h"
#include "flyteidl/service/identity.grpc.pb.h"
#include "flyteidl/service/signal.grpc.pb.h"

namespace flytebox::api {

namespace fsvc = ::flyteidl::service;
namespace fa = ::flyteidl::admin;

// gRPC adapters: each method calls the transport-free core and maps its Status. With an
// `auth` authority (--auth), every method first needs a valid token (see call_auth.h).
class AdminServiceImpl final : public fsvc::AdminService::Service {
 public:
  explicit AdminServiceImpl(admin::Admin* admin, const auth::TokenAuthority* auth = nullptr)
      : admin_(admin), auth_(auth) {}

#define FB_RPC(Name, Req, Resp) \
  grpc::Status Name(grpc::ServerContext* ctx, const Req* req, Resp* resp) override;
  FB_RPC(GetVersion, fa::GetVersionRequest, fa::GetVersionResponse)
  FB_RPC(GetDomains, fa::GetDomainRequest, fa::GetDomainsResponse)
  FB_RPC(RegisterProject, fa::ProjectRegisterRequest, fa::ProjectRegisterResponse)
  FB_RPC(UpdateProject, fa::Project, fa::ProjectUpdateResponse)
  FB_RPC(GetProject, fa::ProjectGetRequest, fa::Project)
  FB_RPC(ListProjects, fa::ProjectListRequest, fa::Projects)
  FB_RPC(CreateTask, fa::TaskCreateRequest, fa::TaskCreateResponse)
  FB_RPC(GetTask, fa::ObjectGetRequest, fa::Task)
  FB_RPC(ListTasks, fa::ResourceListRequest, fa::TaskList)
  FB_RPC(ListTaskIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
  FB_RPC(CreateWorkflow, fa::WorkflowCreateRequest, fa::WorkflowCreateResponse)
  FB_RPC(GetWorkflow, fa::ObjectGetRequest, fa::Workflow)
  FB_RPC(ListWorkflows, fa::ResourceListRequest, fa::WorkflowList)
  FB_RPC(ListWorkflowIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
  FB_RPC(CreateLaunchPlan, fa::LaunchPlanCreateRequest, fa::LaunchPlanCreateResponse)
  FB_RPC(GetLaunchPlan, fa::ObjectGetRequest, fa::LaunchPlan)
  FB_RPC(GetActiveLaunchPlan, fa::ActiveLaunchPlanRequest, fa::LaunchPlan)
  FB_RPC(ListLaunchPlans, fa::ResourceListRequest, fa::LaunchPlanList)
  FB_RPC(ListActiveLaunchPlans, fa::ActiveLaunchPlanListRequest, fa::LaunchPlanList)
  FB_RPC(ListLaunchPlanIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
  FB_RPC(UpdateLaunchPlan, fa::LaunchPlanUpdateRequest, fa::LaunchPlanUpdateResponse)
  FB_RPC(CreateExecution, fa::ExecutionCreateRequest, fa::ExecutionCreateResponse)
  FB_RPC(GetExecution, fa::WorkflowExecutionGetRequest, fa::Execution)
  FB_RPC(ListExecutions, fa::ResourceListRequest, fa::ExecutionList)
  FB_RPC(GetExecutionData, fa::WorkflowExecutionGetDataRequest, fa::WorkflowExecutionGetDataResponse)
  FB_RPC(UpdateExecution, fa::ExecutionUpdateRequest, fa::ExecutionUpdateResponse)
  FB_RPC(TerminateExecution, fa::ExecutionTerminateRequest, fa::ExecutionTerminateResponse)
  FB_RPC(RelaunchExecution, fa::ExecutionRelaunchRequest, fa::ExecutionCreateResponse)
  FB_RPC(RecoverExecution, fa::ExecutionRecoverRequest, fa::ExecutionCreateResponse)
  FB_RPC(GetDynamicNodeWorkflow, fa::GetDynamicNodeWorkflowRequest, fa::DynamicNodeWorkflowResponse)
  FB_RPC(ListNodeExecutionsForTask, fa::NodeExecutionForTaskListRequest, fa::NodeExecutionList)
  FB_RPC(GetExecutionMetrics, fa::WorkflowExecutionGetMetricsRequest,
         fa::WorkflowExecutionGetMetricsResponse)
  FB_RPC(CreateWorkflowEvent, fa::WorkflowExecutionEventRequest, fa::WorkflowExecutionEventResponse)
  FB_RPC(CreateNodeEvent, fa::NodeExecutionEventRequest, fa::NodeExecutionEventResponse)
  FB_RPC(CreateTaskEvent, fa::TaskExecutionEventRequest, fa::TaskExecutionEventResponse)
  FB_RPC(GetDescriptionEntity, fa::ObjectGetRequest, fa::DescriptionEntity)
  FB_RPC(ListDescriptionEntities, fa::DescriptionEntityListRequest, fa::DescriptionEntityList)
  FB_RPC(ListMatchableAttributes, fa::ListMatchableAttributesRequest,
         fa::ListMatchableAttributesResponse)
  FB_RPC(GetNodeExecution, fa::NodeExecutionGetRequest, fa::NodeExecution)
  FB_RPC(ListNodeExecutions, fa::NodeExecutionListRequest, fa::NodeExecutionList)
  FB_RPC(GetNodeExecutionData, fa::NodeExecutionGetDataRequest, fa::NodeExecutionGetDataResponse)
  FB_RPC(GetTaskExecution, fa::TaskExecutionGetRequest, fa::TaskExecution)
  FB_RPC(ListTaskExecutions, fa::TaskExecutionListRequest, fa::TaskExecutionList)
  FB_RPC(GetTaskExecutionData, fa::TaskExecutionGetDataRequest, fa::TaskExecutionGetDataResponse)
  FB_RPC(GetNamedEntity, fa::NamedEntityGetRequest, fa::NamedEntity)
  FB_RPC(ListNamedEntities, fa::NamedEntityListRequest, fa::NamedEntityList)
  FB_RPC(UpdateNamedEntity, fa::NamedEntityUpdateRequest, fa::NamedEntityUpdateResponse)
  FB_RPC(UpdateProjectDomainAttributes, fa::ProjectDomainAttributesUpdateRequest,
         fa::ProjectDomainAttributesUpdateResponse)
  FB_RPC(GetProjectDomainAttributes, fa::ProjectDomainAttributesGetRequest,
         fa::ProjectDomainAttributesGetResponse)
  FB_RPC(DeleteProjectDomainAttributes, fa::ProjectDomainAttributesDeleteRequest,
         fa::ProjectDomainAttributesDeleteResponse)
  FB_RPC(UpdateProjectAttributes, fa::ProjectAttributesUpdateRequest,
         fa::ProjectAttributesUpdateResponse)
  FB_RPC(GetProjectAttributes, fa::ProjectAttributesGetRequest, fa::ProjectAttributesGetResponse)
  FB_RPC(DeleteProjectAttributes, fa::ProjectAttributesDeleteRequest,
         fa::ProjectAttributesDeleteResponse)
  FB_RPC(UpdateWorkflowAttributes, fa::WorkflowAttributesUpdateRequest,
         fa::WorkflowAttributesUpdateResponse)
  FB_RPC(GetWorkflowAttributes, fa::WorkflowAttributesGetRequest, fa::WorkflowAttributesGetResponse)
  FB_RPC(DeleteWorkflowAttributes, fa::WorkflowAttributesDeleteRequest,
         fa::WorkflowAttributesDeleteResponse)
#undef FB_RPC

 private:
  admin::Admin* admin_;
  const auth::TokenAuthority* auth_;
};

class SignalServiceImpl final : public fsvc::SignalService::Service {
 public:
  explicit SignalServiceImpl(admin::Admin* admin, const auth::TokenAuthority* auth = nullptr)
      : admin_(admin), auth_(auth) {}
  grpc::Status GetOrCreateSignal(grpc::ServerContext* ctx, const fa::SignalGetOrCreateRequest* req,
                                 fa::Signal* resp) override;
  grpc::Status ListSignals(grpc::ServerContext* ctx, const fa::SignalListRequest* req,
                           fa::SignalList* resp) override;
  grpc::Status SetSignal(grpc::ServerContext* ctx, const fa::SignalSetRequest* req,
                         fa::SignalSetResponse* resp) override;

 private:
  admin::Admin* admin_;
  const auth::TokenAuthority* auth_;
};

class DataProxyServiceImpl final : public fsvc::DataProxyService::Service {
 public:
  explicit DataProxyServiceImpl(dataproxy::DataProxy* proxy,
                                const auth::TokenAuthority* auth = nullptr)
      : proxy_(proxy), auth_(auth) {}
  grpc::Status CreateUploadLocation(grpc::ServerContext* ctx,
                                    const fsvc::CreateUploadLocationRequest* req,
                                    fsvc::CreateUploadLocationResponse* resp) override;
  grpc::Status CreateDownloadLocation(grpc::ServerContext* ctx,
                                      const fsvc::CreateDownloadLocationRequest* req,
                                      fsvc::CreateDownloadLocationResponse* resp) override;

 private:
  dataproxy::DataProxy* proxy_;
  const auth::TokenAuthority* auth_;
};

// Open to everyone (clients read it before they have a token). Without `auth`: an insecure
// server's answers (no token endpoint), so flytekit stays insecure. With it: FlyteAdmin's
// "Self" authorization server, whose token endpoint takes client credentials.
class AuthMetadataServiceImpl final : public fsvc::AuthMetadataService::Service {
 public:
  explicit AuthMetadataServiceImpl(std::string public_url,
                                   const auth::TokenAuthority* auth = nullptr)
      : public_url_(std::move(public_url)), auth_(auth) {}
  grpc::Status GetOAuth2Metadata(grpc::ServerContext*, const fsvc::OAuth2MetadataRequest*,
                                 fsvc::OAuth2MetadataResponse* resp) override;
  grpc::Status GetPublicClientConfig(grpc::ServerContext*, const fsvc::PublicClientAuthConfigRequest*,
                                     fsvc::PublicClientAuthConfigResponse* resp) override;

 private:
  std::string public_url_;
  const auth::TokenAuthority* auth_;
};

class IdentityServiceImpl final : public fsvc::IdentityService::Service {
 public:
  explicit IdentityServiceImpl(const auth::TokenAuthority* auth = nullptr) : auth_(auth) {}
  grpc::Status UserInfo(grpc::ServerContext* ctx, const fsvc::UserInfoRequest*,
                        fsvc::UserInfoResponse* resp) override;

 private:
  const auth::TokenAuthority* auth_;
};

}  // namespace flytebox::api
