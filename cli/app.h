#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/environment.h"
#include "cli/exit_codes.h"

namespace flytebox::cli {

// Parses and runs one command line. Never throws. `out`/`err` receive the user-facing text.
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env);
// The same in the calling process's environment.
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flytebox::cli
