// `flytebox demo start` in native mode.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "cli/native_postgres.h"
#include "cli/native_runtime.h"
#include "cli/preflight.h"
#include "sandbox/net.h"

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int64_t kSupervisorLogMax = 10 << 20;
constexpr size_t kCaptureLimit = 16 << 20;
constexpr const char* kFlytekitCheck =
    "import importlib.util,sys; sys.exit(importlib.util.find_spec('flytekit') is None)";

// The flytekit check runs while the sandbox starts: a Python interpreter takes longer to
// start than the engine. A Python that had flytekit is remembered (in `cache`, by path and
// modification time) and not asked again; one that lacked it is asked every time, so that
// installing flytekit is noticed at once.
struct PythonCheck {
  std::string python;
  std::unique_ptr<Process> process;
  std::string error;
  bool known_good = false;
  std::string cache;
  std::string key;
};

std::string PythonKey(const std::string& python) {
  struct stat st{};
  if (stat(python.c_str(), &st) != 0) return {};
  return python + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

PythonCheck StartPythonCheck(const std::string& flag, ProcessLauncher* launcher,
                             const std::string& cache) {
  PythonCheck check;
  check.python = flag.empty() ? FindOnPath("python3") : flag;
  if (check.python.empty()) {
    check.error = "no python3 on PATH";
    return check;
  }
  check.cache = cache;
  check.key = PythonKey(check.python);
  auto known = ReadFile(cache);
  if (known.ok() && !check.key.empty() && *known == check.key + "\n") {
    check.known_good = true;
    return check;
  }
  ProcessSpec spec;
  spec.argv = {check.python, "-c", kFlytekitCheck};
  spec.out = Output::Null();
  spec.err = Output::Null();
  auto process = launcher->Launch(spec);
  if (!process.ok()) {
    check.error = process.status().message();
  } else {
    check.process = std::move(*process);
  }
  return check;
}

// A line for the user when tasks will not be able to run, else empty.
std::string FinishPythonCheck(PythonCheck* check, Clock* clock) {
  if (!check->error.empty()) {
    return "warning: " + check->error + ": tasks cannot run; pass --python PATH to a Python " +
           "that has flytekit";
  }
  if (check->known_good) return {};
  // Finding a module takes a Python some tens of milliseconds; do not hang on a broken one.
  auto deadline = clock->Monotonic() + 10s;
  std::optional<ExitStatus> done;
  while (!(done = check->process->Poll()) && clock->Monotonic() < deadline) {
    clock->SleepUntil(clock->Monotonic() + 2ms);
  }
  if (!done) {
    check->process->Signal(SIGKILL);
    check->process->Wait();
    return "warning: " + check->python + " did not answer within 10 s; tasks may not run";
  }
  ExitStatus status = *done;
  if (status.success()) {
    if (!check->key.empty()) (void)WriteFileAtomic(check->cache, check->key + "\n", 0600);
    return {};
  }
  if (!status.signaled && status.code == 1) {
    return "warning: flytekit is not installed for " + check->python +
           ", so tasks cannot run; install it with: " + check->python + " -m pip install flytekit";
  }
  return "warning: " + check->python + " does not run (" + status.ToString() +
         "); pass --python PATH to a Python that has flytekit";
}

// What the engine binary accepts, from its --help. Running a 100 MB binary costs tens of
// milliseconds, so the answer is kept in `cache` (the state folder) per binary and mtime.
EngineFeatures ProbeEngine(const std::string& engine, bool needed, const std::string& cache,
                           ProcessLauncher* launcher) {
  EngineFeatures features;
  if (!needed) return features;
  struct stat st{};
  std::string key;
  if (stat(engine.c_str(), &st) == 0) {
    key = engine + " " + std::to_string(st.st_mtim.tv_sec) + "." +
          std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_size);
  }
  if (auto cached = ReadFile(cache); cached.ok() && !key.empty()) {
    size_t eol = cached->find('\n');
    if (eol != std::string::npos && cached->substr(0, eol) == key) {
      std::string flags = cached->substr(eol + 1);
      features.python = flags.find("python") != std::string::npos;
      features.s3 = flags.find("s3") != std::string::npos;
      return features;
    }
  }
  auto help = launcher->Capture({engine, "--help"}, 10s, 1 << 20);
  if (!help.ok()) return features;
  features.python = help->out.find("--python") != std::string::npos;
  features.s3 = help->out.find("--s3-endpoint") != std::string::npos;
  if (!key.empty()) {
    std::string flags = std::string(features.python ? "python " : "") + (features.s3 ? "s3" : "");
    (void)WriteFileAtomic(cache, key + "\n" + flags + "\n", 0600);
  }
  return features;
}

