#pragma once

#include <string>

#include "flyteidl/core/identifier.pb.h"

namespace flytebox::compiler {

// A map key that tells apart every field of an identifier (resource type included, as Flyte
// keys entities by the whole identifier).
std::string IdKey(const flyteidl::core::Identifier& id);

// Flyte's requirement order: resource type, project, domain, name, version (then org).
bool IdLess(const flyteidl::core::Identifier& a, const flyteidl::core::Identifier& b);

// "project/domain/name/version" for messages.
std::string IdString(const flyteidl::core::Identifier& id);

}  // namespace flytebox::compiler
