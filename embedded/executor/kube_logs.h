#pragma once
// A task pod's log kept in the attempt's log file (what the engine's /logs/ route serves):
// followed through the pod log API while the container runs, so the file grows as the pod
// writes, and made whole from one more read when the attempt ends. The file outlives the pod.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "embedded/kube/client.h"

namespace flytebox::executor {

class PodLog {
 public:
  // `client` must outlive this object's follow (Close() ends it). Bytes already in the file
  // at `path` are taken as the log's first bytes (an engine re-attached to its pod).
  PodLog(kube::Client* client, std::string ns, std::string pod, std::string container,
         std::string path);
  ~PodLog();  // Close()
  PodLog(const PodLog&) = delete;
  PodLog& operator=(const PodLog&) = delete;

  // Creates the (empty) file, so the log link answers before the pod runs.
  void Touch();

  // Starts following the container's log into the file; later calls do nothing. A follow
  // refused, ended or quiet for 10 s (doubling while nothing comes, up to 5 min) is made
  // again a second later, writing only the bytes past those the file already has.
  void Follow();

  // Makes the file hold the container's whole log: the follow stopped and what it missed
  // read at once; then `extra` (a line of the engine's own) appended. Once: later calls do
  // nothing.
  void Complete(const std::string& extra);

  // The follow stopped (the pod was deleted or the engine stops); returns when it has.
  void Close();

  // True once the follow has ended (or never started): Close() then returns at once.
  bool idle() const { return !started_ || ended_; }

 private:
  void Run();
  void Write(std::string_view data, uint64_t* offset);  // under mu_

  kube::Client* client_;
  const std::string ns_, pod_, container_, path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;      // guarded by mu_
  bool finished_ = false;  // guarded by mu_: Complete() has run
  uint64_t written_ = 0;   // guarded by mu_: bytes of the log in the file
  std::atomic<bool> started_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

}  // namespace flytebox::executor
