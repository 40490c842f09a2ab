#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "flyteidl/core/condition.pb.h"
#include "flyteidl/core/literals.pb.h"
#include "flyteidl/core/types.pb.h"

namespace flytebox::executor {

// Looks up the outputs of an upstream node ("start-node" for the workflow's inputs).
using OutputsOf = std::function<Result<const flyteidl::core::LiteralMap*>(const std::string& node)>;

// Resolves one binding (promises with attr_path, scalars, collections, maps, unions).
// Failure is FAILED_PRECONDITION with what was missing (the node fails with SYSTEM
// BindingResolutionFailure).
Result<flyteidl::core::Literal> ResolveBinding(const flyteidl::core::BindingData& binding,
                                               const OutputsOf& outputs);
Result<flyteidl::core::LiteralMap> ResolveBindings(
    const google::protobuf::RepeatedPtrField<flyteidl::core::Binding>& bindings,
    const OutputsOf& outputs);

// Evaluates a branch condition against the branch node's resolved inputs.
Result<bool> Evaluate(const flyteidl::core::BooleanExpression& expr,
                      const flyteidl::core::LiteralMap& inputs);

}  // namespace flytebox::executor
