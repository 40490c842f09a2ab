#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/admin/admin.h"
#include "embedded/blob/blob_store.h"
#include "embedded/executor/runner.h"

namespace flytebox::executor {

struct ExecutorOptions {
  admin::Admin* admin = nullptr;     // not owned; required
  blob::BlobStore* blobs = nullptr;  // not owned; required
  TaskRunner* runner = nullptr;      // not owned; required
  Clock* clock = Clock::Real();
  // Where task logs are kept (one file per attempt) and the base URL serving them.
  std::string log_dir;
  std::string public_url;  // e.g. http://localhost:30080; log links are <public_url>/logs/...
  // Scratch folders for raw-container tasks' inputs and outputs.
  std::string work_dir;
  // Raw output data prefix when the execution does not set one; empty: <store>/data.
  std::string raw_prefix;
  // Given to every task process (FLYTE_PLATFORM_URL, FLYTE_AWS_*, ...).
  std::map<std::string, std::string> task_env;
};

// FlytePropeller's job in the engine: drives every execution from UNDEFINED to an end
// phase, node by node, recording each node and task transition through Admin so that the
// read path shows it live. State lives in the metadata store and the blob store: an
// executor started over the same stores resumes unfinished executions. Thread-safe; all
// work happens on one internal thread.
class Executor : public admin::ExecutionHooks {
 public:
  // Starts the executor thread and resumes unfinished executions.
  static Result<std::unique_ptr<Executor>> Start(ExecutorOptions options);
  ~Executor() override = default;
  // Stops the thread; running attempts are left to the runner (which stops them).
  virtual void Stop() = 0;
  // Path of the log file for a log link path "<project>/<domain>/<exec>/<node>/<attempt>",
  // or NOT_FOUND / INVALID_ARGUMENT.
  virtual Result<std::string> LogFile(const std::string& link_path) const = 0;
  // Store writes that failed since start (each also logged): records, inputs, aborts.
  virtual uint64_t failed_writes() const = 0;
};

}  // namespace flytebox::executor
