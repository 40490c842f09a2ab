#include "embedded/kube/kubeconfig.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace flytebox::kube {
namespace {

// "CA PEM" and "TOKEN" in base64.
constexpr char kInline[] = R"(apiVersion: v1
kind: Config
current-context: second
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443/", certificate-authority-data: Q0EgUEVN}
- name: two
  cluster: {server: "https://10.0.0.1:443", insecure-skip-tls-verify: true}
users:
- name: cert
  user: {client-certificate: client.crt, client-key: client.key}
- name: tok
  user: {token: TOKEN}
- name: plugin
  user: {exec: {command: some-plugin}}
contexts:
- name: first
  context: {cluster: one, user: cert}
- name: second
  context: {cluster: two, user: tok}
- name: third
  context: {cluster: one, user: plugin}
- name: broken
  context: {cluster: nowhere, user: tok}
)";

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("kubeconfig-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "client.crt") << "CERT PEM";
    std::ofstream(dir_ / "client.key") << "KEY PEM";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KubeconfigTest, CurrentContextWithAToken) {
  auto a = ParseKubeconfig(kInline, dir_.string(), "");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->context, "second");
  EXPECT_EQ(a->server, "https://10.0.0.1:443");
  EXPECT_TRUE(a->insecure_skip_tls_verify);
  EXPECT_EQ(a->token, "TOKEN");
  EXPECT_TRUE(a->client_cert_pem.empty());
}

TEST_F(KubeconfigTest, NamedContextWithInlineCaAndCertificateFilesBesideTheKubeconfig) {
  auto a = ParseKubeconfig(kInline, dir_.string(), "first");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->server, "https://127.0.0.1:6443");
  EXPECT_EQ(a->ca_pem, "CA PEM");
  EXPECT_EQ(a->client_cert_pem, "CERT PEM");
  EXPECT_EQ(a->client_key_pem, "KEY PEM");
}

TEST_F(KubeconfigTest, WrongInputSaysWhatIsWrong) {
  auto missing = ParseKubeconfig(kInline, dir_.string(), "nope");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  auto broken = ParseKubeconfig(kInline, dir_.string(), "broken");
  EXPECT_NE(broken.status().message().find("nowhere"), std::string::npos);
  auto plugin = ParseKubeconfig(kInline, dir_.string(), "third");
  EXPECT_EQ(plugin.status().code(), Code::kInvalidArgument);
  EXPECT_NE(plugin.status().message().find("exec plugin"), std::string::npos);
  EXPECT_EQ(ParseKubeconfig("[1, 2", dir_.string(), "").status().code(), Code::kInvalidArgument);
  auto file = LoadKubeconfig((dir_ / "absent.yaml").string(), "");
  EXPECT_EQ(file.status().code(), Code::kNotFound);
  EXPECT_NE(file.status().message().find("absent.yaml"), std::string::npos);
}

}  // namespace
}  // namespace flytebox::kube
