#pragma once

#include <string>

#include "tests/unit/proto_text.h"

namespace flytebox::executor::testing {

// A message from protobuf text format.
template <typename T>
T Text(const std::string& text) {
  return flytebox::testing::ParseText<T>(text);
}

}  // namespace flytebox::executor::testing
