// flytebox-engine: the Flyte control plane on one port. Usually started by the supervisor.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/log.h"
#include "common/version.h"
#include "embedded/engine.h"

int main(int argc, char** argv) {
  using flytebox::engine::EngineOptions;
  EngineOptions options;
  std::string data_dir = "./flytebox-data";
  std::string log_level = "info";
  std::string storage = "file";
  CLI::App app("flytebox-engine: the Flyte control plane in one process", "flytebox-engine");
  app.set_version_flag("--version", std::string("flytebox-engine ") + flytebox::kVersion);
  app.add_option("--bind", options.bind_address, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port for gRPC, REST and signed URLs (0: any free)")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "State folder (database, objects)")->capture_default_str();
  app.add_option("--database", options.database,
                 "sqlite:PATH or postgres:CONNINFO (default: sqlite in the data dir)");
  app.add_option("--public-url", options.public_url,
                 "Base URL the host uses to reach this port (default http://localhost:PORT)");
  app.add_option("--python", options.python,
                 "Python whose environment has flytekit; tasks run as its processes")
      ->capture_default_str();
  app.add_option("--max-parallel-tasks", options.max_parallel_tasks,
                 "Task processes running at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--log-level", log_level, "debug, info, warn, error")->capture_default_str();
  app.add_option("--console-dir", options.console_dir,
                 "Built web console served at /console (default: next to this program)");
  app.add_flag("!--no-executions", options.run_executions,
               "Serve the API only: executions are recorded but not run");
  app.add_option("--storage", storage,
                 "Object store: file (the data dir) or s3 (credentials from the environment: "
                 "FLYTEBOX_S3_ACCESS_KEY, FLYTEBOX_S3_SECRET_KEY)")
      ->check(CLI::IsMember({"file", "s3"}))
      ->capture_default_str();
  app.add_option("--s3-endpoint", options.s3.endpoint,
                 "S3 URL for the engine and its tasks, e.g. http://127.0.0.1:30002");
  app.add_option("--s3-public-endpoint", options.s3.public_endpoint,
                 "S3 URL the host uses, for signed URLs (default: --s3-endpoint)");
  app.add_option("--s3-region", options.s3.region, "S3 region")->capture_default_str();
  app.add_option("--bucket", options.bucket, "Bucket for objects")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  flytebox::log::Level level;
  if (!flytebox::log::ParseLevel(log_level, &level)) {
    std::cerr << "flytebox-engine: unknown log level '" << log_level << "'\n";
    return 2;
  }
  flytebox::log::SetLevel(level);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "flytebox-engine: cannot create " << data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  if (options.database.empty()) options.database = "sqlite:" + data_dir + "/flytebox.db";
  options.blob_root = data_dir + "/blobs";
  options.work_dir = data_dir + "/work";
  options.url_secret = std::getenv("FLYTEBOX_URL_SECRET") ? std::getenv("FLYTEBOX_URL_SECRET") : "";
  if (storage == "s3") {
    // Credentials come from the environment, never argv (visible to every user in ps).
    const char* access_key = std::getenv("FLYTEBOX_S3_ACCESS_KEY");
    const char* secret_key = std::getenv("FLYTEBOX_S3_SECRET_KEY");
    if (options.s3.endpoint.empty() || !access_key || !*access_key || !secret_key || !*secret_key) {
      std::cerr << "flytebox-engine: --storage s3 needs --s3-endpoint and the environment "
                   "variables FLYTEBOX_S3_ACCESS_KEY and FLYTEBOX_S3_SECRET_KEY\n";
      return 2;
    }
    options.storage = EngineOptions::Storage::kS3;
    options.s3.access_key = access_key;
    options.s3.secret_key = secret_key;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit the mask

  auto engine = flytebox::engine::Engine::Start(options);
  if (!engine.ok()) {
    std::cerr << "flytebox-engine: " << engine.status().ToString() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  FB_LOG(kInfo, "engine") << "signal " << sig << ": shutting down";
  (*engine)->Stop();
  return 0;
}
