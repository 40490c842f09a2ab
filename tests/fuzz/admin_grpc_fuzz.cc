// Fuzz target for the gRPC side of every AdminService method: the input's bytes go, as they
// are, as the request of one method to a real gRPC server in this process (AdminServiceImpl
// over a real Admin on an in-memory SQLite store and a file object store; no executor, so
// nothing runs). gRPC's own
// request decoding and then the handler see them, as they would from a remote client.
//
// An input is one byte choosing the method (its index in AdminService, modulo the number of
// methods) followed by the serialized request message.
//
// Each call must end with a status: never UNKNOWN (a code nobody chose), never INTERNAL for
// a request that decodes (a handler that threw), never without a message when it is not OK;
// bytes that are not a valid request of that method get INVALID_ARGUMENT, as in the engine
// (its error interceptor is installed here too). A crash or hang fails the run.
//
//   build/tests/fuzz/admin_grpc_fuzz -max_total_time=30 tests/fuzz/corpus/admin_grpc
// The seeds are made by tests/fuzz/make_admin_grpc_seeds.py with flytekit's flyteidl.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/common.h>
#include <unistd.h>
#if GOOGLE_PROTOBUF_VERSION < 4022000
#include <google/protobuf/stubs/logging.h>
#endif
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "embedded/admin/admin.h"
#include "embedded/api/grpc_status.h"
#include "embedded/api/services.h"
#include "embedded/blob/blob_store.h"
#include "embedded/store/metadata_store.h"
#include "flyteidl/service/admin.pb.h"

// admin.proto declares only the service: referencing its descriptor table keeps it linked,
// so the generated pool knows AdminService.
extern const void* const kAdminServiceFile;
const void* const kAdminServiceFile = &::descriptor_table_flyteidl_2fservice_2fadmin_2eproto;

namespace {

namespace pb = google::protobuf;

struct Harness {
  std::unique_ptr<flytebox::store::MetadataStore> store;
  std::unique_ptr<flytebox::blob::BlobStore> blobs;
  std::unique_ptr<flytebox::admin::Admin> admin;
  std::unique_ptr<flytebox::api::AdminServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<grpc::GenericStub> stub;
  const pb::ServiceDescriptor* descriptor = nullptr;
};

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "admin_grpc_fuzz: %s\n", why.c_str());
  std::abort();
}

Harness* NewHarness() {
#if GOOGLE_PROTOBUF_VERSION < 4022000
  pb::SetLogHandler([](pb::LogLevel, const char*, int, const std::string&) {});
#endif
  auto* h = new Harness();
  std::string root =
      std::filesystem::temp_directory_path() / ("admin-grpc-fuzz-" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  static std::string* made = new std::string(root);
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(*made, ec);
  });
  auto store = flytebox::store::OpenSqlite({":memory:", 5000, nullptr});
  auto blobs = flytebox::blob::OpenFileStore(root, "fuzz-bucket");
  if (!store.ok() || !blobs.ok()) Fail("cannot open the stores");
  h->store = std::move(*store);
  h->blobs = std::move(*blobs);
  flytebox::admin::AdminOptions options;
  options.store = h->store.get();
  options.blobs = h->blobs.get();
  h->admin = std::make_unique<flytebox::admin::Admin>(options);
  if (!h->admin->Seed().ok()) Fail("cannot seed the default project");
  h->service = std::make_unique<flytebox::api::AdminServiceImpl>(h->admin.get());
  grpc::ServerBuilder builder;
  builder.RegisterService(h->service.get());
  builder.SetMaxReceiveMessageSize(32 << 20);
  // As the engine's server: requests that do not decode become INVALID_ARGUMENT.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> hooks;
  hooks.push_back(flytebox::api::NewErrorInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(hooks));
  h->server = builder.BuildAndStart();
  if (!h->server) Fail("the gRPC server did not start");
  h->stub = std::make_unique<grpc::GenericStub>(h->server->InProcessChannel({}));
  h->descriptor =
      pb::DescriptorPool::generated_pool()->FindServiceByName("flyteidl.service.AdminService");
  if (h->descriptor == nullptr || h->descriptor->method_count() == 0) {
    Fail("AdminService is not in the descriptor pool");
  }
  return h;
}

Harness& GetHarness() {
  static Harness* harness = NewHarness();
  return *harness;
}

// Whether `bytes` is a request gRPC's decoding must accept for `method`.
bool Parses(const pb::MethodDescriptor* method, const std::string& bytes) {
  static pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> msg(factory.GetPrototype(method->input_type())->New());
  return msg->ParseFromString(bytes);
}

grpc::Status Call(Harness& h, const pb::MethodDescriptor* method, const std::string& bytes) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  std::string path = "/" + method->service()->full_name() + "/" + method->name();
  grpc::Status status;
  bool done = false;
  std::mutex mu;
  std::condition_variable cv;
  h.stub->UnaryCall(&ctx, path, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Harness& h = GetHarness();
  const pb::MethodDescriptor* method = h.descriptor->method(data[0] % h.descriptor->method_count());
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  grpc::Status status = Call(h, method, bytes);
  std::string where = method->name() + " (" + std::to_string(size - 1) + " bytes)";
  if (status.error_code() == grpc::StatusCode::UNKNOWN) {
    Fail(where + " answered UNKNOWN: " + status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    Fail(where + " took more than 20 s");
  }
  if (!status.ok() && status.error_message().empty()) {
    Fail(where + " answered code " + std::to_string(status.error_code()) + " without a message");
  }
  if (!Parses(method, bytes)) {
    // gRPC's decoding refuses them, and the caller is told what was expected.
    if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      Fail(where + ": bytes that are not a " + method->input_type()->full_name() + " got code " +
           std::to_string(status.error_code()) + ": " + status.error_message());
    }
  } else if (status.error_code() == grpc::StatusCode::INTERNAL) {
    Fail(where + " answered INTERNAL to a request that decodes: " + status.error_message());
  }
  return 0;
}
