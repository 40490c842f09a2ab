#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "common/result.h"

namespace grpc {
class Channel;
}
namespace google::protobuf {
class MethodDescriptor;
class Message;
}  // namespace google::protobuf

namespace flytebox::api {

// The REST gateway, made from the `google.api.http` annotations of the served services:
// each route builds the gRPC request from path variables, query parameters and body, and
// calls the same gRPC service in-process, so REST and gRPC share one implementation and
// one set of error codes. Bodies: protojson (proto field names) by default,
// binary protobuf for `application/octet-stream`. Thread-safe after construction.
class RestGateway {
 public:
  struct Request {
    std::string method;  // GET, POST, PUT, PATCH, DELETE
    std::string path;    // decoded path, no query
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
    std::string content_type;
    std::string accept;
    std::string body;
    // Passed on as the call's `authorization` metadata (the gRPC side checks it under --auth).
    std::string authorization;
  };
  struct Response {
    int status = 200;
    std::string content_type;
    std::string body;
  };

  // `services`: full names such as "flyteidl.service.AdminService".
  RestGateway(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& services);
  ~RestGateway();

  // Nothing matched: 404 with a JSON error.
  Response Handle(const Request& req) const;

  // Matches a route and builds its gRPC request message from the URL and body, without
  // calling anything: NOT_FOUND when no route matches, INVALID_ARGUMENT for bad input.
  // On success `*method` names the RPC. Never throws, whatever the input (fuzzed).
  Result<std::unique_ptr<google::protobuf::Message>> Decode(
      const Request& req, const google::protobuf::MethodDescriptor** method) const;
  size_t route_count() const { return routes_.size(); }

 private:
  struct Route {
    std::string verb;
    std::regex pattern;
    std::vector<std::string> vars;  // field paths, in capture order
    std::string body;               // "", "*", or a field name
    const google::protobuf::MethodDescriptor* method;
  };
  void AddRoute(const std::string& verb, const std::string& path, const std::string& body,
                const google::protobuf::MethodDescriptor* method);
  Result<std::unique_ptr<google::protobuf::Message>> Build(const Route& route,
                                                           const std::smatch& match,
                                                           const Request& req) const;
  Response Invoke(const google::protobuf::MethodDescriptor* method,
                  const google::protobuf::Message& in, const Request& req) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::vector<Route> routes_;
};

// Sets the (possibly nested, dotted) field of `msg` from its text form, as a URL carries it.
Status SetFieldFromText(google::protobuf::Message* msg, const std::string& path,
                        const std::string& value);

}  // namespace flytebox::api
