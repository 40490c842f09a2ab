#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "flyteidl/core/literals.pb.h"

namespace flytebox::executor {

// Values for a container's command/args templates (contract section 4).
struct TemplateVars {
  std::string input;               // {{.input}}
  std::string input_prefix;        // {{.inputPrefix}}
  std::string output_prefix;       // {{.outputPrefix}}
  std::string raw_output_prefix;   // {{.rawOutputDataPrefix}}
  std::string checkpoint_prefix;   // {{.checkpointOutputPrefix}}
  std::string prev_checkpoint;     // {{.prevCheckpointPrefix}}; empty → the two chars ""
  std::string task_template_path;  // {{.taskTemplatePath}}
  std::string per_retry_key;       // {{.perRetryUniqueKey}}
  const flyteidl::core::LiteralMap* inputs = nullptr;  // {{.inputs.<name>}}
};

// Renders every `{{ .name }}` (case-insensitive, spaces allowed inside the braces).
// Unknown templates are left as they are; an unknown input is INVALID_ARGUMENT.
Result<std::string> Render(const std::string& text, const TemplateVars& vars);
Result<std::vector<std::string>> RenderAll(const std::vector<std::string>& texts,
                                           const TemplateVars& vars);

// A literal as text for {{.inputs.x}}: numbers and bools plain, datetime RFC 3339, blob →
// uri, collections `[a,b]`.
std::string LiteralText(const flyteidl::core::Literal& lit);

}  // namespace flytebox::executor
