#include "tests/unit/executor/fake_runner.h"

#include <atomic>

namespace flytebox::executor::testing {

namespace {
std::atomic<int> g_next_handle{1};
}  // namespace

struct FakeRunner::Shared {
  struct Entry {
    FakeAttempt info;
    std::function<void(RunResult)> done;
  };

  // Marks entry i ended and returns its callback (empty when it had ended already).
  std::function<void(RunResult)> TakeDone(size_t i, const std::string& killed) {
    std::lock_guard<std::mutex> lock(mu);
    if (i >= entries.size() || entries[i].info.ended) return nullptr;
    entries[i].info.ended = true;
    if (!killed.empty()) entries[i].info.killed = killed;
    return std::move(entries[i].done);
  }

  size_t Add(FakeAttempt info, std::function<void(RunResult)> done) {
    std::lock_guard<std::mutex> lock(mu);
    entries.push_back({std::move(info), std::move(done)});
    cv.notify_all();
    return entries.size() - 1;
  }

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Entry> entries;          // guarded by mu
  std::set<std::string> attachable;    // guarded by mu
  std::vector<std::string> attach_requests;  // guarded by mu
};

class FakeRunner::Task : public RunningTask {
 public:
  Task(std::shared_ptr<Shared> shared, size_t index, std::string handle)
      : shared_(std::move(shared)), index_(index), handle_(std::move(handle)) {}
  std::string handle() const override { return handle_; }
  void Kill(const std::string& why) override {
    auto done = shared_->TakeDone(index_, why.empty() ? "killed" : why);
    if (done) done(RunResult{RunResult::Kind::kKilled, 0, why});
  }

 private:
  std::shared_ptr<Shared> shared_;
  size_t index_;
  std::string handle_;
};

FakeRunner::FakeRunner() : shared_(std::make_shared<Shared>()) {}
FakeRunner::~FakeRunner() = default;

Result<std::unique_ptr<RunningTask>> FakeRunner::Start(const TaskRun& run,
                                                       std::function<void(RunResult)> done) {
  FakeAttempt info;
  info.run = run;
  info.handle = "fake:" + std::to_string(g_next_handle++);
  std::string handle = info.handle;
  // A fake attempt runs as soon as it is added (and may end at once: running comes first).
  if (run.on_progress) run.on_progress(RunPhase::kRunning, "");
  size_t i = shared_->Add(std::move(info), std::move(done));
  return std::unique_ptr<RunningTask>(std::make_unique<Task>(shared_, i, handle));
}

Result<std::unique_ptr<RunningTask>> FakeRunner::Attach(const std::string& handle,
                                                        const std::string&,
                                                        const std::optional<RawIoRun>& raw_io,
                                                        std::function<void(RunResult)> done) {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->attach_requests.push_back(handle);
    if (!shared_->attachable.count(handle)) {
      return Status::NotFound("no attempt " + handle + " runs here");
    }
  }
  FakeAttempt info;
  info.handle = handle;
  info.attached = true;
  info.run.raw_io = raw_io;
  size_t i = shared_->Add(std::move(info), std::move(done));
  return std::unique_ptr<RunningTask>(std::make_unique<Task>(shared_, i, handle));
}

void FakeRunner::AllowAttach(const std::string& handle) {
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->attachable.insert(handle);
}

std::vector<std::string> FakeRunner::attach_requests() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->attach_requests;
}

size_t FakeRunner::count() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->entries.size();
}

FakeAttempt FakeRunner::attempt(size_t i) const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return i < shared_->entries.size() ? shared_->entries[i].info : FakeAttempt{};
}

bool FakeRunner::End(size_t i, RunResult result) {
  auto done = shared_->TakeDone(i, "");
  if (!done) return false;
  done(std::move(result));
  return true;
}

bool FakeRunner::WaitForCount(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->entries.size() >= n; });
}

}  // namespace flytebox::executor::testing
