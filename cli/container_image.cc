// `flytebox demo image load IMAGE`: an image of the engine's own store copied into the
// cluster of a sandbox started with --kubernetes.
#include <sstream>

#include "cli/container_runtime.h"
#include "common/strings.h"

namespace flytebox::cli {
namespace {

using namespace std::chrono_literals;

// The image store the kubelet's containerd uses inside the container (flytebox_k8s.py).
constexpr const char* kClusterContainerd = "/run/flytebox-k8s/containerd.sock";

// The names `ctr images import` printed ("unpacking NAME (sha256:...)...done").
std::vector<std::string> ImportedNames(const std::string& output) {
  std::vector<std::string> names;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const std::string head = "unpacking ";
    if (line.rfind(head, 0) != 0) continue;
    std::string name = line.substr(head.size(), line.find(' ', head.size()) - head.size());
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

std::string FirstLine(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!strings::TrimSpace(line).empty()) return std::string(strings::TrimSpace(line));
  }
  return {};
}

}  // namespace

int ContainerRuntime::LoadImage(const std::string& image) {
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (!seen->running()) {
    ctx_.err << "flytebox: no sandbox is running (" << name() << " container " << settings_.name
             << ": " << (seen->exists ? seen->status : "not found")
             << "); start one with `flytebox demo start --runtime " << name()
             << " --kubernetes`, then load the image\n";
    return kExitFailure;
  }
  if (!OptionsFromLabels(*seen).kubernetes) {
    ctx_.err << "flytebox: the sandbox in " << name() << " container " << settings_.name
             << " was started without --kubernetes: its tasks run as processes in the image's "
                "own Python, not in images. Start it again with `flytebox demo start --runtime "
             << name() << " --kubernetes` (the data in volume " << settings_.name
             << " stays), then load the image\n";
    return kExitFailure;
  }
  auto id = RunEngine(commands_.ImageId(image), 30s);
  if (!id.ok() || !id->status.success() || strings::TrimSpace(id->out).empty()) {
    ctx_.err << "flytebox: image " << image << " is not in " << name() << " ("
             << (id.ok() ? FirstLine(id->err + id->out) : id.status().message())
             << "): build or pull it first (`" << name() << " images` lists them)\n";
    return kExitFailure;
  }
  Progress progress(ctx_.err, ctx_.env.stderr_tty, ctx_.env.clock);
  progress.Begin(name() + " save " + image + " into the cluster of " + settings_.name);
  ExecOptions stdin_open;
  stdin_open.interactive = true;
  auto piped = runner_->Pipe(commands_.SaveImage(image),
                             commands_.Exec(settings_.name, stdin_open,
                                            {"ctr", "--address", kClusterContainerd, "-n", "k8s.io",
                                             "images", "import", "-"}),
                             30min);
  if (!piped.ok()) {
    progress.End(false);
    ctx_.err << "flytebox: loading " << image << ": " << piped.status().message() << "\n";
    return kExitFailure;
  }
  // The import's failure explains the save's (a closed pipe), so it is told first.
  if (!piped->consumer.success()) {
    progress.End(false);
    ctx_.err << "flytebox: importing " << image << " into the cluster failed ("
             << piped->consumer.ToString() << "): " << FirstLine(piped->consumer_out) << "\n";
    return kExitFailure;
  }
  if (!piped->producer.success()) {
    progress.End(false);
    ctx_.err << "flytebox: " << name() << " save " << image << " failed ("
             << piped->producer.ToString() << "): " << FirstLine(piped->producer_err) << "\n";
    return kExitFailure;
  }
  auto names = ImportedNames(piped->consumer_out);
  if (names.empty()) {
    progress.End(false);
    ctx_.err << "flytebox: the cluster imported no image from " << name() << " save " << image
             << " (it said: " << FirstLine(piped->consumer_out) << ")\n";
    return kExitFailure;
  }
  progress.End(true);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  ctx_.out << "loaded " << image << " into the cluster of sandbox " << settings_.name << " as "
           << list << "; a task with container_image=\"" << image
           << "\" runs in it (pods use it as is, never pulling)\n";
  return kExitOk;
}

}  // namespace flytebox::cli
