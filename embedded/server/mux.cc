#include "embedded/server/mux.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace flytebox::server {
namespace {

constexpr char kLog[] = "mux";
constexpr char kPreface[] = "PRI * HTTP/2.0";
constexpr int kSniffTimeoutMs = 10'000;

// Reads without consuming until the first bytes tell the protocol. 1: HTTP/2, 0: other,
// -1: the peer went away or said nothing in time.
int Sniff(int fd) {
  const size_t want = sizeof(kPreface) - 1;
  char buf[sizeof(kPreface)];
  for (int waited = 0; waited < kSniffTimeoutMs;) {
    ssize_t n = recv(fd, buf, want, MSG_PEEK);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) n = 0;
      else return -1;
    }
    if (n > 0 && std::memcmp(buf, kPreface, static_cast<size_t>(n)) != 0) return 0;
    if (static_cast<size_t>(n) == want) return 1;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) < 0 && errno != EINTR) return -1;
    waited += 50;
  }
  return -1;
}

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Copies what is readable on `from` to `to`; false when `from` is closed or failed.
bool Pump(int from, int to) {
  char buf[65536];
  ssize_t n = recv(from, buf, sizeof buf, 0);
  if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);
  for (ssize_t sent = 0; sent < n;) {
    ssize_t w = send(to, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += w;
  }
  return true;
}

// Each spliced connection costs three descriptors (client, upstream and the HTTP server's
// end): the usual soft limit of 1024 would stop accepting long before max_connections.
void RaiseDescriptorLimit(int max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(max_connections) * 3 + 1024;
  if (lim.rlim_max != RLIM_INFINITY && want > lim.rlim_max) want = lim.rlim_max;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

Result<std::unique_ptr<Mux>> Mux::Listen(Options options) {
  RaiseDescriptorLimit(options.max_connections);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.bind_address.c_str(), &addr.sin_addr) != 1) {
    close(fd);
    return Status::InvalidArgument("not an IPv4 address: " + options.bind_address);
  }
  std::string where = options.bind_address + ":" + std::to_string(options.port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(fd);
    return Status::Unavailable("cannot listen on " + where + ": " + std::strerror(err));
  }
  if (listen(fd, 512) != 0) {
    int err = errno;
    close(fd);
    return Status::Unavailable("cannot listen on " + where + ": " + std::strerror(err));
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return std::unique_ptr<Mux>(new Mux(std::move(options), fd, ntohs(addr.sin_port)));
}

Mux::Mux(Options options, int fd, int port)
    : options_(std::move(options)), listen_fd_(fd), port_(port) {}

Mux::~Mux() { Stop(); }

void Mux::Start() { accept_thread_ = std::thread([this] { AcceptLoop(); }); }

void Mux::Stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  close(listen_fd_);
}

void Mux::AcceptLoop() {
  while (!stopping_) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        FB_LOG(kWarn, kLog) << "out of file descriptors; pausing accept";
        poll(nullptr, 0, 100);
        continue;
      }
      return;  // listen socket shut down
    }
    if (connections_.load() >= options_.max_connections) {
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++connections_;
    std::thread([this, fd] {
      Serve(fd);
      --connections_;
    }).detach();
  }
}

void Mux::Serve(int fd) {
  switch (Sniff(fd)) {
    case 1:
      // gRPC's transport reads until EAGAIN: on a blocking socket it would stall a poller
      // thread in recvmsg whenever a message spans several reads.
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      options_.grpc_handoff(fd);
      return;
    case 0:
      Splice(fd);
      return;
    default:
      close(fd);
  }
}

void Mux::Splice(int client) {
  int upstream = ConnectLoopback(options_.http_port);
  if (upstream < 0) {
    FB_LOG(kError, kLog) << "internal HTTP server unreachable on port " << options_.http_port;
    close(client);
    return;
  }
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  while (!stopping_) {
    int n = poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !Pump(client, upstream)) break;
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !Pump(upstream, client)) break;
  }
  close(client);
  close(upstream);
}

}  // namespace flytebox::server
