#include "sandbox/probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/wait.h>

#include <filesystem>
#include <thread>

#include "sandbox/net.h"

namespace flytebox::sandbox {
namespace {

using namespace std::chrono_literals;

// A listener on a free loopback port that answers each connection with `answer`.
class TinyServer {
 public:
  explicit TinyServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 4);
    thread_ = std::thread([this] {
      int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      char buf[1024];
      (void)!read(conn, buf, sizeof buf);
      (void)!write(conn, answer_.data(), answer_.size());
      close(conn);
    });
  }
  ~TinyServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string answer_;
  int fd_;
  int port_ = 0;
  std::thread thread_;
};

ProbeAttempt::Outcome Drive(ProbeAttempt* a) {
  for (int i = 0; i < 1000 && a->outcome() == ProbeAttempt::Outcome::kPending; ++i) {
    pollfd p{a->fd(), a->events(), 0};
    if (poll(&p, 1, 10) > 0) a->OnEvents(p.revents);
  }
  return a->outcome();
}

Probe Http(int port, const std::string& path) {
  Probe p;
  p.kind = Probe::Kind::kHttp;
  p.url = "http://127.0.0.1:" + std::to_string(port) + path;
  return p;
}

TEST(ProbeTest, HttpIsReadyOnlyOnA2xxAnswer) {
  {
    TinyServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    auto a = ProbeAttempt::Start(Http(server.port(), "/healthz"), ProcessLauncher::Real(),
                                 Clock::Real()->Monotonic() + 5s);
    EXPECT_EQ(Drive(a.get()), ProbeAttempt::Outcome::kReady) << a->detail();
  }
  {
    TinyServer server("HTTP/1.1 503 Service Unavailable\r\n\r\n");
    auto a = ProbeAttempt::Start(Http(server.port(), "/healthz"), ProcessLauncher::Real(),
                                 Clock::Real()->Monotonic() + 5s);
    EXPECT_EQ(Drive(a.get()), ProbeAttempt::Outcome::kNotReady);
    EXPECT_EQ(a->detail(), "HTTP 503");
  }
}

TEST(ProbeTest, TcpIsReadyWhenSomethingListens) {
  TinyServer server("");
  Probe p;
  p.kind = Probe::Kind::kTcp;
  p.host = "127.0.0.1";
  p.port = server.port();
  auto a = ProbeAttempt::Start(p, ProcessLauncher::Real(), Clock::Real()->Monotonic() + 5s);
  EXPECT_EQ(Drive(a.get()), ProbeAttempt::Outcome::kReady) << a->detail();
}

TEST(ProbeTest, NothingListeningIsNotReady) {
  int port;
  {
    TinyServer closed("");
    port = closed.port();
  }
  auto a = ProbeAttempt::Start(Http(port, "/"), ProcessLauncher::Real(),
                               Clock::Real()->Monotonic() + 5s);
  EXPECT_EQ(Drive(a.get()), ProbeAttempt::Outcome::kNotReady);
  EXPECT_FALSE(a->detail().empty());
}

TEST(ProbeTest, ExecIsDecidedByTheExitStatus) {
  Probe p;
  p.kind = Probe::Kind::kExec;
  p.argv = {"/bin/sh", "-c", "exit 4"};
  auto a = ProbeAttempt::Start(p, ProcessLauncher::Real(), Clock::Real()->Monotonic() + 5s);
  ASSERT_GT(a->pid(), 0);
  EXPECT_EQ(a->outcome(), ProbeAttempt::Outcome::kPending);
  int raw = 0;
  ASSERT_EQ(waitpid(a->pid(), &raw, 0), a->pid());
  a->OnExit(ExitStatus{WEXITSTATUS(raw), 0, false});
  EXPECT_EQ(a->outcome(), ProbeAttempt::Outcome::kNotReady);
  EXPECT_EQ(a->detail(), "probe exit code 4");
}

TEST(NetTest, ParsesHttpReplies) {
  auto r = ParseHttpReply("HTTP/1.0 404 Not Found\r\nA: b\r\n\r\nbody");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "body");
  EXPECT_FALSE(ParseHttpReply("SSH-2.0").ok());
}

TEST(NetTest, LongUnixSocketPathsWork) {
  std::string dir = "/tmp/fb-net-" + std::to_string(getpid()) + "/" + std::string(100, 'x');
  std::filesystem::create_directories(dir);
  std::string address = "unix:" + dir + "/s.sock";
  auto fd = Listen(address);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  bool in_progress = false;
  auto client = StartConnect(address, &in_progress);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (client.ok()) close(*client);
  close(*fd);
  std::filesystem::remove_all("/tmp/fb-net-" + std::to_string(getpid()));
}

}  // namespace
}  // namespace flytebox::sandbox
