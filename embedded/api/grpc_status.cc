#include "embedded/api/grpc_status.h"

#include <google/protobuf/descriptor.h>

#include <string>

namespace flytebox::api {
namespace {

namespace gx = ::grpc::experimental;

// "/pkg.Service/Method" -> the full name of its request message, or "" if unknown.
std::string RequestTypeOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (path.size() < 2 || slash == 0 || slash == std::string::npos) return "";
  std::string name = path.substr(1, slash - 1) + "." + path.substr(slash + 1);
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  return method ? method->input_type()->full_name() : "";
}

class ErrorInterceptor final : public gx::Interceptor {
 public:
  explicit ErrorInterceptor(const char* method) : method_(method ? method : "") {}

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      undecodable_ = true;
    }
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (undecodable_ && status.error_code() == grpc::StatusCode::INTERNAL) {
        std::string type = RequestTypeOf(method_);
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "the request to " + method_ + " is not a valid binary " +
                (type.empty() ? std::string("protobuf message") : type) +
                ": send that message, serialized"));
      } else if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
                 status.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::UNIMPLEMENTED,
            RequestTypeOf(method_).empty()
                ? "no such method: this engine serves the flyteidl.service API"
                : method_ + " is not implemented by this engine"));
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  bool undecodable_ = false;
};

class ErrorInterceptorFactory final : public gx::ServerInterceptorFactoryInterface {
 public:
  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    return new ErrorInterceptor(info->method());
  }
};

}  // namespace

std::unique_ptr<gx::ServerInterceptorFactoryInterface> NewErrorInterceptorFactory() {
  return std::make_unique<ErrorInterceptorFactory>();
}

grpc::StatusCode ToGrpcCode(Code code) {
  switch (code) {
    case Code::kOk: return grpc::StatusCode::OK;
    case Code::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case Code::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case Code::kAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case Code::kFailedPrecondition: return grpc::StatusCode::FAILED_PRECONDITION;
    case Code::kPermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case Code::kUnauthenticated: return grpc::StatusCode::UNAUTHENTICATED;
    case Code::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Code::kAborted: return grpc::StatusCode::ABORTED;
    case Code::kDeadlineExceeded: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Code::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case Code::kUnimplemented: return grpc::StatusCode::UNIMPLEMENTED;
    case Code::kInternal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::Status ToGrpc(const Status& status) {
  return grpc::Status(ToGrpcCode(status.code()), status.message());
}

}  // namespace flytebox::api
