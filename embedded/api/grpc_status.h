#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <exception>
#include <memory>

#include "common/log.h"
#include "common/result.h"

namespace flytebox::api {

grpc::StatusCode ToGrpcCode(Code code);
grpc::Status ToGrpc(const Status& status);

// A server interceptor for the errors the gRPC library raises before a handler runs: a
// request that does not decode (the library says INTERNAL, with no message) becomes
// INVALID_ARGUMENT naming the expected message, and an unimplemented method gets a message
// naming it. Everything else passes unchanged.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewErrorInterceptorFactory();

// Runs a handler returning Result<T>, copies the value into `out`, and maps the Status.
// Exceptions never escape as UNKNOWN: they become INTERNAL.
template <typename T, typename Fn>
grpc::Status Reply(const char* method, T* out, Fn&& fn) {
  try {
    Result<T> r = fn();
    if (!r.ok()) {
      if (r.status().code() == Code::kInternal) {
        FB_LOG(kError, "api") << method << ": " << r.status().ToString();
      } else {
        FB_LOG(kDebug, "api") << method << ": " << r.status().ToString();
      }
      return ToGrpc(r.status());
    }
    *out = std::move(r).value();
    return grpc::Status::OK;
  } catch (const std::exception& e) {
    FB_LOG(kError, "api") << method << " failed: " << e.what();
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
  }
}

}  // namespace flytebox::api
