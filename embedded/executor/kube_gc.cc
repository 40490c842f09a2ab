#include "embedded/executor/kube_gc.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/log.h"
#include "embedded/executor/kube_pods.h"

namespace flytebox::executor {
namespace {

using nlohmann::json;
constexpr char kLog[] = "kube";

std::optional<Clock::WallTime> Later(std::optional<Clock::WallTime> a, const json& text) {
  if (!text.is_string()) return a;
  auto t = ParseKubeTime(text.get<std::string>());
  if (!t) return a;
  return !a || *t > *a ? t : a;
}

}  // namespace

std::optional<Clock::WallTime> ParseKubeTime(const std::string& text) {
  std::tm tm{};
  char zone = 0;
  // Seconds are whole in the API's timestamps; fractions (MicroTime) are ignored.
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  zone = text.back();
  if (zone != 'Z') return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t secs = timegm(&tm);
  if (secs == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs);
}

std::optional<Clock::WallTime> PodFinishedAt(const json& pod) {
  if (!pod.is_object() || !pod.contains("status")) return std::nullopt;
  const json& status = pod["status"];
  std::string phase = status.value("phase", "");
  if (phase != "Succeeded" && phase != "Failed") return std::nullopt;
  std::optional<Clock::WallTime> at;
  if (status.contains("containerStatuses")) {
    for (const auto& cs : status["containerStatuses"]) {
      if (cs.contains("state") && cs["state"].contains("terminated")) {
        at = Later(at, cs["state"]["terminated"].value("finishedAt", json()));
      }
    }
  }
  if (!at && status.contains("conditions")) {
    for (const auto& c : status["conditions"]) at = Later(at, c.value("lastTransitionTime", json()));
  }
  if (!at && pod.contains("metadata")) at = Later(at, pod["metadata"].value("creationTimestamp", json()));
  return at ? at : std::optional<Clock::WallTime>(Clock::WallTime{});
}

PodCollector::PodCollector(kube::Client* client, PodCollectorOptions options)
    : client_(client), options_(std::move(options)) {
  thread_ = std::thread([this] { Loop(); });
}

PodCollector::~PodCollector() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int PodCollector::Sweep() {
  const std::string selector =
      kube::QueryEscape(std::string(kManagedByLabel) + "=" + kManagedByValue);
  int deleted = 0;
  Clock::WallTime now = options_.clock->Now();
  for (const char* phase : {"Succeeded", "Failed"}) {
    auto r = client_->Call("GET", "/api/v1/pods?labelSelector=" + selector +
                                      "&fieldSelector=" + kube::QueryEscape(std::string("status.phase=") + phase));
    if (!r.ok() || !r->ok()) {
      FB_LOG(kWarn, kLog) << "listing finished pods: "
                          << (r.ok() ? kube::StatusOf(*r, "list").message() : r.status().message());
      return deleted;
    }
    json list = json::parse(r->body, nullptr, false);
    if (!list.is_object() || !list.contains("items")) continue;
    for (const auto& pod : list["items"]) {
      auto finished = PodFinishedAt(pod);
      if (!finished || now - *finished < options_.ttl) continue;
      std::string ns = pod["metadata"].value("namespace", "");
      std::string name = pod["metadata"].value("name", "");
      if (options_.in_use && options_.in_use(ns + "/" + name)) continue;
      auto d = client_->Call("DELETE", "/api/v1/namespaces/" + ns + "/pods/" + name);
      if (d.ok() && (d->ok() || d->status == 404)) {
        ++deleted;
      } else {
        FB_LOG(kWarn, kLog) << "deleting finished pod " << ns << "/" << name << ": "
                            << (d.ok() ? kube::StatusOf(*d, "delete").message() : d.status().message());
      }
    }
  }
  if (deleted > 0) {
    FB_LOG(kInfo, kLog) << "deleted " << deleted << " finished pods older than "
                        << options_.ttl.count() << " s";
  }
  return deleted;
}

void PodCollector::Loop() {
  auto every = std::clamp<std::chrono::seconds>(options_.ttl / 2, std::chrono::seconds(1),
                                                std::chrono::seconds(600));
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto deadline = options_.clock->Monotonic() + every;
      while (!stopping_ && options_.clock->Monotonic() < deadline) {
        options_.clock->WaitUntil(cv_, lock, deadline);
      }
      if (stopping_) return;
    }
    Sweep();
  }
}

}  // namespace flytebox::executor
