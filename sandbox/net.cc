#include "sandbox/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flytebox::sandbox {
namespace {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_UNSPEC;
  int dir_fd = -1;  // held open while a long Unix path is reached through /proc/self/fd

  SockAddr() = default;
  SockAddr(const SockAddr&) = delete;
  SockAddr& operator=(const SockAddr&) = delete;
  ~SockAddr() {
    if (dir_fd >= 0) close(dir_fd);
  }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Status ResolveUnix(const std::string& path, SockAddr* out, std::string* bound_path) {
  auto* un = reinterpret_cast<sockaddr_un*>(&out->storage);
  un->sun_family = AF_UNIX;
  std::string use = path;
  if (use.size() >= sizeof un->sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    out->dir_fd = open(dir.empty() ? "/" : dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (out->dir_fd < 0) return Status::Unavailable(Errno("cannot open " + dir));
    use = "/proc/self/fd/" + std::to_string(out->dir_fd) + "/" + path.substr(slash + 1);
    if (use.size() >= sizeof un->sun_path) {
      return Status::InvalidArgument("socket name too long: " + path);
    }
  }
  std::memcpy(un->sun_path, use.c_str(), use.size() + 1);
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + use.size() + 1);
  out->family = AF_UNIX;
  if (bound_path) *bound_path = use;
  return Status::Ok();
}

Status ResolveTcp(const std::string& hostport, SockAddr* out) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("expected HOST:PORT: " + hostport);
  std::string host = hostport.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host.empty()) host = "127.0.0.1";
  int port = std::atoi(hostport.c_str() + colon + 1);
  if (port < 0 || port > 65535) return Status::InvalidArgument("bad port in " + hostport);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out->len = sizeof(sockaddr_in);
    out->family = AF_INET;
    return Status::Ok();
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out->len = sizeof(sockaddr_in6);
    out->family = AF_INET6;
    return Status::Ok();
  }
  return Status::InvalidArgument("not an IP address: " + host);
}

Status Resolve(const std::string& address, SockAddr* out, std::string* unix_path = nullptr) {
  if (address.rfind("unix:", 0) == 0) return ResolveUnix(address.substr(5), out, unix_path);
  if (address.rfind("tcp:", 0) == 0) return ResolveTcp(address.substr(4), out);
  return Status::InvalidArgument("address must be unix:PATH or tcp:HOST:PORT, not '" + address +
                                 "'");
}

}  // namespace

std::string TcpAddress(const std::string& host, int port) {
  std::string h = host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]"
                                                                             : host;
  return "tcp:" + h + ":" + std::to_string(port);
}

Result<int> Listen(const std::string& address) {
  SockAddr addr;
  std::string unix_path;
  FB_RETURN_IF_ERROR(Resolve(address, &addr, &unix_path));
  int fd = socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno("socket"));
  if (addr.family == AF_UNIX) {
    unlink(unix_path.c_str());  // a socket file left by an earlier run
  } else {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  mode_t old_mask = umask(0077);  // the socket file: owner only
  int rc = bind(fd, addr.get(), addr.len);
  umask(old_mask);
  if (rc != 0 || listen(fd, 64) != 0) {
    Status st = Status::Unavailable(Errno("cannot listen on " + address));
    close(fd);
    return st;
  }
  return fd;
}

Result<int> StartConnect(const std::string& address, bool* in_progress) {
  SockAddr addr;
  FB_RETURN_IF_ERROR(Resolve(address, &addr));
  int fd = socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno("socket"));
  *in_progress = false;
  if (connect(fd, addr.get(), addr.len) != 0) {
    if (errno == EINPROGRESS || errno == EAGAIN) {
      *in_progress = true;
    } else {
      Status st = Status::Unavailable(Errno("cannot connect to " + address));
      close(fd);
      return st;
    }
  }
  return fd;
}

Result<HttpReply> ParseHttpReply(const std::string& raw) {
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) {
    return Status::Unavailable("not an HTTP response");
  }
  HttpReply reply;
  reply.status = std::atoi(raw.c_str() + 9);
  size_t body = raw.find("\r\n\r\n");
  if (body != std::string::npos) reply.body = raw.substr(body + 4);
  return reply;
}

namespace {

// Waits for `events` on fd until `deadline`; false on timeout.
bool WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<HttpReply> HttpGet(const std::string& address, const std::string& path,
                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool in_progress = false;
  FB_ASSIGN_OR_RETURN(int fd, StartConnect(address, &in_progress));
  auto fail = [fd](Status st) {
    close(fd);
    return st;
  };
  if (in_progress) {
    if (!WaitFor(fd, POLLOUT, deadline)) return fail(Status::DeadlineExceeded("connect timed out"));
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return fail(Status::Unavailable("cannot connect to " + address + ": " + std::strerror(err)));
    }
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return fail(Status::Unavailable(Errno("cannot send to " + address)));
  }
  std::string raw;
  char buf[16384];
  while (true) {
    if (!WaitFor(fd, POLLIN, deadline)) return fail(Status::DeadlineExceeded("no answer in time"));
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > (64 << 20)) return fail(Status::ResourceExhausted("answer too large"));
  }
  close(fd);
  return ParseHttpReply(raw);
}

}  // namespace flytebox::sandbox
