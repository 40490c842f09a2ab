#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/runtime.h"
#include "cli/state_lock.h"
#include "sandbox/status.h"

namespace flytebox::cli {

// The sandbox as host processes: `flytebox-sandbox` (the supervisor) detached in its own
// session, holding the state folder's lock, with the engine (and versitygw, Postgres) as
// its children. The CLI talks to it through files in the state folder: supervisor.json (its
// configuration), supervisor.pid, and the status endpoint on the Unix socket
// supervisor.sock (HTTP: GET /status, GET /healthz).
class NativeRuntime : public Runtime {
 public:
  explicit NativeRuntime(const DemoContext& context)
      : ctx_(context), paths_{context.state_dir} {}

  std::string name() const override { return "native"; }
  int Start(const StartOptions& options) override;
  int Stop() override;
  int ShowStatus(bool json) override;
  int Teardown(bool volume) override;
  int Logs(const std::string& component, bool follow) override;
  int Exec(const std::vector<std::string>& command) override;
  int Reload() override;
  int ImportImage(const std::string& file) override;
  int LoadImage(const std::string& image) override;

 private:
  struct Launch;  // a start in progress (native_start.cc)

  bool Running() const;
  pid_t SupervisorPid() const;
  Result<sandbox::SupervisorStatus> QueryStatus() const;
  // SIGTERM to the supervisor, then waits for it to release the lock; SIGKILL to it and its
  // components after `timeout_seconds`. False when it had to kill.
  bool StopSupervisor(double timeout_seconds);
  // Kills processes that still use the state folder although no supervisor runs (after the
  // supervisor itself was killed); returns how many.
  int KillStrays();
  // Reads sandbox.json; NOT_FOUND when no sandbox was ever started here.
  Result<StartOptions> Recorded() const;

  // Steps of Start (native_start.cc).
  int PrintDryRun(const StartOptions& options, const Programs& programs,
                  const EngineFeatures& features);
  Result<StateLock> LockForStart(const StartOptions& options, Progress* progress, int* code);
  Status Preflight(const StartOptions& options, int* code);
  Result<Programs> FindPrograms(const StartOptions& options, std::string* supervisor);
  Status InitPostgres(const Programs& programs, const Credentials& credentials);
  // At every start, before the server runs: pg_hba.conf and the engine's own role
  // (native_postgres.cc).
  Status PreparePostgres(const Programs& programs, const Credentials& credentials);
  int WaitUntilUp(Launch* launch, const StartOptions& options, Progress* progress);
  void PrintSummary(const StartOptions& options, const Credentials& credentials,
                    const EngineFeatures& features, double seconds);
  std::string LogTail(const std::string& path, int lines) const;

  const DemoContext& ctx_;
  StatePaths paths_;
};

// Renders the supervisor's status as a table (flytebox demo status); `mode` names where the
// sandbox runs (native, or e.g. "docker container flytebox").
std::string StatusTable(const sandbox::SupervisorStatus& status, const std::string& state_dir,
                        const std::string& endpoint, const std::string& mode = "native");

}  // namespace flytebox::cli
