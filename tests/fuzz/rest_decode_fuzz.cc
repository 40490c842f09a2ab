// Fuzz target for the REST gateway's request decoding (RestGateway::Decode): route matching,
// path variables, query parameters and JSON / binary protobuf bodies. Decode makes no call,
// so any input is safe to run; it must never crash, throw or hang.
//
// An input is four parts separated by the first three '\n':
//   METHOD \n PATH[?QUERY] \n CONTENT-TYPE \n BODY
// The query is split on '&' and '='; the body is the rest of the input, bytes as they are.
//
// Built by default with our own driver (driver.cc), so GCC builds it and CTest runs it:
//   build/tests/fuzz/rest_decode_fuzz -max_total_time=30 tests/fuzz/corpus/rest_decode
// The same source builds with clang's libFuzzer (coverage-guided), in a build folder of its
// own, with the libraries instrumented too:
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++
//         -DFLYTEBOX_SANITIZE=address,fuzzer-no-link -DFLYTEBOX_LIBFUZZER=ON   (one command)
//   cmake --build build-fuzz --target rest_decode_fuzz
//   mkdir -p new && build-fuzz/tests/fuzz/rest_decode_fuzz -max_total_time=600 new
//         tests/fuzz/corpus/rest_decode                                        (one command)
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/common.h>
#if GOOGLE_PROTOBUF_VERSION < 4022000
#include <google/protobuf/stubs/logging.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "embedded/api/rest_gateway.h"

namespace {

using flytebox::api::RestGateway;

const RestGateway* NewGateway() {
#if GOOGLE_PROTOBUF_VERSION < 4022000
  // Bodies with invalid UTF-8 in string fields are refused; protobuf also logs each one.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                     const std::string&) {});
#endif
  // The channel is never used: Decode only builds the request message.
  return new RestGateway(
      nullptr, {"flyteidl.service.AdminService", "flyteidl.service.DataProxyService",
                "flyteidl.service.AuthMetadataService", "flyteidl.service.IdentityService",
                "flyteidl.service.SignalService"});
}

const RestGateway& Gateway() {
  static const RestGateway* gateway = NewGateway();
  return *gateway;
}

// Takes the text up to the next '\n' (or all of it) off the front of `in`.
std::string_view NextLine(std::string_view* in) {
  size_t end = in->find('\n');
  std::string_view line = in->substr(0, end);
  in->remove_prefix(end == std::string_view::npos ? in->size() : end + 1);
  return line;
}

RestGateway::Request Parse(std::string_view in) {
  RestGateway::Request req;
  req.method = std::string(NextLine(&in));
  std::string_view target = NextLine(&in);
  req.content_type = std::string(NextLine(&in));
  req.body = std::string(in);
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    size_t eq = pair.find('=');
    req.query.emplace_back(std::string(pair.substr(0, eq)),
                           eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const RestGateway& gateway = Gateway();
  RestGateway::Request req =
      Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  const google::protobuf::MethodDescriptor* method = nullptr;
  auto decoded = gateway.Decode(req, &method);
  if (decoded.ok()) {
    // A decoded request names its RPC and is a message of that RPC's input type.
    if (method == nullptr || *decoded == nullptr ||
        (*decoded)->GetDescriptor() != method->input_type()) {
      std::abort();
    }
    (void)(*decoded)->ByteSizeLong();
  } else if (decoded.status().message().empty()) {
    std::abort();  // every refusal says why
  }
  return 0;
}