// A PostgreSQL server program: $FLYTEBOX_PG_BIN, next to `postgres` on PATH, Debian's
// versioned folder, then PATH.
std::string FindPostgresProgram(const std::string& name, const Environment& env) {
  std::vector<fs::path> candidates;
  if (!env.Get("FLYTEBOX_PG_BIN").empty()) {
    candidates.push_back(fs::path(env.Get("FLYTEBOX_PG_BIN")) / name);
  }
  std::string server = FindOnPath("postgres");
  std::error_code ec;
  if (!server.empty()) candidates.push_back(fs::canonical(server, ec).parent_path() / name);
  std::vector<fs::path> versions;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    versions.push_back(e.path());
  }
  std::sort(versions.rbegin(), versions.rend());
  for (const auto& v : versions) candidates.push_back(v / "bin" / name);
  for (const auto& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c.string();
  }
  return FindOnPath(name);
}

void RotateIfLarge(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) == 0 && st.st_size > kSupervisorLogMax) {
    std::rename(path.c_str(), (path + ".1").c_str());
  }
}

// Whether start may use the folder: it is Flytebox's (marked), empty, or another start is
// making it now (that start holds the lock, or has only just created the lock file; it writes
// the mark under the lock). Concurrent starts must then meet at the lock and not here.
bool MayUseStateFolder(const StatePaths& paths) {
  std::error_code ec;
  if (fs::exists(paths.Marker(), ec) || fs::is_empty(paths.root, ec)) return true;
  if (StateLock::IsHeld(paths.Lock())) return true;
  fs::directory_iterator it(paths.root, ec);
  if (ec || it == fs::directory_iterator()) return !ec;
  if (it->path().filename() != "lock" || fs::file_size(it->path(), ec) != 0 || ec) return false;
  it.increment(ec);
  return !ec && it == fs::directory_iterator();
}

}  // namespace

struct NativeRuntime::Launch {
  std::unique_ptr<Process> supervisor;
  int notify_read = -1;
  std::vector<std::string> components;  // start order

  ~Launch() {
    if (notify_read >= 0) close(notify_read);
  }
  // Stops a supervisor that failed to come up, and reaps it.
  void Abort(Clock* clock) {
    if (!supervisor) return;
    supervisor->Signal(SIGTERM);
    auto deadline = clock->Monotonic() + 15s;
    while (!supervisor->Poll()) {
      if (clock->Monotonic() > deadline) {
        supervisor->Signal(SIGKILL);
        supervisor->Wait();
        break;
      }
      clock->SleepUntil(clock->Monotonic() + 5ms);
    }
  }
};

