#include "embedded/api/call_auth.h"

#include <string_view>

#include "embedded/api/grpc_status.h"
#include "embedded/auth/token_endpoint.h"

namespace flytebox::api {

grpc::Status Authorize(const grpc::ServerContext* ctx, const auth::TokenAuthority* authority) {
  if (!authority) return grpc::Status::OK;
  const auto& metadata = ctx->client_metadata();
  auth::Verdict last = authority->VerifyBearer("");
  for (const char* key : {auth::kMetadataKey, "authorization"}) {
    auto [begin, end] = metadata.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      last = authority->VerifyBearer(std::string_view(it->second.data(), it->second.size()));
      if (last.ok) return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, last.reason);
}

}  // namespace flytebox::api
