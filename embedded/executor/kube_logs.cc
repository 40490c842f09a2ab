#include "embedded/executor/kube_logs.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/log.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "kube";
constexpr std::chrono::seconds kQuietFollow{10};
constexpr std::chrono::seconds kQuietFollowMax{300};

void Append(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// The kubelet answers a log read that fails after it has begun (the container's log file
// not there yet, seen while a pod starts) with 200 and its error as the body: not the log.
bool KubeletError(std::string_view body) {
  return body.size() < 2048 && body.rfind("failed to ", 0) == 0 &&
         body.find("/var/log/pods/") != std::string_view::npos;
}

// True while the first bytes of an answer may still turn out to be such an error.
bool MaybeKubeletError(std::string_view head) {
  constexpr std::string_view kStart = "failed to ";
  if (head.size() < kStart.size()) return kStart.substr(0, head.size()) == head;
  return head.rfind(kStart, 0) == 0 && head.size() < 2048;
}

}  // namespace

PodLog::PodLog(kube::Client* client, std::string ns, std::string pod, std::string container,
               std::string path)
    : client_(client),
      ns_(std::move(ns)),
      pod_(std::move(pod)),
      container_(std::move(container)),
      path_(std::move(path)) {
  std::error_code ec;  // an engine started again goes on after what the file has
  uintmax_t size = path_.empty() ? 0 : std::filesystem::file_size(path_, ec);
  written_ = ec ? 0 : size;
}

PodLog::~PodLog() { Close(); }

void PodLog::Touch() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  Append(path_, "");
}

void PodLog::Follow() {
  std::lock_guard<std::mutex> lock(mu_);
  if (path_.empty() || stop_ || finished_ || started_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void PodLog::Write(std::string_view data, uint64_t* offset) {
  // A follow tried again starts from the log's beginning: skip what the file already has.
  uint64_t end = *offset + data.size();
  if (end > written_) {
    size_t skip = written_ > *offset ? static_cast<size_t>(written_ - *offset) : 0;
    Append(path_, data.substr(skip));
    written_ = end;
  }
  *offset = end;
}

void PodLog::Run() {
  const std::string path = "/api/v1/namespaces/" + ns_ + "/pods/" + pod_ +
                           "/log?follow=true&container=" + kube::QueryEscape(container_);
  auto stopped = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_;
  };
  using Clock = std::chrono::steady_clock;
  auto quiet_limit = kQuietFollow;
  while (!stopped()) {
    // A follow that brings nothing new for a while is ended and made again: a kubelet may
    // miss the writes to a log file it follows (seen under load) and ends a follow when it
    // likes. Each new follow sends the log from its start; only the new bytes are written.
    uint64_t offset = 0;
    bool grew = false;
    std::string head;  // the first bytes, held while they may be a kubelet error
    bool holding = false;
    Clock::time_point last = Clock::now();
    auto write = [&](std::string_view data) {  // under mu_
      uint64_t before = written_;
      Write(data, &offset);
      if (written_ > before) {
        grew = true;
        last = Clock::now();
      }
    };
    auto r = client_->StreamBytes(
        path,
        [&](std::string_view data) {
          std::lock_guard<std::mutex> lock(mu_);
          if (stop_) return;
          if (offset == 0 && (holding || head.empty())) {
            head.append(data);
            holding = MaybeKubeletError(head);
            if (holding) return;
            write(head);
            head.clear();
            return;
          }
          write(data);
        },
        [&] { return stopped() || Clock::now() - last > quiet_limit; });
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stop_ && holding && !KubeletError(head)) write(head);
    }
    quiet_limit = grew ? kQuietFollow : std::min(quiet_limit * 2, kQuietFollowMax);
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) break;
    if (!r.ok() || r->status != 200) {  // not readable yet (container being made), or broken
      FB_LOG(kDebug, kLog) << "following the log of pod " << ns_ << "/" << pod_ << ": "
                           << (r.ok() ? r->body : r.status().message());
    }
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
  ended_ = true;
}

void PodLog::Complete(const std::string& extra) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_ || path_.empty()) return;
  finished_ = true;
  stop_ = true;  // the follow writes nothing more, whatever it still receives
  cv_.notify_all();
  // The whole log read once more and written over the followed bytes: a follow may have
  // missed its end (or, under load, received bytes that are not the log's).
  auto r = client_->Call("GET", "/api/v1/namespaces/" + ns_ + "/pods/" + pod_ +
                                    "/log?container=" + kube::QueryEscape(container_));
  if (r.ok() && r->ok() && !KubeletError(r->body)) {  // the file is then exactly the log
    std::ofstream out(path_, std::ios::trunc | std::ios::binary);
    out.write(r->body.data(), static_cast<std::streamsize>(r->body.size()));
    written_ = r->body.size();
  }
  if (!extra.empty()) Append(path_, extra + "\n");
}

void PodLog::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace flytebox::executor
