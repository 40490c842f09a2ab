#include "embedded/executor/task_host.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/log.h"

namespace flytebox::executor {

extern const char kTaskHostScript[];

namespace {

constexpr char kLog[] = "runner";

struct Pending {
  std::function<void(pid_t)> on_pid;
  bool done = false;
  int exit_code = 0;
};

}  // namespace

struct TaskHost::State {
  std::mutex mu;
  std::condition_variable cv;
  int listen_fd = -1;
  int conn_fd = -1;     // guarded by mu once set
  bool ready = false;   // guarded by mu
  bool dead = false;    // guarded by mu
  bool stopping = false;
  int64_t next_id = 1;  // guarded by mu
  std::map<int64_t, Pending*> pending;  // guarded by mu
  std::unique_ptr<Process> process;
  std::thread thread;
  std::mutex write_mu;

  void Fail() {
    std::lock_guard<std::mutex> lock(mu);
    dead = true;
    ready = false;
    for (auto& [id, p] : pending) {
      p->done = true;
      p->exit_code = -1;
    }
    cv.notify_all();
  }

  void Serve() {
    int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd < 0) {
      Fail();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      conn_fd = fd;
      ready = !stopping;
    }
    FB_LOG(kInfo, kLog) << "task host ready (pid " << process->pid() << ")";
    std::string buf;
    char chunk[4096];
    while (true) {
      ssize_t n = ::read(fd, chunk, sizeof(chunk));
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        nlohmann::json msg = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!msg.is_object() || !msg.contains("id")) continue;
        std::unique_lock<std::mutex> lock(mu);
        auto it = pending.find(msg["id"].get<int64_t>());
        if (it == pending.end()) continue;
        Pending* p = it->second;
        if (msg.contains("pid")) {
          auto cb = p->on_pid;
          lock.unlock();
          if (cb) cb(static_cast<pid_t>(msg["pid"].get<int64_t>()));
        } else if (msg.contains("exit")) {
          int code = msg["exit"].get<int>();
          p->exit_code = code < 0 ? 128 - code : code;  // -N: killed by signal N
          p->done = true;
          cv.notify_all();
        }
      }
    }
    if (!stopping) {
      FB_LOG(kWarn, kLog) << "the task host went away; tasks start as processes";
    }
    Fail();
  }
};

bool TaskHost::Handles(const std::vector<std::string>& argv) {
  if (argv.empty()) return false;
  std::string name = std::filesystem::path(argv[0]).filename().string();
  return name == "pyflyte-execute" || name == "pyflyte-fast-execute" ||
         name == "pyflyte-map-execute";
}

std::unique_ptr<TaskHost> TaskHost::Start(const std::string& python, const std::string& dir,
                                          ProcessLauncher* launcher,
                                          const std::map<std::string, std::string>& env) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string script = dir + "/task_host.py";
  std::string sock = dir + "/task-host.sock";
  {
    std::ofstream out(script, std::ios::trunc);
    out << kTaskHostScript;
  }
  auto state = std::make_shared<State>();
  state->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock.size() >= sizeof(addr.sun_path) || state->listen_fd < 0) {
    FB_LOG(kWarn, kLog) << "no task host: socket path too long (" << sock << ")";
    return nullptr;
  }
  std::filesystem::remove(sock, ec);
  std::strncpy(addr.sun_path, sock.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(state->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(state->listen_fd, 1) != 0) {
    ::close(state->listen_fd);
    return nullptr;
  }
  ProcessSpec spec;
  spec.argv = {python, script, sock};
  spec.env = env;  // the whole environment, never the engine's (see task_env.h)
  spec.out = Output::File(dir + "/task-host.log");
  spec.err = spec.out;
  auto proc = launcher->Launch(spec);
  if (!proc.ok()) {
    FB_LOG(kWarn, kLog) << "no task host: " << proc.status().ToString();
    ::close(state->listen_fd);
    return nullptr;
  }
  state->process = std::move(proc).value();
  state->thread = std::thread([s = state.get()] { s->Serve(); });
  return std::unique_ptr<TaskHost>(new TaskHost(state));
}

TaskHost::~TaskHost() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
    state_->ready = false;
  }
  if (state_->process) state_->process->Signal(SIGKILL);
  ::shutdown(state_->listen_fd, SHUT_RDWR);
  if (state_->conn_fd >= 0) ::shutdown(state_->conn_fd, SHUT_RDWR);
  if (state_->thread.joinable()) state_->thread.join();
  if (state_->process) state_->process->Wait();
  ::close(state_->listen_fd);
  if (state_->conn_fd >= 0) ::close(state_->conn_fd);
}

bool TaskHost::ready() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->ready;
}

Result<int> TaskHost::Run(const Request& request, const std::function<void(pid_t)>& on_pid) {
  Pending pending;
  pending.on_pid = on_pid;
  int64_t id;
  int fd;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->ready) return Status::Unavailable("the task host is not running");
    id = state_->next_id++;
    state_->pending[id] = &pending;
    fd = state_->conn_fd;
  }
  nlohmann::json msg = {{"id", id},
                        {"argv", request.argv},
                        {"env", request.env},
                        {"cwd", request.cwd},
                        {"log", request.log_path}};
  std::string line = msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  bool sent = true;
  {
    std::lock_guard<std::mutex> lock(state_->write_mu);
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::send(fd, p, left, MSG_NOSIGNAL);
      if (n <= 0) {
        sent = false;
        break;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  std::unique_lock<std::mutex> lock(state_->mu);
  if (sent) state_->cv.wait(lock, [&] { return pending.done; });
  state_->pending.erase(id);
  if (!sent || pending.exit_code == -1) return Status::Unavailable("the task host went away");
  return pending.exit_code;
}

}  // namespace flytebox::executor
