#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include "tests/unit/temp_dir.h"

namespace flytebox::sandbox::testing {

using flytebox::testing::TempDir;

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace flytebox::sandbox::testing
