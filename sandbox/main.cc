// flytebox-sandbox: the supervisor. PID 1 of the image, or a detached process in native mode
// (started by `flytebox demo start`).
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/log.h"
#include "common/version.h"
#include "sandbox/supervisor_main.h"

int main(int argc, char** argv) {
  flytebox::sandbox::MainOptions options;
  std::string log_level = "info";
  CLI::App app("flytebox-sandbox: starts, watches and stops the Flytebox components",
               "flytebox-sandbox");
  app.set_version_flag("--version", std::string("flytebox-sandbox ") + flytebox::kVersion);
  app.add_option("--config", options.config_path, "Supervisor configuration (JSON)")->required();
  app.add_option("--pid-file", options.pid_file, "Written with this process's id; removed at exit");
  app.add_option("--notify-fd", options.notify_fd,
                 "Descriptor that receives progress lines (ready NAME, exit NAME ..., up)");
  app.add_option("--keep-fd", options.keep_fds,
                 "Inherited descriptor to hold open for the supervisor's lifetime (a lock)");
  app.add_option("--log-level", log_level, "debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  flytebox::log::Level level;
  if (!flytebox::log::ParseLevel(log_level, &level)) {
    std::cerr << "flytebox-sandbox: unknown log level '" << log_level << "'\n";
    return 2;
  }
  flytebox::log::SetLevel(level);
  return flytebox::sandbox::SupervisorMain(options);
}
