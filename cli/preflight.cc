#include "cli/preflight.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/exit_codes.h"

namespace flytebox::cli {
namespace {

constexpr const char* kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp

// Socket inodes of listeners on `port` in one /proc/net/tcp* table.
void ListenerInodes(const char* table, int port, std::set<std::string>* inodes) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retrans, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >>
        inode;
    size_t colon = local.rfind(':');
    if (colon == std::string::npos || state != kListenState) continue;
    if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) inodes->insert(inode);
  }
}

Status BindProbe(const std::string& address, int port, int* err) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    return Status::InvalidArgument("--bind must be an IP address, not '" + address + "'");
  }
  int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  *err = bind(fd, reinterpret_cast<sockaddr*>(&storage), len) == 0 ? 0 : errno;
  close(fd);
  return Status::Ok();
}

}  // namespace

pid_t FindListener(int port) {
  std::set<std::string> inodes;
  ListenerInodes("/proc/net/tcp", port, &inodes);
  ListenerInodes("/proc/net/tcp6", port, &inodes);
  inodes.erase("0");
  if (inodes.empty()) return 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  pid_t found = 0;
  while (dirent* p = readdir(proc)) {
    if (found || p->d_name[0] < '1' || p->d_name[0] > '9') continue;
    std::string fd_dir = std::string("/proc/") + p->d_name + "/fd";
    DIR* fds = opendir(fd_dir.c_str());
    if (!fds) continue;  // another user's process
    while (dirent* f = readdir(fds)) {
      char target[128];
      ssize_t n = readlink((fd_dir + "/" + f->d_name).c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      std::string link(target, static_cast<size_t>(n));
      if (link.rfind("socket:[", 0) == 0 && inodes.count(link.substr(8, link.size() - 9))) {
        found = static_cast<pid_t>(std::atoi(p->d_name));
        break;
      }
    }
    closedir(fds);
  }
  closedir(proc);
  return found;
}

std::string ProcessName(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(in, argv0, '\0');
  if (!argv0.empty()) return argv0;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::getline(comm, argv0);
  return argv0;
}

Status CheckPortFree(const std::string& bind_address, int port, const std::string& purpose,
                     const std::string& flag) {
  int err = 0;
  FB_RETURN_IF_ERROR(BindProbe(bind_address, port, &err));
  if (err == 0) return Status::Ok();
  std::string where = "port " + std::to_string(port) + " (" + purpose + ") on " + bind_address;
  if (err == EACCES) {
    return Status::PermissionDenied(where + " needs privileges; choose another with " + flag);
  }
  if (err == EADDRNOTAVAIL) {
    return Status::InvalidArgument(bind_address + " is not an address of this machine (--bind)");
  }
  if (err != EADDRINUSE) {
    return Status::Unavailable(where + " cannot be bound: " + std::strerror(err));
  }
  std::string holder;
  if (pid_t pid = FindListener(port)) {
    holder = " by pid " + std::to_string(pid);
    std::string name = ProcessName(pid);
    if (!name.empty()) holder += " (" + name + ")";
  }
  return Status::AlreadyExists(where + " is taken" + holder + "; free it or choose another with " +
                               flag + " PORT");
}

}  // namespace flytebox::cli

namespace flytebox::cli {

Status CheckPortsFree(const std::string& bind_address, const std::vector<PortUse>& ports,
                      int* exit_code) {
  for (size_t i = 0; i < ports.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ports[i].port == ports[j].port) {
        *exit_code = kExitUsage;
        return Status::InvalidArgument(std::string(ports[j].flag) + " and " + ports[i].flag +
                                       " are both " + std::to_string(ports[i].port));
      }
    }
  }
  for (const auto& p : ports) {
    Status st = CheckPortFree(bind_address, p.port, p.purpose, p.flag);
    if (!st.ok()) {
      *exit_code = st.code() == Code::kAlreadyExists    ? kExitPortBusy
                   : st.code() == Code::kInvalidArgument ? kExitUsage
                                                         : kExitFailure;
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace flytebox::cli
