// The argv of every engine operation, for docker, podman and nerdctl. nerdctl has no engine
// on the test machines: these shapes are all that covers its adapter.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/container_engine.h"

namespace flytebox::cli {
namespace {

using Argv = std::vector<std::string>;

EngineCommands Commands(const std::string& engine) {
  const EngineProfile* profile = FindEngineProfile(engine);
  EXPECT_NE(profile, nullptr) << engine;
  return EngineCommands(*profile, HostLimits{20000, 32768});
}

ContainerSpec Spec() {
  ContainerSpec s;
  s.name = "fb";
  s.image = "flytebox:0.1.0";
  s.volume = "fb";
  s.port = 31080;
  s.s3_port = 31002;
  s.env = {"FLYTEBOX_DB=sqlite", "A=b c"};
  s.labels = {{"org.flytebox.sandbox", "1"}, {"org.flytebox.port", "31080"}};
  return s;
}

bool Has(const Argv& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(EngineProfileTest, TheThreeEnginesAndNothingElse) {
  for (const char* name : {"docker", "podman", "nerdctl"}) {
    const EngineProfile* p = FindEngineProfile(name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name, name);
    EXPECT_EQ(p->probe.front(), name);
  }
  EXPECT_EQ(FindEngineProfile("lxc"), nullptr);
  EXPECT_EQ(FindEngineProfile("native"), nullptr);
  EXPECT_EQ(FindEngineProfile("docker")->probe,
            (Argv{"docker", "version", "--format", "{{.Server.Version}}"}));
  EXPECT_EQ(FindEngineProfile("podman")->probe,
            (Argv{"podman", "info", "--format", "{{.Version.Version}}"}));
  // nerdctl's `version` has no .Server.Version: its server is containerd, asked by `info`.
  EXPECT_EQ(FindEngineProfile("nerdctl")->probe,
            (Argv{"nerdctl", "info", "--format", "{{.ServerVersion}}"}));
  EXPECT_TRUE(FindEngineProfile("docker")->builds_image);
  EXPECT_TRUE(FindEngineProfile("podman")->builds_image);
  EXPECT_FALSE(FindEngineProfile("nerdctl")->builds_image);  // it has no `import`
}

TEST(EngineCommandsTest, DockerRunIsDetachedUnprivilegedOnLoopbackAndNeverPulls) {
  Argv argv = Commands("docker").Run(Spec());
  EXPECT_EQ(argv, (Argv{"docker", "run", "-d", "--name", "fb", "--pull", "never",
                        "--label", "org.flytebox.port=31080", "--label", "org.flytebox.sandbox=1",
                        "-v", "fb:/var/lib/flytebox",
                        "-p", "127.0.0.1:31080:30080", "-p", "127.0.0.1:31002:30002",
                        "-e", "FLYTEBOX_DB=sqlite", "-e", "A=b c", "flytebox:0.1.0"}));
  EXPECT_FALSE(Has(argv, "--privileged"));
}

// The set docs/KUBERNETES.md found necessary for a kubelet and containerd, only with
// --kubernetes, never --privileged; the API server published on loopback.
TEST(EngineCommandsTest, KubernetesAddsItsCapabilitySetOnlyWhenAsked) {
  Argv plain = Commands("docker").Run(Spec());
  EXPECT_FALSE(Has(plain, "--cap-add"));
  EXPECT_FALSE(Has(plain, "--cgroupns"));
  EXPECT_FALSE(Has(plain, "127.0.0.1:6443:6443"));
  EXPECT_FALSE(Has(plain, "127.0.0.1:30000:30000"));
  ContainerSpec spec = Spec();
  spec.kubernetes = true;
  spec.k8s_port = 16443;
  spec.registry_port = 15000;
  for (const char* engine : {"docker", "podman"}) {
    Argv argv = Commands(engine).Run(spec);
    EXPECT_FALSE(Has(argv, "--privileged")) << engine;
    EXPECT_TRUE(Has(argv, "127.0.0.1:16443:6443")) << engine;
    EXPECT_TRUE(Has(argv, "127.0.0.1:15000:30000")) << engine << ": the registry";
    for (const char* word :
         {"ALL", "SYS_RESOURCE", "seccomp=unconfined", "apparmor=unconfined",
          "/sys/fs/cgroup:/sys/fs/cgroup:rw", "a *:* rwm", "/dev/kmsg", "/run"}) {
      EXPECT_TRUE(Has(argv, word)) << engine << " lacks " << word;
    }
    auto drop = std::find(argv.begin(), argv.end(), "--cap-drop");
    ASSERT_NE(drop, argv.end());
    EXPECT_EQ(*(drop + 1), "SYS_RESOURCE");
    EXPECT_EQ(argv.back(), "flytebox:0.1.0") << "flags come before the image";
  }
  EXPECT_TRUE(Has(Commands("podman").Run(spec), "runc"));
  EXPECT_FALSE(Has(Commands("docker").Run(spec), "runc"));
}

TEST(EngineCommandsTest, TheSandboxGetsItsOwnIsolatedNetwork) {
  ContainerSpec spec = Spec();
  spec.network = "fb-net";
  for (const char* engine : {"docker", "podman", "nerdctl"}) {
    Argv run = Commands(engine).Run(spec);
    auto at = std::find(run.begin(), run.end(), "--network");
    ASSERT_NE(at, run.end()) << engine;
    EXPECT_EQ(*(at + 1), "fb-net");
    EXPECT_EQ(Commands(engine).InspectNetwork("fb-net"),
              (Argv{engine, "network", "inspect", "fb-net"}));
    EXPECT_EQ(Commands(engine).RemoveNetwork("fb-net"), (Argv{engine, "network", "rm", "fb-net"}));
  }
  EXPECT_EQ(Commands("docker").CreateNetwork("fb-net", {{"org.flytebox.sandbox", "1"}}),
            (Argv{"docker", "network", "create", "--driver", "bridge", "--label",
                  "org.flytebox.sandbox=1", "fb-net"}));
  // docker isolates its user-defined bridges; podman's CNI backend does not, so podman's
  // sandbox gets no bridge address at all.
  EXPECT_EQ(FindEngineProfile("docker")->private_network_mode, "");
  EXPECT_EQ(FindEngineProfile("podman")->private_network_mode, "slirp4netns");
  EXPECT_FALSE(Has(Commands("docker").Run(Spec()), "--network"));
}

TEST(EngineCommandsTest, PodmanGetsExplicitUlimitsTheOthersDoNot) {
  Argv podman = Commands("podman").Run(Spec());
  auto ulimit = std::find(podman.begin(), podman.end(), "--ulimit");
  ASSERT_NE(ulimit, podman.end());
  EXPECT_EQ(Argv(ulimit, podman.end()),
            (Argv{"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                  "flytebox:0.1.0"}));
  EXPECT_EQ(podman[0], "podman");
  EXPECT_FALSE(Has(Commands("docker").Run(Spec()), "--ulimit"));
  Argv nerdctl = Commands("nerdctl").Run(Spec());
  EXPECT_FALSE(Has(nerdctl, "--ulimit"));
  EXPECT_EQ(nerdctl[0], "nerdctl");
  EXPECT_TRUE(Has(nerdctl, "127.0.0.1:31080:30080"));
  EXPECT_TRUE(Has(Commands("podman").RunOnVolume("img", "fb", {"cat", "x"}), "--ulimit"));
}

TEST(EngineCommandsTest, PostgresPortAndOtherBindAddresses) {
  ContainerSpec s = Spec();
  s.postgres = true;
  s.db_port = 31001;
  s.bind = "::1";
  Argv argv = Commands("docker").Run(s);
  EXPECT_TRUE(Has(argv, "[::1]:31080:30080"));
  EXPECT_TRUE(Has(argv, "[::1]:31002:30002"));
  EXPECT_TRUE(Has(argv, "[::1]:31001:30001"));
  s.bind = "0.0.0.0";
  EXPECT_TRUE(Has(Commands("nerdctl").Run(s), "0.0.0.0:31001:30001"));
  EXPECT_FALSE(Has(Commands("docker").Run(Spec()), "127.0.0.1:30001:30001"));
}

TEST(EngineCommandsTest, LifecycleCommandsHaveTheSameShapeOnEveryEngine) {
  for (const char* e : {"docker", "podman", "nerdctl"}) {
    EngineCommands c = Commands(e);
    std::string b = e;
    EXPECT_EQ(c.InspectContainer("fb"), (Argv{b, "container", "inspect", "fb"}));
    EXPECT_EQ(c.ImageId("img:1"), (Argv{b, "image", "inspect", "--format", "{{.Id}}", "img:1"}));
    EXPECT_EQ(c.InspectVolume("fb"), (Argv{b, "volume", "inspect", "fb"}));
    EXPECT_EQ(c.CreateVolume("fb", {{"org.flytebox.sandbox", "1"}}),
              (Argv{b, "volume", "create", "--label", "org.flytebox.sandbox=1", "fb"}));
    EXPECT_EQ(c.Start("fb"), (Argv{b, "start", "fb"}));
    EXPECT_EQ(c.Stop("fb", 30), (Argv{b, "stop", "-t", "30", "fb"}));
    EXPECT_EQ(c.Remove("fb"), (Argv{b, "rm", "-f", "-v", "fb"}));
    EXPECT_EQ(c.RemoveVolume("fb"), (Argv{b, "volume", "rm", "fb"}));
    EXPECT_EQ(c.Logs("fb", true, -1), (Argv{b, "logs", "-f", "fb"}));
    EXPECT_EQ(c.Logs("fb", false, 20), (Argv{b, "logs", "--tail", "20", "fb"}));
    EXPECT_EQ(c.Signal("fb", "HUP"), (Argv{b, "kill", "-s", "HUP", "fb"}));
    EXPECT_EQ(c.Exec("fb", {}, {"ls", "-l"}), (Argv{b, "exec", "fb", "ls", "-l"}));
  }
  Argv run = Commands("docker").RunOnVolume("flytebox:0.1.0", "fb", {"cat", "/x"});
  EXPECT_EQ(run, (Argv{"docker", "run", "--rm", "--pull", "never", "--network", "none", "-v",
                       "fb:/var/lib/flytebox:ro", "flytebox:0.1.0", "cat", "/x"}));
}

TEST(EngineCommandsTest, ExecKeepsSecretsOffTheCommandLineWhereTheEngineAllows) {
  ExecOptions o;
  o.interactive = true;
  o.tty = true;
  o.user = "flytebox";
  o.workdir = "/home/flytebox";
  o.env = {{"SECRET", "s3cr3t"}};
  EXPECT_EQ(Commands("docker").Exec("fb", o, {"sh"}),
            (Argv{"docker", "exec", "-i", "-t", "-u", "flytebox", "-w", "/home/flytebox", "-e",
                  "SECRET", "fb", "sh"}));
  EXPECT_EQ(Commands("podman").Exec("fb", o, {"sh"})[9], "SECRET");
  // Not known to read the value from the client's environment: given inline.
  EXPECT_EQ(Commands("nerdctl").Exec("fb", o, {"sh"})[9], "SECRET=s3cr3t");
}

TEST(EngineCommandsTest, HostLimitsAreTheCallersHardLimitsCapped) {
  HostLimits limits = HostLimits::Read();
  EXPECT_GT(limits.nofile, 0);
  EXPECT_LE(limits.nofile, 1048576);
  EXPECT_GT(limits.nproc, 0);
  EXPECT_LE(limits.nproc, 1048576);
}

TEST(ShellJoinTest, QuotesOnlyWhatAShellWouldSplit) {
  EXPECT_EQ(ShellJoin({"docker", "run", "-e", "A=b c", "{{.Id}}", "it's", ""}),
            "docker run -e 'A=b c' '{{.Id}}' 'it'\\''s' ''");
}

}  // namespace
}  // namespace flytebox::cli
