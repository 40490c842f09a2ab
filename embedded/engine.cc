#include "embedded/engine.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/log.h"
#include "embedded/admin/admin.h"
#include "embedded/api/call_auth.h"
#include "embedded/api/grpc_status.h"
#include "embedded/api/rest_gateway.h"
#include "embedded/api/services.h"
#include "embedded/auth/http_access.h"
#include "embedded/auth/token_endpoint.h"
#include "embedded/executor/executor.h"
#include "embedded/executor/kube_runner.h"
#include "embedded/executor/local_runner.h"
#include "embedded/kube/kubeconfig.h"
#include "embedded/scheduler/notifications_http.h"
#include "embedded/scheduler/scheduler.h"
#include "embedded/server/http_guard.h"
#include "embedded/server/http_threads.h"
#include "embedded/server/mux.h"
#include "embedded/server/static_site.h"
#include "embedded/server/supervisor_status.h"

namespace flytebox::engine {
namespace {

constexpr char kLog[] = "engine";
constexpr int kMaxMessageBytes = 32 << 20;

Result<std::unique_ptr<store::MetadataStore>> OpenDatabase(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) return store::OpenSqlite({url.substr(7)});
  if (url.rfind("postgres:", 0) == 0) return store::OpenPostgres({url.substr(9)});
  return Status::InvalidArgument("database '" + url +
                                 "' must start with sqlite: or postgres:");
}

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
}

int HttpCode(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kPermissionDenied: return 403;
    case Code::kUnauthenticated: return 401;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kResourceExhausted: return 413;
    case Code::kFailedPrecondition: return 412;
    case Code::kUnimplemented: return 501;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    default: return 500;
  }
}

void SendError(httplib::Response& res, const Status& st) {
  res.status = HttpCode(st.code());
  res.set_content(st.ToString() + "\n", "text/plain");
}

// Who may talk HTTP: the engine's port and the public URL's host and port.
server::HttpGuardOptions GuardOptions(const std::string& public_url, int port) {
  server::HttpGuardOptions o;
  o.ports = {port};
  o.max_api_body = kMaxMessageBytes;
  size_t sep = public_url.find("://");
  std::string scheme = sep == std::string::npos ? "http" : public_url.substr(0, sep);
  std::string rest = sep == std::string::npos ? public_url : public_url.substr(sep + 3);
  std::string authority = rest.substr(0, rest.find('/'));
  size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  std::string host = has_port ? authority.substr(0, colon) : authority;
  int public_port = scheme == "https" ? 443 : 80;
  if (has_port) public_port = std::atoi(authority.c_str() + colon + 1);
  if (public_port > 0 && public_port != port) o.ports.push_back(public_port);
  if (!host.empty()) o.hosts.push_back(host);
  if (scheme != "http") o.schemes.push_back(scheme);
  return o;
}

