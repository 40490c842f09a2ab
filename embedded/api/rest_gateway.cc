#include "embedded/api/rest_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <charconv>
#include <future>

#include "common/log.h"
#include "embedded/api/grpc_status.h"
#include "embedded/server/http_guard.h"
#include "flyteidl/service/admin.pb.h"
#include "flyteidl/service/auth.pb.h"
#include "flyteidl/service/dataproxy.pb.h"
#include "flyteidl/service/identity.pb.h"
#include "flyteidl/service/signal.pb.h"
#include "google/api/annotations.pb.h"

namespace flytebox::api {

// A proto file that declares only a service defines no message, so nothing pulls its object
// out of the static IDL library, and the generated pool would then not know the service.
// Referencing the files' descriptor tables from an object that is always linked keeps them.
extern const void* const kRoutableServiceFiles[];
const void* const kRoutableServiceFiles[] = {
    &::descriptor_table_flyteidl_2fservice_2fadmin_2eproto,
    &::descriptor_table_flyteidl_2fservice_2fauth_2eproto,
    &::descriptor_table_flyteidl_2fservice_2fdataproxy_2eproto,
    &::descriptor_table_flyteidl_2fservice_2fidentity_2eproto,
    &::descriptor_table_flyteidl_2fservice_2fsignal_2eproto,
};

namespace {

namespace pb = ::google::protobuf;

constexpr char kBinary[] = "application/octet-stream";
constexpr char kJson[] = "application/json";
constexpr char kUnsupportedType[] = "unsupported Content-Type ";  // answered with 415
constexpr char kNoType[] = "no Content-Type";                      // answered with 415
// std::regex matching recurses once per character: a longer path could overflow the stack.
constexpr size_t kMaxPathBytes = 4096;

// HTTP status for a gRPC code, as grpc-gateway maps them.
int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;
  }
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

RestGateway::Response ErrorResponse(grpc::StatusCode code, const std::string& message) {
  RestGateway::Response r;
  r.status = HttpStatusOf(code);
  r.content_type = kJson;
  r.body = "{\"code\":" + std::to_string(static_cast<int>(code)) + ",\"message\":\"" +
           JsonEscape(message) + "\",\"details\":[]}";
  return r;
}

RestGateway::Response ErrorResponse(const Status& st) {
  return ErrorResponse(ToGrpcCode(st.code()), st.message());
}

bool Wants(const std::string& header, const char* type) {
  return header.find(type) != std::string::npos;
}

// A body the gateway reads: exactly JSON or binary protobuf (parameters allowed). A missing
// type is refused too: that is what a browser's cross-site "simple" request sends.
bool ReadableBody(const RestGateway::Request& req) {
  return req.body.empty() || server::IsApiBodyType(req.content_type);
}

// Turns "/api/v1/tasks/{id.project}/{id.domain}" into an anchored regex and its variables.
std::string PatternFor(const std::string& path, std::vector<std::string>* vars) {
  std::string re = "^";
  for (size_t i = 0; i < path.size();) {
    if (path[i] == '{') {
      size_t end = path.find('}', i);
      std::string var = path.substr(i + 1, end - i - 1);
      size_t eq = var.find('=');
      bool rest = eq != std::string::npos && var.substr(eq + 1).find("**") != std::string::npos;
      vars->push_back(var.substr(0, eq));
      re += rest ? "(.+)" : "([^/]+)";
      i = end + 1;
    } else {
      char c = path[i++];
      if (std::string(".+*?()[]^$|\\").find(c) != std::string::npos) re += '\\';
      re += c;
    }
  }
  return re + "$";
}

template <typename T>
Status ParseNumber(const std::string& text, T* out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return Status::InvalidArgument("'" + text + "' is not a valid number");
  }
  return Status::Ok();
}

