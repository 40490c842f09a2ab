#pragma once

#include <grpcpp/grpcpp.h>

#include "embedded/auth/token_authority.h"

namespace flytebox::api {

// The gate every authenticated gRPC method passes first: with `authority` null (no --auth)
// every call goes on; otherwise the call needs a valid bearer token in the
// `flyte-authorization` or `authorization` metadata, or it ends UNAUTHENTICATED before the
// handler runs. (Server interceptors cannot end a call early, hence a call in each method.)
grpc::Status Authorize(const grpc::ServerContext* ctx, const auth::TokenAuthority* authority);

}  // namespace flytebox::api
