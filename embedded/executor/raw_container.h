#pragma once
// Raw-container tasks (`container.data_config`): inputs handed over as files, outputs read
// back from files, as Flyte's copilot does around a container that knows nothing of Flyte.

#include <string>
#include <vector>

#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "embedded/executor/runner.h"
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

// The attempt's raw-io facts: the container's paths from `config` (Flyte's defaults when
// unset), the local folder `dir`, the object-store prefix `staging`.
RawIoRun RawIoRunOf(const flyteidl::core::DataLoadingConfig& config, const std::string& dir,
                    const std::string& staging);

// Writes one file per input (primitives as text, blobs copied) plus inputs.pb into
// io.inputs(), and makes io.outputs().
Status PrepareRawIo(const flyteidl::core::LiteralMap& inputs, blob::BlobStore& blobs,
                    const RawIo& io);

// The command of a raw-container task run as a local process: every argument naming the
// container's input or output path points at the local folders instead.
std::vector<std::string> LocalRawArgv(const RawIoRun& io, std::vector<std::string> argv);

// Every regular file below `dir` put at `base`/<relative path> (a key); a symbolic link is
// FAILED_PRECONDITION, never followed.
Status PutFolder(const std::string& dir, const std::string& base, blob::BlobStore& blobs);

// The reverse: every object below the key `base` written to `dir`/<relative path>; a key
// whose path would leave `dir` is FAILED_PRECONDITION, and nothing is written for it.
Status GetFolder(const std::string& base, const std::string& dir, blob::BlobStore& blobs);

// Reads the declared outputs back: text parsed by type, files and folders stored under
// `output_prefix`. An `_ERROR` file is the task's user error: FAILED_PRECONDITION with its
// text. A missing output is NOT_FOUND naming it.
Result<flyteidl::core::LiteralMap> CollectRawOutputs(const flyteidl::core::TypedInterface& iface,
                                                     blob::BlobStore& blobs, const RawIo& io,
                                                     const std::string& output_prefix);

}  // namespace flytebox::executor
