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
  app.add_option("--log-level", log_level, "debug, info, warn, error")->capture_default_str();
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
  options.url_secret = std::getenv("FLYTEBOX_URL_SECRET") ? std::getenv("FLYTEBOX_URL_SECRET") : "";

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
