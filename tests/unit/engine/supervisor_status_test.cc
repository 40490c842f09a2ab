// Reading the supervisor's status document for the console (GET /api/v1/sandbox/status).
#include "embedded/server/supervisor_status.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>

#include <thread>

#include "tests/unit/temp_dir.h"

namespace flytebox::server {
namespace {

using std::chrono_literals::operator""ms;

TEST(SupervisorStatusTest, ReadsTheDocumentOverAUnixSocket) {
  testing::TempDir dir;
  std::string socket = dir / "supervisor.sock";
  httplib::Server status;
  status.set_address_family(AF_UNIX);
  status.Get("/status", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ready":true,"components":[{"name":"engine"}]})", "application/json");
  });
  ASSERT_TRUE(status.bind_to_port(socket, 80));
  std::thread serve([&] { status.listen_after_bind(); });
  while (!status.is_running()) std::this_thread::sleep_for(1ms);
  auto doc = FetchSupervisorStatus("unix:" + socket, 2000ms);
  status.stop();
  serve.join();
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(*doc, R"({"ready":true,"components":[{"name":"engine"}]})");
}

TEST(SupervisorStatusTest, NothingListeningIsUnavailable) {
  testing::TempDir dir;
  auto doc = FetchSupervisorStatus("unix:" + (dir / "none.sock"), 500ms);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Code::kUnavailable);
  EXPECT_NE(doc.status().message().find("does not answer"), std::string::npos);
}

TEST(SupervisorStatusTest, AnAddressOfNeitherFormIsRefused) {
  for (const char* bad : {"", "unix:", "localhost", "localhost:0", ":80", "host:99999"}) {
    auto doc = FetchSupervisorStatus(bad, 500ms);
    ASSERT_FALSE(doc.ok()) << bad;
    EXPECT_EQ(doc.status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace flytebox::server
