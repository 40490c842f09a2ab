#pragma once
// Raw-container tasks (`container.data_config`): inputs handed over as files, outputs read
// back from files, as Flyte's copilot does around a container that knows nothing of Flyte.

#include <string>
#include <vector>

#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "flyteidl/core/interface.pb.h"
#include "flyteidl/core/literals.pb.h"
#include "flyteidl/core/tasks.pb.h"

namespace flytebox::executor {

// Local folders standing in for the container's input and output paths.
struct RawIo {
  std::string dir;  // holds inputs/ and outputs/
  std::string inputs() const { return dir + "/inputs"; }
  std::string outputs() const { return dir + "/outputs"; }
};

// Writes one file per input (primitives as text, blobs copied) plus inputs.pb, and points
// every argument naming the configured input or output path at the local folders.
Status PrepareRawIo(const flyteidl::core::DataLoadingConfig& config,
                    const flyteidl::core::LiteralMap& inputs, blob::BlobStore& blobs,
                    const RawIo& io, std::vector<std::string>* argv);

// Reads the declared outputs back: text parsed by type, files and folders stored under
// `output_prefix`. An `_ERROR` file is the task's user error: FAILED_PRECONDITION with its
// text. A missing output is NOT_FOUND naming it.
Result<flyteidl::core::LiteralMap> CollectRawOutputs(const flyteidl::core::TypedInterface& iface,
                                                     blob::BlobStore& blobs, const RawIo& io,
                                                     const std::string& output_prefix);

}  // namespace flytebox::executor