class EngineImpl : public Engine {
 public:
  Status Init(const EngineOptions& options) {
    FB_RETURN_IF_ERROR(MakeAuthority(options.auth));
    FB_ASSIGN_OR_RETURN(store_, OpenDatabase(options.database));
    FB_RETURN_IF_ERROR(OpenBlobs(options));
    admin::AdminOptions admin_options{store_.get(), blobs_.get()};
    admin_options.on_launch_plan_saved = [this](const flyteidl::admin::LaunchPlan& lp) {
      if (scheduler_) scheduler_->OnLaunchPlanChanged(lp);
    };
    admin_options.on_execution_saved = [this](const flyteidl::admin::Execution& exec) {
      if (notifier_) notifier_->OnExecutionSaved(exec);
    };
    admin_ = std::make_unique<admin::Admin>(std::move(admin_options));
    FB_RETURN_IF_ERROR(admin_->Seed());
    StartScheduling();
    signer_ = std::make_unique<dataproxy::UrlSigner>(
        options.url_secret.empty() ? dataproxy::UrlSigner::NewSecret() : options.url_secret);
    supervisor_status_ = options.supervisor_status;
    console_ = std::make_unique<server::StaticSite>(server::FindConsoleDir(options.console_dir),
                                                    "/console");
    if (!console_->available()) {
      FB_LOG(kWarn, kLog) << "the web console is off: no built console found"
                          << (options.console_dir.empty() ? "" : " in " + options.console_dir)
                          << " (build with npm installed, or pass --console-dir)";
    }
    FB_RETURN_IF_ERROR(StartHttp());
    FB_RETURN_IF_ERROR(StartGrpc());
    gateway_ = std::make_unique<api::RestGateway>(
        grpc_->InProcessChannel(grpc::ChannelArguments()),
        std::vector<std::string>{"flyteidl.service.AdminService", "flyteidl.service.DataProxyService",
                                 "flyteidl.service.AuthMetadataService",
                                 "flyteidl.service.IdentityService",
                                 "flyteidl.service.SignalService"});
    server::Mux::Options mux_options;
    mux_options.bind_address = options.bind_address;
    mux_options.port = options.port;
    mux_options.http_port = http_port_;
    mux_options.grpc_handoff = [this](int fd) { grpc::AddInsecureChannelFromFd(grpc_.get(), fd); };
    FB_ASSIGN_OR_RETURN(mux_, server::Mux::Listen(mux_options));
    std::string public_url = options.public_url.empty()
                                 ? "http://localhost:" + std::to_string(mux_->port())
                                 : options.public_url;
    server::HttpGuardOptions guard_options = GuardOptions(public_url, mux_->port());
    if (authority_) guard_options.form_paths.push_back(auth::kTokenPath);
    guard_owner_ = std::make_unique<server::HttpGuard>(std::move(guard_options));
    guard_ = guard_owner_.get();
    if (!minter_) minter_ = std::make_unique<dataproxy::EngineUrlMinter>(public_url, signer_.get());
    proxy_ = std::make_unique<dataproxy::DataProxy>(dataproxy::DataProxyOptions{
        blobs_.get(), minter_.get(),
        options.storage == EngineOptions::Storage::kFile ? signer_.get() : nullptr, Clock::Real(),
        [this](const flyteidl::core::NodeExecutionIdentifier& id) -> Result<std::string> {
          flyteidl::admin::NodeExecutionGetRequest req;
          *req.mutable_id() = id;
          FB_ASSIGN_OR_RETURN(auto node, admin_->GetNodeExecution(req));
          return node.closure().deck_uri();
        }});
    auth_ = std::make_unique<api::AuthMetadataServiceImpl>(public_url, authority_.get());
    if (options.run_executions) FB_RETURN_IF_ERROR(StartExecutor(options, public_url));
    scheduler_->Start();  // after the executor, so that it sees the first firings
    mux_->Start();
    FB_LOG(kInfo, kLog) << "serving gRPC and HTTP on " << options.bind_address << ":"
                        << mux_->port()
                        << (authority_ ? " (--auth: every call needs a token)" : "");
    return Status::Ok();
  }

