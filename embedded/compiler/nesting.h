#pragma once

#include "common/status.h"
#include "flyteidl/admin/workflow.pb.h"

namespace flytebox::compiler {

// How deep sub-workflows, branches and array nodes may nest in one workflow.
constexpr int kMaxNestingDepth = 100;

// INVALID_ARGUMENT when the primary workflow nests sub-workflows, branch cases and array
// nodes more than `max_depth` levels deep. Walks the sub-workflow references without
// recursion (a client may send a chain of any length); a sub-workflow used inside itself is
// left to the compiler, which reports it.
Status CheckNestingDepth(const flyteidl::admin::WorkflowSpec& spec,
                         int max_depth = kMaxNestingDepth);

}  // namespace flytebox::compiler