Status SetScalar(pb::Message* msg, const pb::FieldDescriptor* f, const std::string& v) {
  const pb::Reflection* r = msg->GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        return Status::InvalidArgument("field " + f->name() + " cannot be set from a URL");
      }
      rep ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
      return Status::Ok();
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t n = 0;
      FB_RETURN_IF_ERROR(ParseNumber(v, &n).WithContext(f->name()));
      rep ? r->AddInt32(msg, f, n) : r->SetInt32(msg, f, n);
      return Status::Ok();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t n = 0;
      FB_RETURN_IF_ERROR(ParseNumber(v, &n).WithContext(f->name()));
      rep ? r->AddInt64(msg, f, n) : r->SetInt64(msg, f, n);
      return Status::Ok();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t n = 0;
      FB_RETURN_IF_ERROR(ParseNumber(v, &n).WithContext(f->name()));
      rep ? r->AddUInt32(msg, f, n) : r->SetUInt32(msg, f, n);
      return Status::Ok();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t n = 0;
      FB_RETURN_IF_ERROR(ParseNumber(v, &n).WithContext(f->name()));
      rep ? r->AddUInt64(msg, f, n) : r->SetUInt64(msg, f, n);
      return Status::Ok();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (v != "true" && v != "false") {
        return Status::InvalidArgument(f->name() + ": expected true or false, got '" + v + "'");
      }
      rep ? r->AddBool(msg, f, v == "true") : r->SetBool(msg, f, v == "true");
      return Status::Ok();
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByName(v);
      int n = 0;
      if (!e && ParseNumber(v, &n).ok()) e = f->enum_type()->FindValueByNumber(n);
      if (!e) return Status::InvalidArgument(f->name() + ": unknown value '" + v + "'");
      rep ? r->AddEnum(msg, f, e) : r->SetEnum(msg, f, e);
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument("field " + f->name() + " cannot be set from a URL");
  }
}

}  // namespace

Status SetFieldFromText(pb::Message* msg, const std::string& path, const std::string& value) {
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string name = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const pb::FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(name);
    if (!f) return Status::InvalidArgument("unknown parameter '" + path + "'");
    if (dot == std::string::npos) return SetScalar(msg, f, value);
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      return Status::InvalidArgument("unknown parameter '" + path + "'");
    }
    msg = msg->GetReflection()->MutableMessage(msg, f);
    start = dot + 1;
  }
}

RestGateway::RestGateway(std::shared_ptr<grpc::Channel> channel,
                         const std::vector<std::string>& services)
    : channel_(std::move(channel)) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const pb::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (!service) {
      FB_LOG(kError, "api") << "REST gateway: service " << name << " is not linked in";
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* m = service->method(i);
      if (!m->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule = m->options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&rule};
      for (const auto& extra : rule.additional_bindings()) rules.push_back(&extra);
      for (const auto* r : rules) {
        if (!r->get().empty()) AddRoute("GET", r->get(), r->body(), m);
        if (!r->post().empty()) AddRoute("POST", r->post(), r->body(), m);
        if (!r->put().empty()) AddRoute("PUT", r->put(), r->body(), m);
        if (!r->delete_().empty()) AddRoute("DELETE", r->delete_(), r->body(), m);
        if (!r->patch().empty()) AddRoute("PATCH", r->patch(), r->body(), m);
      }
    }
  }
}

RestGateway::~RestGateway() = default;

void RestGateway::AddRoute(const std::string& verb, const std::string& path,
                           const std::string& body, const pb::MethodDescriptor* method) {
  Route route;
  route.verb = verb;
  route.pattern = std::regex(PatternFor(path, &route.vars));
  route.body = body;
  route.method = method;
  routes_.push_back(std::move(route));
}

RestGateway::Response RestGateway::Handle(const Request& req) const {
  const pb::MethodDescriptor* method = nullptr;
  auto in = Decode(req, &method);
  if (!in.ok()) {
    Response error = ErrorResponse(in.status());
    const std::string& m = in.status().message();
    if (m.rfind(kUnsupportedType, 0) == 0 || m.rfind(kNoType, 0) == 0) error.status = 415;
    return error;
  }
  return Invoke(method, **in, req);
}

