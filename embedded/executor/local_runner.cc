#include "embedded/executor/local_runner.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/log.h"
#include "embedded/executor/raw_container.h"
#include "embedded/executor/task_env.h"
#include "embedded/executor/task_host.h"

extern char** environ;

namespace flytebox::executor {
namespace {

namespace fs = std::filesystem;

// Field 22 of /proc/<pid>/stat: the start time, which tells a reused pid from ours.
std::string StartTimeOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream rest(line.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && (rest >> field); ++i) {
    if (i == 22) return field;
  }
  return "";
}

class LocalTask : public RunningTask {
 public:
  LocalTask(TaskRun run, std::function<void(RunResult)> done)
      : run_(std::move(run)), done_(std::move(done)) {}

  std::string handle() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return handle_;
  }

  void Kill(const std::string& why) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (killed_) return;
    killed_ = true;
    kill_reason_ = why;
    if (process_) process_->Signal(SIGKILL);
    else if (pid_ > 0) ::kill(-pid_, SIGKILL);
  }

  // Runner side.
  const TaskRun& run() const { return run_; }
  TaskRun& mutable_run() { return run_; }
  bool killed(std::string* why) const {
    std::lock_guard<std::mutex> lock(mu_);
    *why = kill_reason_;
    return killed_;
  }
  void SetProcess(std::unique_ptr<Process> p) {
    std::lock_guard<std::mutex> lock(mu_);
    pid_ = p->pid();
    handle_ = "pid:" + std::to_string(pid_) + ":" + StartTimeOf(pid_);
    process_ = std::move(p);
    if (killed_) process_->Signal(SIGKILL);
  }
  // A child of the task host: known by pid only.
  void SetHostPid(pid_t pid) {
    std::lock_guard<std::mutex> lock(mu_);
    pid_ = pid;
    handle_ = "pid:" + std::to_string(pid_) + ":" + StartTimeOf(pid_);
    if (killed_) ::kill(-pid_, SIGKILL);
  }
  void SetAttached(pid_t pid, std::string handle) {
    std::lock_guard<std::mutex> lock(mu_);
    pid_ = pid;
    handle_ = std::move(handle);
  }
  Process* process() {
    std::lock_guard<std::mutex> lock(mu_);
    return process_.get();
  }
  void Finish(RunResult r) {
    std::function<void(RunResult)> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done.swap(done_);
    }
    if (done) done(std::move(r));
  }

 private:
  mutable std::mutex mu_;
  TaskRun run_;
  std::function<void(RunResult)> done_;
  std::unique_ptr<Process> process_;
  pid_t pid_ = 0;
  std::string handle_;
  bool killed_ = false;
  std::string kill_reason_;
};

// A shared_ptr-owning handle given to the executor; the runner keeps the task alive too.
class TaskRef : public RunningTask {
 public:
  explicit TaskRef(std::shared_ptr<LocalTask> t) : t_(std::move(t)) {}
  std::string handle() const override { return t_->handle(); }
  void Kill(const std::string& why) override { t_->Kill(why); }

 private:
  std::shared_ptr<LocalTask> t_;
};

