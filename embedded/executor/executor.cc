// The executor's public face and its loop: one thread runs every posted job and timer.
#include <filesystem>

#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

// Flyte's short form of long child ids: FNV-32a, base32 over a-z then 1-6.
std::string HashId(const std::string& id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : id) {
    h ^= c;
    h *= 16777619u;
  }
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz123456";
  std::string out = "f";
  uint64_t bits = h;
  int nbits = 32;
  while (nbits > 0) {
    int shift = std::max(nbits - 5, 0);
    uint64_t chunk = (bits >> shift) & ((1u << (nbits - shift)) - 1);
    if (nbits < 5) chunk <<= (5 - nbits);
    out += kAlphabet[chunk & 31];
    nbits -= 5;
  }
  return out;
}

}  // namespace

std::string IdKey(const fc::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name() + "/" + id.version();
}
std::string ExecKey(const fc::WorkflowExecutionIdentifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name();
}
std::string ChildNodeId(const std::string& parent, int attempt, const std::string& spec) {
  std::string id = parent + "-" + std::to_string(attempt) + "-" + spec;
  return id.size() > 20 ? HashId(id) : id;
}
int64_t NowMicros(Clock* clock) { return admin::ToMicros(clock->Now()); }

Result<std::unique_ptr<Executor>> Executor::Start(ExecutorOptions options) {
  if (!options.admin || !options.blobs || !options.runner) {
    return Status::InvalidArgument("the executor needs admin, blobs and a runner");
  }
  auto driver = std::make_unique<Driver>(std::move(options));
  FB_RETURN_IF_ERROR(driver->Resume());
  return std::unique_ptr<Executor>(std::move(driver));
}

Driver::Driver(ExecutorOptions options) : options_(std::move(options)) {
  if (options_.raw_prefix.empty()) {
    options_.raw_prefix = options_.blobs->NativeUri("data");
  }
  thread_ = std::thread([this] { Loop(); });
}

Driver::~Driver() { Stop(); }

void Driver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Driver::Resume() {
  FB_ASSIGN_OR_RETURN(auto unfinished, options_.admin->ListUnfinishedExecutions());
  for (const auto& exec : unfinished) {
    fc::WorkflowExecutionIdentifier id = exec.id();
    Post([this, id] { StartRun(id, /*resume=*/true); });
  }
  if (!unfinished.empty()) {
    FB_LOG(kInfo, kLog) << "resuming " << unfinished.size() << " unfinished execution(s)";
  }
  return Status::Ok();
}

void Driver::OnCreated(const fc::WorkflowExecutionIdentifier& id) {
  Post([this, id] { StartRun(id, /*resume=*/false); });
}

void Driver::OnTerminate(const fc::WorkflowExecutionIdentifier& id) {
  Post([this, id] {
    auto it = runs_.find(ExecKey(id));
    if (it == runs_.end()) {
      // Not running here (never started): just record the end.
      Status st = options_.admin->MutateExecution(id, [](fa::Execution* e) {
        e->mutable_closure()->set_phase(fc::WorkflowExecution::ABORTED);
        return Status::Ok();
      });
      CheckWrite(st, "recording the abort of execution " + id.name());
      return;
    }
    AbortRun(*it->second);
  });
}

Result<std::string> Driver::LogFile(const std::string& link_path) const {
  if (link_path.find("..") != std::string::npos || link_path.empty() || link_path[0] == '/') {
    return Status::InvalidArgument("bad log path");
  }
  std::string path = options_.log_dir + "/" + link_path + ".log";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("no log at " + link_path);
  return path;
}

void Driver::CheckWrite(const Status& st, const std::string& what) {
  if (st.ok()) return;
  ++failed_writes_;
  FB_LOG(kError, kLog) << what << ": " << st.ToString();
}

namespace {

bool StoreUnreachable(const Status& st) {
  return st.code() == Code::kUnavailable || st.code() == Code::kResourceExhausted;
}

}  // namespace

void Driver::WriteRecord(const std::string& key, const std::string& what,
                         std::function<Status()> write) {
  Status st = write();
  if (st.ok() || !StoreUnreachable(st)) {
    unwritten_.erase(key);  // older than this one
    CheckWrite(st, what);
    return;
  }
  if (unwritten_.count(key) == 0) CheckWrite(st, what + " (kept, tried again every second)");
  unwritten_[key] = {what, std::move(write)};
  if (!retry_scheduled_) {
    retry_scheduled_ = true;
    After(std::chrono::seconds(1), [this] { RetryUnwritten(); });
  }
}

void Driver::RetryUnwritten() {
  retry_scheduled_ = false;
  auto pending = std::move(unwritten_);
  unwritten_.clear();
  size_t left = 0;
  for (auto& [key, entry] : pending) {
    // A write of this key made meanwhile is newer: keep that one.
    if (unwritten_.count(key)) continue;
    Status st = entry.second();
    if (st.ok()) {
      FB_LOG(kInfo, kLog) << entry.first << ": written after all";
    } else if (StoreUnreachable(st)) {
      unwritten_[key] = std::move(entry);
      ++left;
    } else {
      CheckWrite(st, entry.first);
    }
  }
  if (left > 0 && !retry_scheduled_) {
    retry_scheduled_ = true;
    After(std::chrono::seconds(1), [this] { RetryUnwritten(); });
  }
}

// ---- the loop ----

void Driver::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

uint64_t Driver::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_timer_++;
  timers_.emplace(options_.clock->Monotonic() + delay, std::make_pair(id, std::move(fn)));
  cv_.notify_one();
  return id;
}

void Driver::Cancel(uint64_t timer) {
  if (timer == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == timer) {
      timers_.erase(it);
      return;
    }
  }
}

void Driver::Loop() {
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_ && queue_.empty()) {
        if (timers_.empty()) {
          cv_.wait(lock);
          continue;
        }
        auto due = timers_.begin()->first;
        if (due <= options_.clock->Monotonic()) break;
        options_.clock->WaitUntil(cv_, lock, due);
      }
      if (stopping_) return;
      if (!queue_.empty()) {
        fn = std::move(queue_.front());
        queue_.pop_front();
      } else {
        fn = std::move(timers_.begin()->second.second);
        timers_.erase(timers_.begin());
      }
    }
    // The loop's edge: nothing a job throws may end the engine.
    try {
      fn();
    } catch (const std::exception& e) {
      FB_LOG(kError, kLog) << "a job on the executor thread failed: " << e.what();
    }
  }
}


}  // namespace flytebox::executor
