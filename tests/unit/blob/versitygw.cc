#include "tests/unit/blob/versitygw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

namespace flytebox::blob::testing {
namespace fs = std::filesystem;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string RandomHex(size_t bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out += kDigits[v >> 4];
    out += kDigits[v & 0xf];
  }
  return out;
}

namespace {

std::string Binary() {
  if (const char* env = std::getenv("FLYTEBOX_VERSITYGW"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/flytebox/bin/versitygw";
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::unique_ptr<Versitygw>> Versitygw::Start(bool keep_alive, const std::string& accounts) {
  std::string exe = Binary();
  if (::access(exe.c_str(), X_OK) != 0) {
    return Status::FailedPrecondition("no versitygw at " + exe +
                                      ": run scripts/install-deps.sh versitygw or set "
                                      "FLYTEBOX_VERSITYGW");
  }
  std::unique_ptr<Versitygw> gw(new Versitygw());
  gw->dir_ = fs::temp_directory_path() / ("flytebox-vgw-" + RandomHex(6));
  fs::create_directories(gw->dir_ / "data");
  gw->port_ = FreePort();
  gw->access_key_ = "AK" + RandomHex(8);
  gw->secret_key_ = RandomHex(20);
  ProcessSpec spec;
  spec.argv = {exe, "--port", "127.0.0.1:" + std::to_string(gw->port_), "--quiet"};
  if (keep_alive) spec.argv.push_back("--keep-alive");
  if (!accounts.empty()) {
    fs::create_directories(gw->dir_ / "iam");
    std::ofstream((gw->dir_ / "iam" / "users.json").string()) << accounts;
    spec.argv.insert(spec.argv.end(), {"--iam-dir", (gw->dir_ / "iam").string()});
  }
  spec.argv.insert(spec.argv.end(), {"posix", (gw->dir_ / "data").string()});
  // Credentials through the environment, as the sandbox passes them.
  spec.env_overrides = {{"ROOT_ACCESS_KEY_ID", gw->access_key_},
                        {"ROOT_SECRET_ACCESS_KEY", gw->secret_key_}};
  spec.out = Output::File((gw->dir_ / "versitygw.log").string());
  spec.err = Output::File((gw->dir_ / "versitygw.log").string());
  FB_ASSIGN_OR_RETURN(gw->process_, ProcessLauncher::Real()->Launch(spec));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!Accepts(gw->port_)) {
    if (auto exit = gw->process_->Poll()) {
      return Status::Unavailable("versitygw exited (" + exit->ToString() + "); see " +
                                 (gw->dir_ / "versitygw.log").string());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::DeadlineExceeded("versitygw did not listen on " +
                                      std::to_string(gw->port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling for readiness
  }
  return gw;
}

S3Config Versitygw::Config(const std::string& bucket) const {
  S3Config config;
  config.endpoint = endpoint();
  config.bucket = bucket;
  config.access_key = access_key_;
  config.secret_key = secret_key_;
  return config;
}

void Versitygw::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  process_->Wait();
  process_.reset();
}

Versitygw::~Versitygw() {
  Stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace flytebox::blob::testing
