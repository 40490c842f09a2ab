#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "flyteidl/core/literals.pb.h"
#include "flyteidl/core/types.pb.h"

namespace flytebox::compiler {

// True when a value of type `upstream` may be bound to an input of type `downstream`, as
// Flyte's compiler decides (equal simple types, enum into string, collections and maps
// recursively, blob formats, structured dataset formats and columns, unions, none).
bool IsCastable(const flyteidl::core::LiteralType& upstream,
                const flyteidl::core::LiteralType& downstream);

// Checks that a literal value fits `type` (for execution inputs and launch-plan defaults).
// INVALID_ARGUMENT with a message that names `what` (e.g. "input 'x'") and both types.
Status CheckLiteral(const flyteidl::core::Literal& value, const flyteidl::core::LiteralType& type,
                    const std::string& what);

// The type Flyte infers for a literal value (its LiteralTypeForLiteral): primitives by kind,
// blobs/schemas/structured datasets by their metadata, a union by its stored type (as a
// one-variant union), msgpack binaries as STRUCT, collections/maps by their elements (a union
// of the distinct element types when they differ, NONE when empty). nullopt when the value
// is unset, of an unknown kind, or a blob or structured dataset without metadata (Flyte
// infers no usable type for those either).
std::optional<flyteidl::core::LiteralType> LiteralTypeOf(const flyteidl::core::Literal& value);
std::optional<flyteidl::core::LiteralType> LiteralTypeOf(const flyteidl::core::Scalar& value);

// Short human-readable form of a type for error messages, e.g. "list<int>", "blob(csv)".
std::string TypeName(const flyteidl::core::LiteralType& type);

}  // namespace flytebox::compiler
