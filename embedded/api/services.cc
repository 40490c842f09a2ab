#include "embedded/api/services.h"

#include "embedded/api/call_auth.h"
#include "embedded/api/grpc_status.h"
#include "embedded/auth/token_endpoint.h"

namespace flytebox::api {

#define FB_AUTHORIZE(ctx)                                          \
  if (grpc::Status denied = Authorize(ctx, auth_); !denied.ok()) { \
    return denied;                                                 \
  }

#define FB_RPC_IMPL(Name, Req, Resp)                                                          \
  grpc::Status AdminServiceImpl::Name(grpc::ServerContext* ctx, const Req* req, Resp* resp) { \
    FB_AUTHORIZE(ctx)                                                                         \
    return Reply(#Name, resp, [&] { return admin_->Name(*req); });                            \
  }
FB_RPC_IMPL(RegisterProject, fa::ProjectRegisterRequest, fa::ProjectRegisterResponse)
FB_RPC_IMPL(UpdateProject, fa::Project, fa::ProjectUpdateResponse)
FB_RPC_IMPL(GetProject, fa::ProjectGetRequest, fa::Project)
FB_RPC_IMPL(ListProjects, fa::ProjectListRequest, fa::Projects)
FB_RPC_IMPL(CreateTask, fa::TaskCreateRequest, fa::TaskCreateResponse)
FB_RPC_IMPL(GetTask, fa::ObjectGetRequest, fa::Task)
FB_RPC_IMPL(ListTasks, fa::ResourceListRequest, fa::TaskList)
FB_RPC_IMPL(ListTaskIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
FB_RPC_IMPL(CreateWorkflow, fa::WorkflowCreateRequest, fa::WorkflowCreateResponse)
FB_RPC_IMPL(GetWorkflow, fa::ObjectGetRequest, fa::Workflow)
FB_RPC_IMPL(ListWorkflows, fa::ResourceListRequest, fa::WorkflowList)
FB_RPC_IMPL(ListWorkflowIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
FB_RPC_IMPL(CreateLaunchPlan, fa::LaunchPlanCreateRequest, fa::LaunchPlanCreateResponse)
FB_RPC_IMPL(GetLaunchPlan, fa::ObjectGetRequest, fa::LaunchPlan)
FB_RPC_IMPL(GetActiveLaunchPlan, fa::ActiveLaunchPlanRequest, fa::LaunchPlan)
FB_RPC_IMPL(ListLaunchPlans, fa::ResourceListRequest, fa::LaunchPlanList)
FB_RPC_IMPL(ListActiveLaunchPlans, fa::ActiveLaunchPlanListRequest, fa::LaunchPlanList)
FB_RPC_IMPL(ListLaunchPlanIds, fa::NamedEntityIdentifierListRequest, fa::NamedEntityIdentifierList)
FB_RPC_IMPL(UpdateLaunchPlan, fa::LaunchPlanUpdateRequest, fa::LaunchPlanUpdateResponse)
FB_RPC_IMPL(CreateExecution, fa::ExecutionCreateRequest, fa::ExecutionCreateResponse)
FB_RPC_IMPL(GetExecution, fa::WorkflowExecutionGetRequest, fa::Execution)
FB_RPC_IMPL(ListExecutions, fa::ResourceListRequest, fa::ExecutionList)
FB_RPC_IMPL(GetExecutionData, fa::WorkflowExecutionGetDataRequest, fa::WorkflowExecutionGetDataResponse)
FB_RPC_IMPL(UpdateExecution, fa::ExecutionUpdateRequest, fa::ExecutionUpdateResponse)
FB_RPC_IMPL(TerminateExecution, fa::ExecutionTerminateRequest, fa::ExecutionTerminateResponse)
FB_RPC_IMPL(RelaunchExecution, fa::ExecutionRelaunchRequest, fa::ExecutionCreateResponse)
FB_RPC_IMPL(RecoverExecution, fa::ExecutionRecoverRequest, fa::ExecutionCreateResponse)
FB_RPC_IMPL(GetDynamicNodeWorkflow, fa::GetDynamicNodeWorkflowRequest,
            fa::DynamicNodeWorkflowResponse)
FB_RPC_IMPL(ListNodeExecutionsForTask, fa::NodeExecutionForTaskListRequest, fa::NodeExecutionList)
FB_RPC_IMPL(GetExecutionMetrics, fa::WorkflowExecutionGetMetricsRequest,
            fa::WorkflowExecutionGetMetricsResponse)
FB_RPC_IMPL(CreateWorkflowEvent, fa::WorkflowExecutionEventRequest,
            fa::WorkflowExecutionEventResponse)
FB_RPC_IMPL(CreateNodeEvent, fa::NodeExecutionEventRequest, fa::NodeExecutionEventResponse)
FB_RPC_IMPL(CreateTaskEvent, fa::TaskExecutionEventRequest, fa::TaskExecutionEventResponse)
FB_RPC_IMPL(GetDescriptionEntity, fa::ObjectGetRequest, fa::DescriptionEntity)
FB_RPC_IMPL(ListDescriptionEntities, fa::DescriptionEntityListRequest, fa::DescriptionEntityList)
FB_RPC_IMPL(ListMatchableAttributes, fa::ListMatchableAttributesRequest,
            fa::ListMatchableAttributesResponse)
FB_RPC_IMPL(GetNodeExecution, fa::NodeExecutionGetRequest, fa::NodeExecution)
FB_RPC_IMPL(ListNodeExecutions, fa::NodeExecutionListRequest, fa::NodeExecutionList)
FB_RPC_IMPL(GetNodeExecutionData, fa::NodeExecutionGetDataRequest, fa::NodeExecutionGetDataResponse)
FB_RPC_IMPL(GetTaskExecution, fa::TaskExecutionGetRequest, fa::TaskExecution)
FB_RPC_IMPL(ListTaskExecutions, fa::TaskExecutionListRequest, fa::TaskExecutionList)
FB_RPC_IMPL(GetTaskExecutionData, fa::TaskExecutionGetDataRequest, fa::TaskExecutionGetDataResponse)
FB_RPC_IMPL(GetNamedEntity, fa::NamedEntityGetRequest, fa::NamedEntity)
FB_RPC_IMPL(ListNamedEntities, fa::NamedEntityListRequest, fa::NamedEntityList)
FB_RPC_IMPL(UpdateNamedEntity, fa::NamedEntityUpdateRequest, fa::NamedEntityUpdateResponse)
FB_RPC_IMPL(UpdateProjectDomainAttributes, fa::ProjectDomainAttributesUpdateRequest, fa::ProjectDomainAttributesUpdateResponse)
FB_RPC_IMPL(GetProjectDomainAttributes, fa::ProjectDomainAttributesGetRequest, fa::ProjectDomainAttributesGetResponse)
FB_RPC_IMPL(DeleteProjectDomainAttributes, fa::ProjectDomainAttributesDeleteRequest, fa::ProjectDomainAttributesDeleteResponse)
FB_RPC_IMPL(UpdateProjectAttributes, fa::ProjectAttributesUpdateRequest, fa::ProjectAttributesUpdateResponse)
FB_RPC_IMPL(GetProjectAttributes, fa::ProjectAttributesGetRequest, fa::ProjectAttributesGetResponse)
FB_RPC_IMPL(DeleteProjectAttributes, fa::ProjectAttributesDeleteRequest, fa::ProjectAttributesDeleteResponse)
FB_RPC_IMPL(UpdateWorkflowAttributes, fa::WorkflowAttributesUpdateRequest, fa::WorkflowAttributesUpdateResponse)
FB_RPC_IMPL(GetWorkflowAttributes, fa::WorkflowAttributesGetRequest, fa::WorkflowAttributesGetResponse)
FB_RPC_IMPL(DeleteWorkflowAttributes, fa::WorkflowAttributesDeleteRequest, fa::WorkflowAttributesDeleteResponse)
#undef FB_RPC_IMPL

grpc::Status AdminServiceImpl::GetVersion(grpc::ServerContext* ctx, const fa::GetVersionRequest*,
                                          fa::GetVersionResponse* resp) {
  FB_AUTHORIZE(ctx)
  *resp = admin_->GetVersion();
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetDomains(grpc::ServerContext* ctx, const fa::GetDomainRequest*,
                                          fa::GetDomainsResponse* resp) {
  FB_AUTHORIZE(ctx)
  *resp = admin_->GetDomains();
  return grpc::Status::OK;
}

grpc::Status SignalServiceImpl::GetOrCreateSignal(grpc::ServerContext* ctx,
                                                  const fa::SignalGetOrCreateRequest* req,
                                                  fa::Signal* resp) {
  FB_AUTHORIZE(ctx)
  return Reply("GetOrCreateSignal", resp, [&] { return admin_->GetOrCreateSignal(*req); });
}

grpc::Status SignalServiceImpl::ListSignals(grpc::ServerContext* ctx,
                                            const fa::SignalListRequest* req,
                                            fa::SignalList* resp) {
  FB_AUTHORIZE(ctx)
  return Reply("ListSignals", resp, [&] { return admin_->ListSignals(*req); });
}

grpc::Status SignalServiceImpl::SetSignal(grpc::ServerContext* ctx, const fa::SignalSetRequest* req,
                                          fa::SignalSetResponse* resp) {
  FB_AUTHORIZE(ctx)
  return Reply("SetSignal", resp, [&] { return admin_->SetSignal(*req); });
}

grpc::Status DataProxyServiceImpl::CreateUploadLocation(
    grpc::ServerContext* ctx, const fsvc::CreateUploadLocationRequest* req,
    fsvc::CreateUploadLocationResponse* resp) {
  FB_AUTHORIZE(ctx)
  return Reply("CreateUploadLocation", resp, [&] { return proxy_->CreateUploadLocation(*req); });
}

grpc::Status DataProxyServiceImpl::CreateDownloadLocation(
    grpc::ServerContext* ctx, const fsvc::CreateDownloadLocationRequest* req,
    fsvc::CreateDownloadLocationResponse* resp) {
  FB_AUTHORIZE(ctx)
  return Reply("CreateDownloadLocation", resp, [&] { return proxy_->CreateDownloadLocation(*req); });
}

grpc::Status AuthMetadataServiceImpl::GetOAuth2Metadata(grpc::ServerContext*,
                                                        const fsvc::OAuth2MetadataRequest*,
                                                        fsvc::OAuth2MetadataResponse* resp) {
  resp->set_issuer(public_url_);
  if (!auth_) return grpc::Status::OK;
  resp->set_token_endpoint(public_url_ + auth::kTokenPath);
  resp->add_grant_types_supported("client_credentials");
  resp->add_token_endpoint_auth_methods_supported("client_secret_basic");
  resp->add_token_endpoint_auth_methods_supported("client_secret_post");
  resp->add_response_types_supported("token");
  resp->add_scopes_supported("all");
  return grpc::Status::OK;
}

grpc::Status AuthMetadataServiceImpl::GetPublicClientConfig(
    grpc::ServerContext*, const fsvc::PublicClientAuthConfigRequest*,
    fsvc::PublicClientAuthConfigResponse* resp) {
  resp->set_client_id(auth_ ? auth_->client_id() : "flytectl");
  resp->set_redirect_uri("http://localhost:53593/callback");
  if (!auth_) return grpc::Status::OK;
  resp->add_scopes("all");
  resp->set_authorization_metadata_key(auth::kMetadataKey);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::UserInfo(grpc::ServerContext* ctx, const fsvc::UserInfoRequest*,
                                           fsvc::UserInfoResponse* resp) {
  FB_AUTHORIZE(ctx)
  resp->set_subject("flytebox");
  resp->set_name("Flytebox sandbox user");
  resp->set_preferred_username("flytebox");
  return grpc::Status::OK;
}

}  // namespace flytebox::api
