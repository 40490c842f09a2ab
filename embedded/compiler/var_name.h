#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flytebox::compiler {

// The output a promise names: "o0", or "[2].o0" for element 2 of a collection output.
struct VarRef {
  std::string name;
  std::optional<int> index;
};

// Parses a promise's `var` as Flyte does (the whole string must hold exactly one match of
// `(\[\d+\]\.)?\w+`); nullopt when it does not.
std::optional<VarRef> ParseVarName(std::string_view text);

}  // namespace flytebox::compiler