  int port() const override { return mux_->port(); }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (mux_) mux_->Stop();
    if (grpc_) grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    if (http_) http_->stop();
    if (http_thread_.joinable()) http_thread_.join();
    if (scheduler_) scheduler_->Stop();
    if (notifier_) notifier_->Stop();
    if (executor_) executor_->Stop();
    if (admin_) admin_->SetHooks(nullptr);
    runner_.reset();  // stops running attempts; their nodes resume after a restart
    executor_.reset();
  }

  ~EngineImpl() override { Stop(); }

 private:
  Status MakeAuthority(const EngineOptions::Auth& options) {
    if (!options.enabled) return Status::Ok();
    if (options.client_id.empty() || options.client_secret.size() < 16) {
      return Status::InvalidArgument(
          "--auth needs a client id and a client secret of at least 16 characters");
    }
    if (options.token_ttl_seconds < 1) {
      return Status::InvalidArgument("the token lifetime must be at least one second");
    }
    auth::AuthOptions o;
    o.client_id = options.client_id;
    o.client_secret = options.client_secret;
    o.token_ttl = std::chrono::seconds(options.token_ttl_seconds);
    authority_ = std::make_unique<auth::TokenAuthority>(std::move(o));
    return Status::Ok();
  }

  // FlyteScheduler's part: schedules of active launch plans, and notifications.
  void StartScheduling() {
    notifier_ = std::make_unique<scheduler::Notifier>(
        scheduler::NotifierOptions{admin_.get(), store_.get()});
    notifier_->Start();
    scheduler_ = std::make_unique<scheduler::Scheduler>(
        scheduler::SchedulerOptions{admin_.get(), store_.get()});
  }

  // The S3 settings tasks get: the tasks' account when there is one.
  static blob::S3Config TaskS3(const EngineOptions& options) {
    blob::S3Config task = options.s3;
    task.bucket = options.bucket;
    if (!options.s3_task_access_key.empty()) {
      task.access_key = options.s3_task_access_key;
      task.secret_key = options.s3_task_secret_key;
    }
    return task;
  }

  // The data plane: tasks as local processes, driven by the executor.
  Status StartExecutor(const EngineOptions& options, const std::string& public_url) {
    std::string work = options.work_dir.empty() ? options.blob_root + "/../work" : options.work_dir;
    executor::LocalRunnerOptions ro;
    ro.python = options.python;
    ro.work_root = work + "/scratch";
    ro.max_parallel = options.max_parallel_tasks;
    std::map<std::string, std::string> env;
    env["FLYTE_PLATFORM_URL"] = "localhost:" + std::to_string(mux_->port());
    env["FLYTE_PLATFORM_INSECURE"] = "true";
    if (options.storage == EngineOptions::Storage::kS3)
      env.merge(blob::FlytekitEnv(TaskS3(options)));
    ro.base_env = env;
    if (!options.kubeconfig.empty()) {
      FB_ASSIGN_OR_RETURN(runner_, StartKubeRunner(options, admin_.get(), blobs_.get()));
    } else {
      runner_ = executor::NewLocalRunner(ro);
    }
    executor::ExecutorOptions eo;
    eo.admin = admin_.get();
    eo.blobs = blobs_.get();
    eo.runner = runner_.get();
    eo.log_dir = work + "/logs";
    eo.work_dir = work;
    eo.public_url = public_url;
    FB_ASSIGN_OR_RETURN(executor_, executor::Executor::Start(eo));
    admin_->SetHooks(executor_.get());
    return Status::Ok();
  }

  // Tasks as pods: the object store's endpoint in their environment, its credentials in a
  // Secret; the platform URL is left out (localhost is not the engine inside a pod).
  static Result<std::unique_ptr<executor::TaskRunner>> StartKubeRunner(const EngineOptions& options,
                                                                       admin::Admin* admin,
                                                                       blob::BlobStore* blobs) {
    FB_ASSIGN_OR_RETURN(kube::ClusterAccess access,
                        kube::LoadKubeconfig(options.kubeconfig, options.kube_context));
    FB_ASSIGN_OR_RETURN(std::unique_ptr<kube::Client> client, kube::Client::Open(access));
    FB_ASSIGN_OR_RETURN(kube::Response version, client->Call("GET", "/version"));
    if (!version.ok()) return kube::StatusOf(version, "Kubernetes API " + access.server);
    executor::KubeRunnerOptions ko;
    for (auto& [name, value] : blob::FlytekitEnv(TaskS3(options))) {
      (name == "FLYTE_AWS_ENDPOINT" ? ko.pods.env : ko.secret_env)[name] = value;
    }
    ko.finished_pod_ttl = std::chrono::seconds(options.kube_pod_ttl_seconds);
    for (const auto& t : options.kube_interruptible_tolerations) {
      FB_ASSIGN_OR_RETURN(nlohmann::json toleration, executor::ParseToleration(t));
      ko.pods.interruptible_tolerations.push_back(std::move(toleration));
    }
    ko.pods.interruptible_node_selector = options.kube_interruptible_node_selector;
    ko.cluster_resources = [admin](const std::string& project, const std::string& domain) {
      return admin->ClusterResourceAttributesFor(project, domain);
    };
    auto set = [](const std::optional<std::string>& flag, std::string* value) {
      if (flag) *value = *flag == "none" ? "" : *flag;
    };
    set(options.kube_default_cpu, &ko.pods.default_cpu);
    set(options.kube_default_cpu_limit, &ko.pods.default_cpu_limit);
    set(options.kube_default_memory, &ko.pods.default_memory);
    set(options.kube_default_memory_limit, &ko.pods.default_memory_limit);
    if (!options.kube_namespace_template.empty()) {
      ko.pods.namespace_template = options.kube_namespace_template;
    }
    if (!options.kube_copilot_image.empty()) ko.pods.copilot_image = options.kube_copilot_image;
    ko.blobs = blobs;
    FB_LOG(kInfo, kLog) << "tasks run as pods on " << access.server << " (context "
                        << access.context << "); they reach objects at " << options.s3.endpoint;
    return executor::NewKubeRunner(std::move(client), std::move(ko));
  }

  // The object store; for S3 also its URL minter, after checking that the server answers
  // and creating the bucket.
  Status OpenBlobs(const EngineOptions& options) {
    if (options.storage == EngineOptions::Storage::kFile) {
      FB_ASSIGN_OR_RETURN(blobs_, blob::OpenFileStore(options.blob_root, options.bucket));
      return Status::Ok();
    }
    blob::S3Config config = options.s3;
    config.bucket = options.bucket;
    FB_ASSIGN_OR_RETURN(std::unique_ptr<blob::S3Store> s3, blob::OpenS3Store(config));
    // With a tasks' account, its HEAD (granted already) is the one request of a start.
    FB_RETURN_IF_ERROR(options.s3_task_access_key.empty()
                           ? s3->EnsureBucket()
                           : blob::EnsureTaskAccess(*s3, TaskS3(options)));
    FB_LOG(kInfo, kLog) << "objects in s3://" << config.bucket << " at " << config.endpoint;
    minter_ = std::make_unique<dataproxy::S3UrlMinter>(s3.get());
    blobs_ = std::move(s3);
    return Status::Ok();
  }

  Status StartGrpc() {
    admin_service_ = std::make_unique<api::AdminServiceImpl>(admin_.get(), authority_.get());
    proxy_service_ = std::make_unique<DataProxyForwarder>(this);
    identity_ = std::make_unique<api::IdentityServiceImpl>(authority_.get());
    signals_ = std::make_unique<api::SignalServiceImpl>(admin_.get(), authority_.get());
    grpc::ServerBuilder builder;
    builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
    builder.SetMaxSendMessageSize(kMaxMessageBytes);
    // flytekit pings every 30 s even with no call in flight: accept that, never GOAWAY.
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> hooks;
    hooks.push_back(api::NewErrorInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(hooks));
    builder.RegisterService(admin_service_.get());
    builder.RegisterService(proxy_service_.get());
    builder.RegisterService(&auth_forwarder_);
    builder.RegisterService(identity_.get());
    builder.RegisterService(signals_.get());
    auth_forwarder_.engine = this;
    grpc_ = builder.BuildAndStart();
    if (!grpc_) return Status::Internal("the gRPC server did not start");
    return Status::Ok();
  }

  Status StartHttp() {
    http_ = std::make_unique<httplib::Server>();
    server::HardenHttpServer(*http_);
    http_->set_payload_max_length(dataproxy::DataProxy::kMaxUploadBytes);
    // Every route passes the guard before its body is read (see http_guard.h).
    http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return Guard(req, res) && Authenticate(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                                       : httplib::Server::HandlerResponse::Handled;
    });
    AddAuthRoutes();
    http_->Get(R"(/logs/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!executor_) return SendError(res, Status::NotFound("no executor"));
      auto path = executor_->LogFile(req.matches[1]);
      if (!path.ok()) return SendError(res, path.status());
      std::ifstream in(*path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      res.set_content(std::move(text), "text/plain; charset=utf-8");
    });
    // Notifications delivered by the engine (no FlyteAdmin call lists them); see
    // docs/SCHEDULES.md.
    http_->Get("/api/v1/notifications", [this](const httplib::Request& req,
                                               httplib::Response& res) {
      std::map<std::string, std::string> params(req.params.begin(), req.params.end());
      auto json = scheduler::NotificationsJson(*notifier_, params);
      if (!json.ok()) return SendError(res, json.status());
      res.set_content(std::move(json).value(), "application/json");
    });
    // The sandbox's own state for the console's status page: the supervisor's status document
    // (components, versions, memory) passed through.
    http_->Get("/api/v1/sandbox/status", [this](const httplib::Request&, httplib::Response& res) {
      if (supervisor_status_.empty()) {
        return SendError(res, Status::NotFound("this engine was not started by the flytebox "
                                               "supervisor, so there is no sandbox status"));
      }
      auto doc = server::FetchSupervisorStatus(supervisor_status_, std::chrono::seconds(2));
      if (!doc.ok()) return SendError(res, doc.status());
      res.set_content(std::move(doc).value(), "application/json; charset=utf-8");
    });
    // Store writes the executor could not make are counted here as well as logged.
    http_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      uint64_t failed = executor_ ? executor_->failed_writes() : 0;
      res.set_content("{\"status\":\"ok\",\"failed_writes\":" + std::to_string(failed) + "}\n",
                      "application/json");
    });
    http_->Put(R"(/blobs/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      Status st = proxy_->Upload(req.matches[1], Param(req, "expires"), Param(req, "md5"),
                                 Param(req, "signature"), req.get_header_value("Content-MD5"),
                                 req.body);
      if (!st.ok()) return SendError(res, st);
      res.status = 200;
    });
    http_->Get(R"(/blobs/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      auto data = proxy_->Download(req.matches[1], Param(req, "expires"), Param(req, "signature"));
      if (!data.ok()) return SendError(res, data.status());
      res.set_content(std::move(data).value(), "application/octet-stream");
    });
    auto console = [this](const httplib::Request& req, httplib::Response& res) {
      server::StaticSite::Reply reply = console_->Get(req.path);
      res.status = reply.status;
      if (!reply.location.empty()) res.set_header("Location", reply.location);
      if (!reply.cache_control.empty()) res.set_header("Cache-Control", reply.cache_control);
      res.set_header("X-Content-Type-Options", "nosniff");
      if (!reply.content_type.empty()) res.set_content(std::move(reply.body), reply.content_type);
    };
    http_->Get("/console", console);
    http_->Get(R"(/console/.*)", console);
    http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/console/");
    });
    auto rest = [this](const httplib::Request& req, httplib::Response& res) { ServeRest(req, res); };
    http_->Get(R"(/api/v1/.*)", rest);
    http_->Post(R"(/api/v1/.*)", rest);
    http_->Put(R"(/api/v1/.*)", rest);
    http_->Patch(R"(/api/v1/.*)", rest);
    http_->Delete(R"(/api/v1/.*)", rest);
    http_->Get(R"(/\.well-known/.*)", rest);
    http_->Get("/config/v1/flyte_client", rest);
    http_port_ = http_->bind_to_any_port("127.0.0.1");
    if (http_port_ <= 0) return Status::Unavailable("cannot bind the internal HTTP server");
    http_thread_ = std::thread([this] { http_->listen_after_bind(); });
    return Status::Ok();
  }

  // False (and the refusal written) when the request may not go on.
  bool Guard(const httplib::Request& req, httplib::Response& res) const {
    const server::HttpGuard* guard = guard_.load();
    if (!guard) {
      res.status = 503;
      return false;
    }
    server::HttpRequestHead head{req.method,
                                 req.path,
                                 req.get_header_value("Host"),
                                 req.get_header_value("Origin"),
                                 req.get_header_value("Content-Type"),
                                 req.get_header_value("Content-Length"),
                                 req.get_header_value("Transfer-Encoding"),
                                 req.get_header_value("Sec-Fetch-Site"),
                                 req.get_header_value("Sec-Fetch-Mode")};
    auto refusal = guard->Check(head);
    if (!refusal) return true;
    FB_LOG(kInfo, kLog) << "refused " << req.method << " " << req.path << ": "
                        << refusal->message;
    res.status = refusal->status;
    res.set_header("Connection", "close");  // an unread body must not become a request
    res.set_content(refusal->JsonBody(), "application/json");
    return false;
  }

  // Under --auth: false (and the refusal written) for a request without a valid token; the
  // token found is kept for the REST gateway's call (see auth/http_access.h).
  bool Authenticate(const httplib::Request& req, httplib::Response& res) const {
    if (!authority_) return true;
    auth::HttpAccess access = auth::CheckHttpAccess(
        *authority_, req.method, req.path, req.has_param("signature"),
        req.get_header_value("Authorization"), req.get_header_value("Cookie"));
    switch (access.kind) {
      case auth::HttpAccess::Kind::kAllow: return true;
      case auth::HttpAccess::Kind::kRedirectToLogin:
        res.status = 302;
        res.set_header("Location", auth::kLoginPath);
        return false;
      case auth::HttpAccess::Kind::kUnauthorized: break;
    }
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer realm=\"flytebox\"");
    res.set_header("Connection", "close");  // an unread body must not become a request
    res.set_content(server::HttpRefusal{401, 16, access.message}.JsonBody(), "application/json");
    return false;
  }

  // The OAuth2 token endpoint and the console's login, under --auth.
  void AddAuthRoutes() {
    if (!authority_) return;
    http_->Post(auth::kTokenPath, [this](const httplib::Request& req, httplib::Response& res) {
      auth::TokenReply reply =
          auth::HandleTokenRequest(*authority_, req.get_header_value("Content-Type"),
                                   req.get_header_value("Authorization"), req.body);
      res.status = reply.status;
      res.set_header("Cache-Control", "no-store");
      if (!reply.www_authenticate.empty())
        res.set_header("WWW-Authenticate", reply.www_authenticate);
      res.set_content(std::move(reply.body), "application/json");
    });
    http_->Get(auth::kLoginPath, [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(auth::LoginPageHtml(), "text/html; charset=utf-8");
    });
    http_->Post(auth::kLoginPath, [this](const httplib::Request& req, httplib::Response& res) {
      auth::LoginReply reply = auth::HandleLogin(*authority_, req.body);
      res.status = reply.status;
      if (!reply.set_cookie.empty()) res.set_header("Set-Cookie", reply.set_cookie);
      res.set_content(std::move(reply.body), "application/json");
    });
  }

  void ServeRest(const httplib::Request& req, httplib::Response& res) {
    if (!gateway_) {
      res.status = 503;
      return;
    }
    api::RestGateway::Request in;
    in.method = req.method;
    in.path = req.path;
    for (const auto& [k, v] : req.params) in.query.emplace_back(k, v);
    in.content_type = req.get_header_value("Content-Type");
    in.accept = req.get_header_value("Accept");
    in.body = req.body;
    if (authority_) {
      std::string session = auth::CookieValue(req.get_header_value("Cookie"), auth::kSessionCookie);
      in.authorization = req.has_header("Authorization") ? req.get_header_value("Authorization")
                         : session.empty()               ? ""
                                                         : "Bearer " + session;
    }
    api::RestGateway::Response out = gateway_->Handle(in);
    res.status = out.status;
    // With a charset, httplib leaves JSON uncompressed: a browser accepts Brotli, which httplib
    // runs at its slowest quality (seconds for a 1,000-node workflow on a busy machine).
    if (out.content_type == "application/json") out.content_type = "application/json; charset=utf-8";
    res.set_content(std::move(out.body), out.content_type.c_str());
  }

  // The data proxy needs the public port, known only after the mux binds; these forward
  // to objects made after the gRPC server is built.
  struct DataProxyForwarder final : api::fsvc::DataProxyService::Service {
    explicit DataProxyForwarder(EngineImpl* e) : engine(e) {}
    grpc::Status CreateUploadLocation(grpc::ServerContext* ctx,
                                      const api::fsvc::CreateUploadLocationRequest* req,
                                      api::fsvc::CreateUploadLocationResponse* resp) override {
      return api::DataProxyServiceImpl(engine->proxy_.get(), engine->authority_.get())
          .CreateUploadLocation(ctx, req, resp);
    }
    grpc::Status CreateDownloadLocation(grpc::ServerContext* ctx,
                                        const api::fsvc::CreateDownloadLocationRequest* req,
                                        api::fsvc::CreateDownloadLocationResponse* resp) override {
      return api::DataProxyServiceImpl(engine->proxy_.get(), engine->authority_.get())
          .CreateDownloadLocation(ctx, req, resp);
    }
    grpc::Status CreateDownloadLink(grpc::ServerContext* ctx,
                                    const api::fsvc::CreateDownloadLinkRequest* req,
                                    api::fsvc::CreateDownloadLinkResponse* resp) override {
      grpc::Status denied = api::Authorize(ctx, engine->authority_.get());
      if (!denied.ok()) return denied;
      return api::Reply("CreateDownloadLink", resp,
                        [&] { return engine->proxy_->CreateDownloadLink(*req); });
    }
    // Inputs and outputs from Admin; a deck as CreateDownloadLink gives it.
    grpc::Status GetData(grpc::ServerContext* ctx, const api::fsvc::GetDataRequest* req,
                         api::fsvc::GetDataResponse* resp) override {
      grpc::Status denied = api::Authorize(ctx, engine->authority_.get());
      if (!denied.ok()) return denied;
      return api::Reply("GetData", resp, [&]() -> Result<api::fsvc::GetDataResponse> {
        FB_ASSIGN_OR_RETURN(admin::FlyteUrl url, admin::ParseFlyteUrl(req->flyte_url()));
        if (url.kind != 'd') return engine->admin_->GetData(*req);
        api::fsvc::CreateDownloadLinkRequest link;
        link.set_artifact_type(api::fsvc::ARTIFACT_TYPE_DECK);
        *link.mutable_node_execution_id() = url.node;
        FB_ASSIGN_OR_RETURN(auto made, engine->proxy_->CreateDownloadLink(link));
        api::fsvc::GetDataResponse out;
        *out.mutable_pre_signed_urls() = made.pre_signed_urls();
        return out;
      });
    }
    EngineImpl* engine;
  };
  struct AuthForwarder final : api::fsvc::AuthMetadataService::Service {
    grpc::Status GetOAuth2Metadata(grpc::ServerContext* ctx, const api::fsvc::OAuth2MetadataRequest* req,
                                   api::fsvc::OAuth2MetadataResponse* resp) override {
      return engine->auth_->GetOAuth2Metadata(ctx, req, resp);
    }
    grpc::Status GetPublicClientConfig(grpc::ServerContext* ctx,
                                       const api::fsvc::PublicClientAuthConfigRequest* req,
                                       api::fsvc::PublicClientAuthConfigResponse* resp) override {
      return engine->auth_->GetPublicClientConfig(ctx, req, resp);
    }
    EngineImpl* engine = nullptr;
  };

  std::unique_ptr<auth::TokenAuthority> authority_;  // null without --auth
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<admin::Admin> admin_;
  std::unique_ptr<dataproxy::UrlSigner> signer_;
  std::unique_ptr<dataproxy::UrlMinter> minter_;
  std::unique_ptr<dataproxy::DataProxy> proxy_;
  std::unique_ptr<api::AdminServiceImpl> admin_service_;
  std::unique_ptr<DataProxyForwarder> proxy_service_;
  std::unique_ptr<api::AuthMetadataServiceImpl> auth_;
  AuthForwarder auth_forwarder_;
  std::unique_ptr<api::IdentityServiceImpl> identity_;
  std::unique_ptr<api::SignalServiceImpl> signals_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<api::RestGateway> gateway_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<server::StaticSite> console_;
  std::string supervisor_status_;  // where the supervisor's status is read; empty: none
  std::thread http_thread_;
  int http_port_ = 0;
  std::unique_ptr<server::Mux> mux_;
  // Made once the public port is known; the HTTP server, already listening, reads it.
  std::unique_ptr<server::HttpGuard> guard_owner_;
  std::atomic<const server::HttpGuard*> guard_{nullptr};
  std::unique_ptr<scheduler::Notifier> notifier_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<executor::TaskRunner> runner_;
  std::unique_ptr<executor::Executor> executor_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Start(const EngineOptions& options) {
  auto engine = std::make_unique<EngineImpl>();
  FB_RETURN_IF_ERROR(engine->Init(options));
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace flytebox::engine
