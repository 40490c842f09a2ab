#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <ostream>

#include "common/version.h"

namespace flytebox::cli {
namespace {

constexpr const char* kFooter =
    "Exit codes: 0 the thing asked for is true, 1 it is not (or failed), 2 bad command line.";

std::string VersionText() {
  return std::string("flytebox ") + kVersion + " (Flyte IDL " + kFlyteIdlVersion + ")";
}

}  // namespace

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Flytebox: a local Flyte cluster in one command.", "flytebox");
  app.footer(kFooter);
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  app.require_subcommand(0, 1);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "flytebox: " << e.what() << "\nRun 'flytebox --help' for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "flytebox: " << e.what() << "\n";
    return kExitFailure;
  }
  if (version) {
    out << VersionText() << "\n";
    return kExitOk;
  }
  out << app.help();
  return kExitOk;
}

}  // namespace flytebox::cli