Result<Programs> NativeRuntime::FindPrograms(const StartOptions& o, std::string* supervisor) {
  Programs p;
  FB_ASSIGN_OR_RETURN(p.engine, FindProgram("flytebox-engine", "FLYTEBOX_ENGINE", ctx_.env));
  FB_ASSIGN_OR_RETURN(*supervisor,
                      FindProgram("flytebox-sandbox", "FLYTEBOX_SUPERVISOR", ctx_.env));
  if (o.s3) {
    p.versitygw = ctx_.env.Get("FLYTEBOX_VERSITYGW");
    if (p.versitygw.empty()) {
      std::string cache = ctx_.env.Get("FLYTEBOX_CACHE");
      if (cache.empty()) {
        std::string xdg = ctx_.env.Get("XDG_CACHE_HOME");
        cache = (xdg.empty() ? ctx_.env.Get("HOME") + "/.cache" : xdg) + "/flytebox";
      }
      p.versitygw = cache + "/bin/versitygw";
    }
    if (access(p.versitygw.c_str(), X_OK) != 0) p.versitygw = FindOnPath("versitygw");
    if (p.versitygw.empty()) {
      return Status::NotFound("--s3 needs versitygw: run scripts/install-deps.sh, or set "
                              "FLYTEBOX_VERSITYGW to its path");
    }
    // scripts/install-deps.sh records the version it built beside the binary.
    if (auto version = ReadFile(p.versitygw + ".version"); version.ok() && !version->empty()) {
      p.versitygw_version = "versitygw " + version->substr(0, version->find('\n'));
    }
  }
  if (o.db == "postgres") {
    p.postgres = FindPostgresProgram("postgres", ctx_.env);
    p.pg_isready = FindPostgresProgram("pg_isready", ctx_.env);
    p.initdb = FindPostgresProgram("initdb", ctx_.env);
    if (p.postgres.empty() || p.pg_isready.empty() || p.initdb.empty()) {
      return Status::NotFound("--db postgres needs the PostgreSQL server programs (postgres, "
                              "initdb, pg_isready): install the postgresql package, or set "
                              "FLYTEBOX_PG_BIN to their folder");
    }
    if (auto v = ctx_.env.launcher->Capture({p.postgres, "--version"}, 10s, kCaptureLimit);
        v.ok() && v->status.success()) {
      std::string text = v->out.substr(0, v->out.find('\n'));  // postgres (PostgreSQL) 15.18 ...
      size_t paren = text.find(") ");
      p.postgres_version = "postgres " + (paren == std::string::npos
                                              ? text
                                              : text.substr(paren + 2, text.find(' ', paren + 2) -
                                                                           paren - 2));
    }
    if (geteuid() == 0) {
      // Postgres refuses to run as root: run it as the postgres user.
      std::string setpriv = FindOnPath("setpriv");
      if (!getpwnam("postgres") || setpriv.empty()) {
        return Status::FailedPrecondition("as root, --db postgres needs a 'postgres' user and "
                                          "setpriv (util-linux); or run flytebox as a normal user");
      }
      p.postgres_run_as = {setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
    }
  }
  return p;
}

int NativeRuntime::PrintDryRun(const StartOptions& o, const Programs& programs,
                               const EngineFeatures& features) {
  Credentials placeholder{"<s3-access-key>", "<s3-secret-key>",      "flytebox",
                          "<db-password>",   "<url-secret>",         "<client-id>",
                          "<client-secret>", "<s3-task-access-key>", "<s3-task-secret-key>"};
  auto config = BuildSupervisorConfig(o, paths_, placeholder, programs, features);
  std::string supervisor = FindProgram("flytebox-sandbox", "FLYTEBOX_SUPERVISOR", ctx_.env)
                               .value_or("flytebox-sandbox");
  ctx_.out << "# " << paths_.SupervisorConfig() << " (0600; secrets generated at start)\n"
           << sandbox::ConfigToJson(config) << "\n# started detached, in its own session:\n"
           << supervisor << " --config " << paths_.SupervisorConfig() << " --pid-file "
           << paths_.SupervisorPid() << "\n\n# " << ctx_.flyte_config << " (0600)\n"
           << FlyteConfigYaml(o, placeholder);
  return kExitOk;
}

Result<StateLock> NativeRuntime::LockForStart(const StartOptions& o, Progress* progress,
                                              int* code) {
  auto lock = StateLock::TryAcquire(paths_.Lock(), ctx_.env.clock);
  if (lock.ok() || lock.status().code() != Code::kAlreadyExists) {
    *code = kExitFailure;
    return lock;
  }
  if (o.force) {
    progress->Note("a sandbox is running in " + paths_.root + ": replacing it (--force)");
    StopSupervisor(30);
    lock = StateLock::TryAcquire(paths_.Lock(), ctx_.env.clock);
    if (lock.ok()) return lock;
  }
  *code = kExitRunning;
  pid_t pid = SupervisorPid();
  std::string who = pid > 0 ? "supervisor pid " + std::to_string(pid) + ", " : "";
  return Status::AlreadyExists("a sandbox is already running (" + who + "state in " +
                               paths_.root + "): `flytebox demo status` shows it, " +
                               "`flytebox demo stop` stops it, `demo start --force` replaces it");
}

Status NativeRuntime::Preflight(const StartOptions& o, int* code) {
  std::vector<PortUse> ports = {{o.port, "Flyte API", "--port"}};
  if (o.s3) ports.push_back({o.s3_port, "S3", "--s3-port"});
  if (o.db == "postgres") ports.push_back({o.db_port, "Postgres", "--db-port"});
  return CheckPortsFree(o.bind, ports, code);
}

Status NativeRuntime::InitPostgres(const Programs& programs, const Credentials& credentials) {
  std::string dir = paths_.PostgresDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  const auto& run_as = programs.postgres_run_as;
  std::string pwfile = dir + "/pwfile";
  FB_RETURN_IF_ERROR(WriteFileAtomic(pwfile, credentials.db_password + "\n", 0600));
  if (!run_as.empty()) {
    // The postgres user must pass through the state folder (search only, no listing).
    chmod(paths_.root.c_str(), 0711);
    const passwd* pg = getpwnam("postgres");
    if (chown(dir.c_str(), pg->pw_uid, pg->pw_gid) != 0 ||
        chown(pwfile.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      return Status::Unavailable("cannot hand " + dir + " to the postgres user");
    }
    std::vector<std::string> reach = run_as;
    reach.insert(reach.end(), {"test", "-w", dir});
    auto can = ctx_.env.launcher->Capture(reach, 10s, kCaptureLimit);
    if (!can.ok() || !can->status.success()) {
      unlink(pwfile.c_str());
      return Status::FailedPrecondition(
          "the postgres user cannot reach " + dir + " (as root, Postgres runs as that user): "
          "make the folders above it searchable (chmod o+x), use a --state-dir it can reach, "
          "or run flytebox as a normal user");
    }
  }
  std::vector<std::string> argv = run_as;
  argv.insert(argv.end(), {programs.initdb, "-D", dir + "/data", "-U", credentials.db_user,
                           "--pwfile=" + pwfile, "--auth=scram-sha-256", "-E", "UTF8",
                           "--locale=C", "--no-sync"});
  auto result = ctx_.env.launcher->Capture(argv, 180s, kCaptureLimit);
  unlink(pwfile.c_str());
  if (!result.ok()) return result.status();
  if (!result->status.success()) {
    fs::remove_all(dir + "/data", ec);
    return Status::Unavailable("initdb failed (" + result->status.ToString() + "):\n" +
                               result->out + result->err);
  }
  return Status::Ok();
}

int NativeRuntime::Start(const StartOptions& o) {
  Clock* clock = ctx_.env.clock;
  auto began = clock->Monotonic();
  std::string supervisor_program;
  auto programs = FindPrograms(o, &supervisor_program);
  if (!programs.ok()) {
    ctx_.err << "flytebox: " << programs.status().message() << "\n";
    return kExitFailure;
  }
  bool need_features = !o.python.empty() || o.s3;
  if (o.dry_run) {
    return PrintDryRun(o, *programs,
                       ProbeEngine(programs->engine, need_features, "", ctx_.env.launcher));
  }

  Progress progress(ctx_.err, ctx_.env.stderr_tty, clock);
  progress.Begin("pre-flight");
  std::error_code ec;
  bool fresh = !fs::exists(paths_.root, ec);
  // A folder of the user's (a home folder, a project) is never taken over: teardown would
  // then delete what is in it.
  if (!fresh && !MayUseStateFolder(paths_)) {
    progress.End(false);
    ctx_.err << "flytebox: " << paths_.root
             << " is not empty and is not a Flytebox state folder (no .flytebox-state in it): "
                "choose an empty or new folder with --state-dir\n";
    return kExitUsage;
  }
  fs::create_directories(paths_.root, ec);
  if (ec) {
    progress.End(false);
    ctx_.err << "flytebox: cannot create the state folder " << paths_.root << ": "
             << ec.message() << "\n";
    return kExitFailure;
  }
  if (fresh) chmod(paths_.root.c_str(), 0700);
  // On a failed pre-flight a folder made just now goes again (under the lock): nothing is
  // left behind.
  auto fail = [&](int code, const std::string& message) {
    progress.End(false);
    ctx_.err << "flytebox: " << message << "\n";
    if (fresh) fs::remove_all(paths_.root, ec);
    return code;
  };
  int code = kExitFailure;
  auto lock = LockForStart(o, &progress, &code);
  if (!lock.ok()) {  // the folder is someone else's now: leave it
    progress.End(false);
    ctx_.err << "flytebox: " << lock.status().message() << "\n";
    return code;
  }
  Status pre = Preflight(o, &code);
  if (!pre.ok()) return fail(code, pre.message());
  auto credentials = LoadOrCreateCredentials(paths_.Credentials());
  if (!credentials.ok()) return fail(kExitFailure, credentials.status().message());
  Status marked = WriteFileAtomic(paths_.Marker(), "flytebox state folder\n", 0600);
  if (!marked.ok()) return fail(kExitFailure, marked.message());
  EngineFeatures features =
      ProbeEngine(programs->engine, need_features, paths_.root + "/engine-features",
                  ctx_.env.launcher);
  progress.End(true);

  if (o.db == "postgres" && !fs::exists(paths_.PostgresDir() + "/data/PG_VERSION", ec)) {
    progress.Begin("Postgres initdb (first start only)");
    Status st = InitPostgres(*programs, *credentials);
    if (!st.ok()) return fail(kExitFailure, st.message());
    progress.End(true);
  }
  if (o.db == "postgres") {
    Status st = PreparePostgres(*programs, *credentials);
    if (!st.ok()) return fail(kExitFailure, st.message());
  }
  auto config = BuildSupervisorConfig(o, paths_, *credentials, *programs, features);
  if (o.s3) {
    fs::create_directories(paths_.ObjectStore() + "/my-s3-bucket", ec);
    Status st = WriteVersitygwAccounts(paths_.S3Accounts(), *credentials);
    if (!st.ok()) {
      return fail(kExitFailure, "cannot write versitygw's accounts (the tasks' S3 keys): " +
                                    st.message() + "; check that the state folder is writable");
    }
  }
  for (const auto& [path, text] :
       {std::pair{paths_.SupervisorConfig(), sandbox::ConfigToJson(config)},
        std::pair{paths_.Sandbox(), SandboxRecordJson("native", o)}}) {
    Status st = WriteFileAtomic(path, text, 0600);
    if (!st.ok()) return fail(kExitFailure, st.message());
  }

  PythonCheck python_check =
      StartPythonCheck(o.python, ctx_.env.launcher, paths_.root + "/python-check");
  progress.Begin("supervisor started");
  Launch launch;
  launch.components = sandbox::StartOrder(config.components);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return fail(kExitFailure, "cannot create a pipe");
  launch.notify_read = pipe_fds[0];
  RotateIfLarge(paths_.SupervisorLog());
  ProcessSpec spec;
  spec.argv = {supervisor_program, "--config", paths_.SupervisorConfig(), "--pid-file",
               paths_.SupervisorPid(), "--notify-fd", std::to_string(pipe_fds[1]), "--keep-fd",
               std::to_string(lock->fd()), "--log-level", o.log_level};
  spec.out = Output::File(paths_.SupervisorLog());
  spec.err = Output::File(paths_.SupervisorLog());
  spec.working_dir = paths_.root;
  // The supervisor inherits the lock and the notify pipe; nothing else does.
  spec.keep_inherited_fds = true;
  fcntl(pipe_fds[1], F_SETFD, 0);
  fcntl(lock->fd(), F_SETFD, 0);
  auto supervisor = ctx_.env.launcher->Launch(spec);
  fcntl(lock->fd(), F_SETFD, FD_CLOEXEC);
  close(pipe_fds[1]);
  if (!supervisor.ok()) return fail(kExitFailure, supervisor.status().message());
  launch.supervisor = std::move(*supervisor);
  progress.End(true);

  int rc = WaitUntilUp(&launch, o, &progress);
  if (rc != kExitOk) {
    launch.Abort(clock);
    if (python_check.process) python_check.process->Wait();
    return rc;
  }
  fs::create_directories(fs::path(ctx_.flyte_config).parent_path(), ec);
  Status wrote = WriteClientConfig(o, *credentials, ctx_.flyte_config);
  if (!wrote.ok()) ctx_.err << "flytebox: " << wrote.message() << "\n";
  std::string python_note = FinishPythonCheck(&python_check, clock);
  if (!python_note.empty()) ctx_.err << python_note << "\n";
  double seconds = std::chrono::duration<double>(clock->Monotonic() - began).count();
  PrintSummary(o, *credentials, features, seconds);
  return wrote.ok() ? kExitOk : kExitFailure;
}

int NativeRuntime::WaitUntilUp(Launch* launch, const StartOptions& o, Progress* progress) {
  Clock* clock = ctx_.env.clock;
  auto deadline = clock->Monotonic() + std::chrono::duration_cast<Clock::MonoTime::duration>(
                                           std::chrono::duration<double>(o.wait_timeout_seconds));
  std::set<std::string> ready;
  size_t next = 0;
  if (!launch->components.empty()) progress->Begin(launch->components[0] + " ready");
  std::string buffer;
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock->Monotonic());
    if (left.count() <= 0) break;
    pollfd p{launch->notify_read, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    char chunk[4096];
    ssize_t got = read(launch->notify_read, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      progress->End(false);
      ctx_.err << "flytebox: the supervisor stopped while starting; the end of "
               << paths_.SupervisorLog() << ":\n" << LogTail(paths_.SupervisorLog(), 20);
      return kExitFailure;
    }
    buffer.append(chunk, static_cast<size_t>(got));
    size_t eol;
    while ((eol = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      std::string word = line.substr(0, line.find(' '));
      std::string rest = line.size() > word.size() ? line.substr(word.size() + 1) : "";
      if (word == "up") {
        progress->End(true);
        return kExitOk;
      }
      if (word == "error") {
        progress->End(false);
        ctx_.err << "flytebox: the supervisor refused its configuration: " << rest << "\n";
        return kExitFailure;
      }
      std::string name = rest.substr(0, rest.find(' '));
      if (word == "ready") {
        ready.insert(name);
        while (next < launch->components.size() && ready.count(launch->components[next])) {
          progress->End(true);
          if (++next < launch->components.size()) {
            progress->Begin(launch->components[next] + " ready");
          }
        }
      } else if (word == "exit" && !ready.count(name)) {
        progress->End(false);
        std::string log = paths_.Logs() + "/" + name + ".log";
        ctx_.err << "flytebox: " << name << " stopped while starting ("
                 << rest.substr(std::min(rest.size(), name.size() + 1)) << "); the end of " << log
                 << ":\n" << LogTail(log, 20);
        return kExitFailure;
      }
    }
  }
  progress->End(false);
  std::string waiting;
  if (auto status = QueryStatus(); status.ok()) {
    for (const auto& c : status->components) {
      if (c.ready) continue;
      waiting += "\n  " + c.name + ": " + c.state + (c.detail.empty() ? "" : " (" + c.detail + ")");
    }
  }
  ctx_.err << "flytebox: the sandbox was not ready within " << o.wait_timeout_seconds
           << " s (--wait-timeout); not ready:" << (waiting.empty() ? " unknown" : waiting)
           << "\nlogs: " << paths_.Logs() << "\n";
  return kExitTimeout;
}

void NativeRuntime::PrintSummary(const StartOptions& o, const Credentials& credentials,
                                 const EngineFeatures& features, double seconds) {
  std::string host = ClientHost(o.bind);
  char took[32];
  std::snprintf(took, sizeof took, "%.2f", seconds);
  auto& out = ctx_.out;
  out << "Flytebox sandbox ready in " << took << " s (native; state in " << paths_.root << ")\n"
      << "  Flyte API (gRPC, REST): " << host << ":" << o.port << "\n";
  if (o.s3) {
    out << "  Object store (S3):      http://" << host << ":" << o.s3_port
        << "  bucket my-s3-bucket";
    if (!features.s3) out << " (this engine keeps objects in the state folder instead)";
    out << "\n";
  }
  if (!o.kubeconfig.empty()) {
    out << "  Tasks:                  pods on the cluster of " << o.kubeconfig
        << "; they reach S3 at http://" << host << ":" << o.s3_port << "\n";
  }
  if (o.db == "postgres") {
    out << "  Postgres:               " << host << ":" << o.db_port << "  user " << kEngineDbRole
        << " (db_password in " << paths_.Credentials() << ")\n";
  }
  if (!o.python.empty() && !features.python) {
    out << "  (this engine does not take --python; it runs tasks with its default Python)\n";
  }
  if (o.auth) {
    out << "  Auth: OAuth2 client credentials, client " << credentials.client_id << " (secret in "
        << ClientSecretPath(ctx_.flyte_config) << "); console sign-in at http://" << host << ":"
        << o.port << "/login\n";
  }
  out << "Run a workflow: pyflyte run --remote examples/hello_world.py hello_wf\n"
      << "export FLYTECTL_CONFIG=" << ctx_.flyte_config << "\n";
  out.flush();
}

}  // namespace flytebox::cli