Result<std::unique_ptr<pb::Message>> RestGateway::Decode(const Request& req,
                                                         const pb::MethodDescriptor** method) const {
  if (req.path.size() > kMaxPathBytes) {
    return Status::InvalidArgument("the URL path is " + std::to_string(req.path.size()) +
                                   " bytes long; API paths are at most " +
                                   std::to_string(kMaxPathBytes));
  }
  for (const Route& route : routes_) {
    if (route.verb != req.method) continue;
    std::smatch match;
    if (std::regex_match(req.path, match, route.pattern)) {
      *method = route.method;
      return Build(route, match, req);
    }
  }
  return Status::NotFound("no API route for " + req.method + " " + req.path);
}

Result<std::unique_ptr<pb::Message>> RestGateway::Build(const Route& route, const std::smatch& match,
                                                        const Request& req) const {
  const pb::Message* proto =
      pb::MessageFactory::generated_factory()->GetPrototype(route.method->input_type());
  std::unique_ptr<pb::Message> in(proto->New());
  bool binary_in = server::MediaType(req.content_type) == kBinary;
  if (!route.body.empty() && !req.body.empty()) {
    pb::Message* target = in.get();
    if (route.body != "*") {
      const pb::FieldDescriptor* f = in->GetDescriptor()->FindFieldByName(route.body);
      if (!f) return Status::Internal("route body field missing: " + route.body);
      target = in->GetReflection()->MutableMessage(in.get(), f);
    }
    if (binary_in) {
      if (!target->ParseFromString(req.body)) {
        return Status::InvalidArgument("the body is not a valid binary " +
                                       target->GetDescriptor()->full_name());
      }
    } else if (ReadableBody(req)) {
      auto st = pb::util::JsonStringToMessage(req.body, target, pb::util::JsonParseOptions());
      if (!st.ok()) {
        return Status::InvalidArgument("the body is not valid JSON for " +
                                       target->GetDescriptor()->full_name() + ": " +
                                       std::string(st.message()));
      }
    } else {
      std::string got = req.content_type.empty() ? std::string("no Content-Type")
                                                 : kUnsupportedType + ("'" + req.content_type + "'");
      return Status::InvalidArgument(got + ": send application/json or application/octet-stream");
    }
  }
  for (size_t i = 0; i < route.vars.size(); ++i) {
    FB_RETURN_IF_ERROR(SetFieldFromText(in.get(), route.vars[i], match[i + 1].str()));
  }
  if (route.body != "*") {
    for (const auto& [k, v] : req.query) FB_RETURN_IF_ERROR(SetFieldFromText(in.get(), k, v));
  }
  return in;
}

RestGateway::Response RestGateway::Invoke(const pb::MethodDescriptor* method,
                                          const pb::Message& in, const Request& req) const {
  std::string wire = in.SerializeAsString();
  grpc::Slice slice(wire);
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  if (!req.authorization.empty()) ctx.AddMetadata("authorization", req.authorization);
  std::promise<grpc::Status> done;
  std::string path = "/" + method->service()->full_name() + "/" + method->name();
  stub.UnaryCall(&ctx, path, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return ErrorResponse(status.error_code(), status.error_message());

  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  Response out;
  if (Wants(req.accept, kBinary)) {
    out.content_type = kBinary;
    out.body = std::move(bytes);
    return out;
  }
  std::unique_ptr<pb::Message> msg(
      pb::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  if (!msg->ParseFromString(bytes)) return ErrorResponse(Status::Internal("unreadable response"));
  pb::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  auto st = pb::util::MessageToJsonString(*msg, &out.body, opts);
  if (!st.ok()) return ErrorResponse(Status::Internal(std::string(st.message())));
  out.content_type = kJson;
  return out;
}

}  // namespace flytebox::api
