#include "sandbox/probe.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/net.h"

namespace flytebox::sandbox {
namespace {

// Splits http://HOST:PORT/PATH into a tcp: address and the path.
bool SplitUrl(const std::string& url, std::string* address, std::string* path, std::string* host) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  *path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.back() == ']') hostport += ":80";
  *address = "tcp:" + hostport;
  *host = hostport.substr(0, hostport.rfind(':'));
  return true;
}

}  // namespace

std::unique_ptr<ProbeAttempt> ProbeAttempt::Start(const Probe& probe, ProcessLauncher* launcher,
                                                  Clock::MonoTime deadline) {
  std::unique_ptr<ProbeAttempt> a(new ProbeAttempt(probe, deadline));
  if (probe.kind == Probe::Kind::kNone) {
    a->Finish(Outcome::kReady, "");
    return a;
  }
  if (probe.kind == Probe::Kind::kExec) {
    ProcessSpec spec;
    spec.argv = probe.argv;
    spec.out = Output::Null();
    spec.err = Output::Null();
    auto proc = launcher->Launch(spec);
    if (!proc.ok()) {
      a->Finish(Outcome::kNotReady, proc.status().message());
    } else {
      a->process_ = std::move(*proc);
      a->pid_ = a->process_->pid();
    }
    return a;
  }
  std::string address = TcpAddress(probe.host, probe.port);
  std::string path = "/";
  std::string host = probe.host;
  if (probe.kind == Probe::Kind::kHttp && !SplitUrl(probe.url, &address, &path, &host)) {
    a->Finish(Outcome::kNotReady, "bad probe URL " + probe.url);
    return a;
  }
  a->request_ = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nUser-Agent: flytebox-sandbox"
                "\r\n\r\n";
  bool in_progress = false;
  auto fd = StartConnect(address, &in_progress);
  if (!fd.ok()) {
    a->Finish(Outcome::kNotReady, fd.status().message());
    return a;
  }
  a->fd_ = *fd;
  if (!in_progress) a->OnConnected();
  return a;
}

ProbeAttempt::~ProbeAttempt() {
  if (fd_ >= 0) close(fd_);
}

void ProbeAttempt::Finish(Outcome outcome, std::string detail) {
  outcome_ = outcome;
  detail_ = std::move(detail);
  phase_ = Phase::kDone;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void ProbeAttempt::OnConnected() {
  if (probe_.kind == Probe::Kind::kTcp) {
    Finish(Outcome::kReady, "");
    return;
  }
  phase_ = Phase::kSending;
  OnSendable();
}

void ProbeAttempt::OnSendable() {
  ssize_t n = send(fd_, request_.data(), request_.size(), MSG_NOSIGNAL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    Finish(Outcome::kNotReady, std::string("send: ") + std::strerror(errno));
    return;
  }
  request_.erase(0, static_cast<size_t>(n));
  if (request_.empty()) phase_ = Phase::kReading;
}

void ProbeAttempt::OnReadable() {
  char buf[4096];
  ssize_t n = read(fd_, buf, sizeof buf);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    Finish(Outcome::kNotReady, std::string("read: ") + std::strerror(errno));
    return;
  }
  if (n > 0 && response_.size() < 65536) response_.append(buf, static_cast<size_t>(n));
  // The status line is all that matters; stop at its end or at EOF.
  if (n > 0 && response_.find("\r\n") == std::string::npos) return;
  auto reply = ParseHttpReply(response_);
  if (!reply.ok()) {
    Finish(Outcome::kNotReady, "no HTTP answer");
  } else if (reply->status >= 200 && reply->status < 300) {
    Finish(Outcome::kReady, "");
  } else {
    Finish(Outcome::kNotReady, "HTTP " + std::to_string(reply->status));
  }
}

void ProbeAttempt::OnEvents(short revents) {
  if (phase_ == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Finish(Outcome::kNotReady, std::strerror(err));
      return;
    }
    if (!(revents & POLLOUT)) return;
    OnConnected();
    return;
  }
  if (phase_ == Phase::kSending && (revents & (POLLOUT | POLLERR | POLLHUP))) {
    OnSendable();
    return;
  }
  if (phase_ == Phase::kReading && (revents & (POLLIN | POLLERR | POLLHUP))) OnReadable();
}

void ProbeAttempt::OnExit(const ExitStatus& status) {
  pid_ = -1;
  if (status.success()) {
    Finish(Outcome::kReady, "");
  } else {
    Finish(Outcome::kNotReady, "probe " + status.ToString());
  }
}

void ProbeAttempt::Expire() {
  if (outcome_ != Outcome::kPending) return;
  if (pid_ > 0) kill(-pid_, SIGKILL);  // the supervisor still reaps it
  Finish(Outcome::kNotReady, "probe timed out");
}

}  // namespace flytebox::sandbox
