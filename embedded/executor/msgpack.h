#pragma once
// Just enough MessagePack to follow an attribute path into a value flytekit serialized as a
// msgpack Binary (dataclasses and Pydantic models in flytekit 1.16).

#include <string>

#include "common/result.h"
#include "flyteidl/core/literals.pb.h"

namespace flytebox::executor {

// One step of an attribute path into msgpack bytes: a key of a map or an index of an array.
// Primitives come back as primitive literals (nil as none), maps and arrays as msgpack
// Binary literals holding their bytes. FAILED_PRECONDITION for a missing key, an index out
// of range, or bytes that are not msgpack.
Result<flyteidl::core::Literal> MsgpackStep(const std::string& bytes,
                                            const flyteidl::core::PromiseAttribute& attr);

}  // namespace flytebox::executor