class LocalRunner : public TaskRunner {
 public:
  explicit LocalRunner(LocalRunnerOptions options) : options_(std::move(options)) {
    python_dir_ = fs::path(ResolvePython()).parent_path().string();
    if (options_.use_task_host) {
      // The host's own environment is what its forked tasks see in /proc/self/environ.
      host_ = TaskHost::Start(ResolvePython(), options_.work_root + "/host", options_.launcher,
                              TaskEnvironment(environ, options_.base_env, python_dir_));
    }
    int n = std::max(1, options_.max_parallel);
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Work(); });
  }

  // Stops every attempt still running (their nodes are picked up again after a restart).
  ~LocalRunner() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (auto* t : active_) t->Kill("the engine is shutting down");
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    for (auto& w : watchers_) w.join();
    host_.reset();
  }

  std::string name() const override { return "local"; }

  Result<std::unique_ptr<RunningTask>> Start(const TaskRun& run,
                                             std::function<void(RunResult)> done) override {
    if (run.argv.empty()) return Status::InvalidArgument("the task has no command to run");
    TaskRun local = run;
    if (run.raw_io) local.argv = LocalRawArgv(*run.raw_io, run.argv);
    auto task = std::make_shared<LocalTask>(std::move(local), std::move(done));
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(task);
    }
    cv_.notify_one();
    return std::unique_ptr<RunningTask>(new TaskRef(task));
  }

  // A raw-container process re-attached to writes its outputs where its command was told to.
  Result<std::unique_ptr<RunningTask>> Attach(const std::string& handle, const std::string&,
                                              const std::optional<RawIoRun>&,
                                              std::function<void(RunResult)> done) override {
    pid_t pid = 0;
    char start[64] = {0};
    if (std::sscanf(handle.c_str(), "pid:%d:%63s", &pid, start) != 2 || pid <= 0) {
      return Status::NotFound("no local process in handle '" + handle + "'");
    }
    if (StartTimeOf(pid) != start) return Status::NotFound("process " + std::to_string(pid) + " has ended");
    auto task = std::make_shared<LocalTask>(TaskRun{}, std::move(done));
    task->SetAttached(pid, handle);
    std::lock_guard<std::mutex> lock(mu_);
    watchers_.emplace_back([this, task, pid, want = std::string(start)] {
      // Not our child any more: watch it until it is gone. Its exit code is unknowable.
      while (StartTimeOf(pid) == want) {
        std::unique_lock<std::mutex> l(mu_);
        if (cv_.wait_for(l, std::chrono::milliseconds(100), [this] { return stopping_; })) return;
      }
      RunResult r;
      r.kind = RunResult::Kind::kLost;
      r.message = "the task process ended while the engine was away";
      task->Finish(r);
    });
    return std::unique_ptr<RunningTask>(new TaskRef(task));
  }

 private:
  std::string ResolvePython() const {
    if (options_.python.find('/') != std::string::npos) return options_.python;
    std::string found = FindOnPath(options_.python);
    return found.empty() ? options_.python : found;
  }

  // Why `command` did not start, and what to do about it.
  std::string NotStarted(const std::string& command, const Status& st) const {
    std::string name = fs::path(command).filename().string();
    if (name.rfind("pyflyte-", 0) == 0) {
      return "cannot start the task: its command '" + name + "' is not installed for the task " +
             "Python " + ResolvePython() + " (" + st.message() +
             "). That Python needs flytekit: " + "run '" + ResolvePython() +
             " -m pip install flytekit', or start the engine with " +
             "--python naming a Python that has flytekit";
    }
    return "cannot start the task: its command '" + command + "' was not found or is not " +
           "executable (" + st.message() + "). Install it where tasks run, or fix the task's " +
           "command";
  }

  std::string Executable(const std::string& name) const {
    if (name.find('/') != std::string::npos) return name;
    fs::path near = fs::path(python_dir_) / name;
    std::error_code ec;
    if (fs::exists(near, ec)) return near.string();
    return name;
  }

  void Work() {
    while (true) {
      std::shared_ptr<LocalTask> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        task = queue_.front();
        queue_.pop_front();
      }
      RunOne(*task);
    }
  }

  void RunOne(LocalTask& task) {
    std::string why;
    if (task.killed(&why)) {
      task.Finish({RunResult::Kind::kKilled, 0, why});
      return;
    }
    const TaskRun& run = task.run();
    fs::path dir = fs::path(options_.work_root) / run.key;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!run.log_path.empty()) fs::create_directories(fs::path(run.log_path).parent_path(), ec);

    // Code for fast-registered tasks goes to this attempt's own folder: tasks share the
    // machine, so the image's working folder named in --dest-dir is no place for it.
    for (size_t i = 1; i + 1 < task.mutable_run().argv.size(); ++i) {
      auto& argv = task.mutable_run().argv;
      if (argv[i] == "--") break;
      if (argv[i] == "--dest-dir" && fs::path(argv[0]).filename() == "pyflyte-fast-execute") {
        argv[i + 1] = dir.string();
      }
    }
    if (host_ && host_->ready() && TaskHost::Handles(run.argv)) {
      if (RunInHost(task, dir)) return;
    }
    ProcessSpec spec;
    spec.argv = run.argv;
    spec.argv[0] = Executable(spec.argv[0]);
    spec.env = TaskEnvironment(environ, options_.base_env, python_dir_);
    for (const auto& [k, v] : run.env) (*spec.env)[k] = v;
    spec.working_dir = dir.string();
    spec.out = run.log_path.empty() ? Output::Null() : Output::File(run.log_path);
    spec.err = spec.out;
    auto proc = options_.launcher->Launch(spec);
    if (!proc.ok()) {
      fs::remove_all(dir, ec);
      task.Finish({RunResult::Kind::kNotStarted, 127, NotStarted(run.argv[0], proc.status())});
      return;
    }
    task.SetProcess(std::move(proc).value());
    if (run.on_progress) run.on_progress(RunPhase::kRunning, "");
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_.insert(&task);
      if (stopping_) task.Kill("the engine is shutting down");
    }
    ExitStatus st = task.process()->Wait();
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_.erase(&task);
    }
    fs::remove_all(dir, ec);
    if (task.killed(&why)) {
      task.Finish({RunResult::Kind::kKilled, 0, why});
    } else if (st.signaled) {
      task.Finish({RunResult::Kind::kExited, 128 + st.signal, st.ToString()});
    } else {
      task.Finish({RunResult::Kind::kExited, st.code, st.ToString()});
    }
  }

  // Through the task host; false when it was unavailable (then the caller spawns).
  bool RunInHost(LocalTask& task, const fs::path& dir) {
    const TaskRun& run = task.run();
    TaskHost::Request req;
    req.argv = run.argv;
    req.env = TaskEnvironment(environ, options_.base_env, python_dir_);
    for (const auto& [k, v] : run.env) req.env[k] = v;
    req.cwd = dir.string();
    req.log_path = run.log_path.empty() ? "/dev/null" : run.log_path;
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_.insert(&task);
    }
    auto code = host_->Run(req, [&task](pid_t pid) {
      task.SetHostPid(pid);
      if (task.run().on_progress) task.run().on_progress(RunPhase::kRunning, "");
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_.erase(&task);
    }
    std::error_code ec;
    if (!code.ok()) {
      fs::remove_all(dir, ec);
      if (task.handle().empty()) return false;  // never started: spawn it instead
      task.Finish({RunResult::Kind::kLost, 0, "the task host went away"});
      return true;
    }
    fs::remove_all(dir, ec);
    std::string why;
    if (task.killed(&why)) {
      task.Finish({RunResult::Kind::kKilled, 0, why});
    } else {
      task.Finish({RunResult::Kind::kExited, *code, "exit code " + std::to_string(*code)});
    }
    return true;
  }

  LocalRunnerOptions options_;
  std::unique_ptr<TaskHost> host_;
  std::string python_dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<LocalTask>> queue_;  // guarded by mu_
  bool stopping_ = false;                         // guarded by mu_
  std::set<LocalTask*> active_;                   // guarded by mu_
  std::vector<std::thread> workers_;
  std::vector<std::thread> watchers_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<TaskRunner> NewLocalRunner(LocalRunnerOptions options) {
  return std::make_unique<LocalRunner>(std::move(options));
}

}  // namespace flytebox::executor
