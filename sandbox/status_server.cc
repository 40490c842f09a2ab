#include "sandbox/status_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/net.h"

namespace flytebox::sandbox {
namespace {

constexpr size_t kMaxRequest = 8192;
constexpr auto kConnLifetime = std::chrono::seconds(5);

std::string Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string Render(const StatusServer::Answer& a) {
  return "HTTP/1.1 " + std::to_string(a.status) + " " + Reason(a.status) +
         "\r\nContent-Type: " + a.content_type +
         "\r\nContent-Length: " + std::to_string(a.body.size()) +
         "\r\nConnection: close\r\n\r\n" + a.body;
}

}  // namespace

Result<std::unique_ptr<StatusServer>> StatusServer::Start(const std::string& address,
                                                          Handler handler, Clock* clock) {
  FB_ASSIGN_OR_RETURN(int fd, Listen(address));
  return std::unique_ptr<StatusServer>(new StatusServer(fd, address, std::move(handler), clock));
}

StatusServer::~StatusServer() {
  for (auto& c : conns_) close(c.fd);
  close(listen_fd_);
  if (address_.rfind("unix:", 0) == 0) unlink(address_.substr(5).c_str());
}

void StatusServer::AddTo(PollSet* set) {
  set->Add(listen_fd_, POLLIN, [this](short) { Accept(); });
  for (auto it = conns_.begin(); it != conns_.end(); ++it) {
    short events = it->answered ? POLLOUT : POLLIN;
    set->Add(it->fd, events, [this, it](short revents) {
      if (!OnConn(&*it, revents)) {
        close(it->fd);
        conns_.erase(it);
      }
    });
  }
}

void StatusServer::Expire() {
  auto now = clock_->Monotonic();
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (now - it->opened > kConnLifetime) {
      close(it->fd);
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void StatusServer::Accept() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that went away
    if (conns_.size() >= 64) {
      close(fd);
      continue;
    }
    conns_.push_back(Conn{fd, clock_->Monotonic(), {}, {}});
  }
}

bool StatusServer::OnConn(Conn* conn, short revents) {
  if (!conn->answered) {
    char buf[2048];
    ssize_t n = read(conn->fd, buf, sizeof buf);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return false;
    conn->in.append(buf, static_cast<size_t>(n));
    bool complete = conn->in.find("\r\n\r\n") != std::string::npos ||
                    conn->in.find("\n\n") != std::string::npos;
    if (!complete) {
      if (conn->in.size() <= kMaxRequest) return true;
      conn->out = Render({400, "text/plain", "request too large\n"});
      conn->answered = true;
    } else {
      Respond(conn);
    }
  } else if (!(revents & POLLOUT)) {
    return false;  // the peer went away
  }
  ssize_t n = send(conn->fd, conn->out.data(), conn->out.size(), MSG_NOSIGNAL);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  conn->out.erase(0, static_cast<size_t>(n));
  return !conn->out.empty();
}

void StatusServer::Respond(Conn* conn) {
  conn->answered = true;
  size_t sp1 = conn->in.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : conn->in.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) {
    conn->out = Render({400, "text/plain", "bad request line\n"});
    return;
  }
  if (conn->in.compare(0, sp1, "GET") != 0) {
    conn->out = Render({405, "text/plain", "only GET is served here\n"});
    return;
  }
  conn->out = Render(handler_(conn->in.substr(sp1 + 1, sp2 - sp1 - 1)));
}

}  // namespace flytebox::sandbox
