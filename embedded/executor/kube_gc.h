#pragma once
// Finished pods kept for a while (for `kubectl logs` and `describe`, as on a Flyte cluster),
// then deleted by a sweep over every finished pod this engine labelled.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "embedded/kube/client.h"

namespace flytebox::executor {

// When a pod finished: the latest finishedAt of its containers (else when it last changed
// condition); nullopt while it has not finished (phase neither Succeeded nor Failed).
std::optional<Clock::WallTime> PodFinishedAt(const nlohmann::json& pod);

// "2026-12-03T05:30:00Z" (RFC 3339 as the API writes it); nullopt when unreadable.
std::optional<Clock::WallTime> ParseKubeTime(const std::string& text);

struct PodCollectorOptions {
  std::chrono::seconds ttl{23 * 3600};
  // Pods still followed by the runner are left alone whatever their age ("ns/name").
  std::function<bool(const std::string& key)> in_use;
  Clock* clock = Clock::Real();
};

// A thread that, every ttl/2 (between 1 s and 10 min), lists finished pods of this engine and
// deletes those finished more than `ttl` ago. Stops (and joins) when destroyed.
class PodCollector {
 public:
  PodCollector(kube::Client* client, PodCollectorOptions options);
  ~PodCollector();
  PodCollector(const PodCollector&) = delete;
  PodCollector& operator=(const PodCollector&) = delete;

  // One sweep now: the number of pods deleted.
  int Sweep();

 private:
  void Loop();

  kube::Client* client_;
  PodCollectorOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace flytebox::executor
