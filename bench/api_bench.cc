// api_bench: load for the engine's gRPC control plane. N client threads, each on its own
// channel (its own HTTP/2 connection), call GetExecution or CreateExecution back to back
// for a fixed time; the tool prints throughput and latency percentiles per operation.
//
// Setup (unless --no-setup): registers a task `bench.echo` (name: str -> str) and runs it
// once as a single-task execution, which makes the engine register its `.flytegen` workflow
// and launch plan. Executions are then created from that launch plan (op `create`, as when
// a registered workflow is launched) or from the task itself (op `create-task`, as
// `pyflyte run --remote` of a task does); --get-pool of them are made first for
// GetExecution (op `get`) to read back. Run the engine with --no-executions to measure the API alone;
// scripts/bench-api.sh does all of this.
//
// Output: a human line per operation and a machine line starting with "RESULT".
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "flyteidl/service/admin.grpc.pb.h"

namespace {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;
namespace fs = ::flyteidl::service;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "127.0.0.1:30080";
  std::string project = "flytesnacks";
  std::string domain = "development";
  int threads = 4;
  double seconds = 5;
  double warmup = 1;
  int get_pool = 64;
  bool setup = true;
  std::vector<std::string> ops = {"get", "create", "create-task"};
  // An engine under --auth: every call carries this bearer token (from the environment
  // variable FLYTEBOX_BENCH_TOKEN), as flytekit's calls do.
  std::string token;
};

// A call's context, with the token when there is one.
void Authorize(grpc::ClientContext* ctx, const Options& o) {
  if (!o.token.empty()) ctx->AddMetadata("flyte-authorization", "Bearer " + o.token);
}

struct Stats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::vector<uint32_t> micros;  // one per measured call
};

std::string RandomTag() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 rng{std::random_device{}()};
  std::string tag;
  for (int i = 0; i < 6; ++i) tag += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return tag;
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, int index) {
  grpc::ChannelArguments args;
  args.SetInt("flytebox.bench.channel", index);  // distinct args: no shared connection
  args.SetMaxReceiveMessageSize(32 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

fc::Identifier TaskId(const Options& o) {
  fc::Identifier id;
  id.set_resource_type(fc::TASK);
  id.set_project(o.project);
  id.set_domain(o.domain);
  id.set_name("bench.echo");
  id.set_version("v1");
  return id;
}

// The launch plan the engine made for the task.
fc::Identifier LaunchPlanId(const Options& o) {
  fc::Identifier id = TaskId(o);
  id.set_resource_type(fc::LAUNCH_PLAN);
  id.set_name(".flytegen." + id.name());
  return id;
}

void AddStringVariable(fc::VariableMap* vars, const std::string& name) {
  (*vars->mutable_variables())[name].mutable_type()->set_simple(fc::STRING);
}

fa::ExecutionCreateRequest CreateRequest(const Options& o, const std::string& name,
                                         bool from_task) {
  fa::ExecutionCreateRequest req;
  req.set_project(o.project);
  req.set_domain(o.domain);
  req.set_name(name);
  *req.mutable_spec()->mutable_launch_plan() = from_task ? TaskId(o) : LaunchPlanId(o);
  (*req.mutable_inputs()->mutable_literals())["name"]
      .mutable_scalar()->mutable_primitive()->set_string_value("bench");
  return req;
}

fc::WorkflowExecutionIdentifier ExecId(const Options& o, const std::string& name) {
  fc::WorkflowExecutionIdentifier id;
  id.set_project(o.project);
  id.set_domain(o.domain);
  id.set_name(name);
  return id;
}

// Registers the task (ALREADY_EXISTS, the same definition, is fine) and runs it once.
bool Setup(fs::AdminService::Stub& stub, const Options& o, const std::string& tag) {
  fa::TaskCreateRequest req;
  *req.mutable_id() = TaskId(o);
  fc::TaskTemplate* t = req.mutable_spec()->mutable_template_();
  *t->mutable_id() = TaskId(o);
  t->set_type("python-task");
  t->mutable_metadata()->mutable_runtime()->set_type(fc::RuntimeMetadata::FLYTE_SDK);
  t->mutable_container()->set_image("flytebox/bench:v1");
  t->mutable_container()->add_args("pyflyte-execute");
  AddStringVariable(t->mutable_interface()->mutable_inputs(), "name");
  AddStringVariable(t->mutable_interface()->mutable_outputs(), "o0");
  fa::TaskCreateResponse resp;
  grpc::ClientContext ctx;
  Authorize(&ctx, o);
  grpc::Status st = stub.CreateTask(&ctx, req, &resp);
  if (!st.ok() && st.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
    std::fprintf(stderr, "api_bench: registering the task failed: %s\n",
                 st.error_message().c_str());
    return false;
  }
  fa::ExecutionCreateResponse created;
  grpc::ClientContext run_ctx;
  Authorize(&run_ctx, o);
  st = stub.CreateExecution(&run_ctx, CreateRequest(o, "s" + tag, /*from_task=*/true), &created);
  if (!st.ok()) {
    std::fprintf(stderr, "api_bench: running the task failed: %s\n", st.error_message().c_str());
    return false;
  }
  return true;
}

// One call of `op`; `seq` is unique per thread and call.
grpc::Status Call(fs::AdminService::Stub& stub, const Options& o, const std::string& op,
                  const std::vector<std::string>& pool, const std::string& prefix, uint64_t seq) {
  grpc::ClientContext ctx;
  Authorize(&ctx, o);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (op == "get") {
    fa::WorkflowExecutionGetRequest req;
    *req.mutable_id() = ExecId(o, pool[seq % pool.size()]);
    fa::Execution resp;
    return stub.GetExecution(&ctx, req, &resp);
  }
  fa::ExecutionCreateResponse resp;
  return stub.CreateExecution(&ctx, CreateRequest(o, prefix + std::to_string(seq),
                                                  op == "create-task"),
                              &resp);
}

Stats RunOp(const Options& o, const std::string& op, const std::vector<std::string>& pool,
            const std::string& tag) {
  std::vector<Stats> per_thread(static_cast<size_t>(o.threads));
  std::vector<std::thread> workers;
  std::atomic<int> ready{0};
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o.warmup));
  const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o.seconds));
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      auto channel = NewChannel(o.target, t);
      auto stub = fs::AdminService::NewStub(channel);
      channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
      ++ready;
      std::this_thread::sleep_until(start);
      Stats& s = per_thread[static_cast<size_t>(t)];
      s.micros.reserve(1 << 16);
      const std::string prefix = "c" + tag + "-" + std::to_string(op.size()) + "-" +
                                 std::to_string(t) + "-";
      for (uint64_t seq = static_cast<uint64_t>(t) * 7919;; ++seq) {
        auto before = Clock::now();
        if (before >= end) break;
        grpc::Status st = Call(*stub, o, op, pool, prefix, seq);
        auto after = Clock::now();
        if (before < measure_from) continue;
        ++s.calls;
        if (!st.ok()) {
          if (s.errors++ == 0) s.first_error = st.error_message();
          continue;
        }
        s.micros.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(after - before).count()));
      }
    });
  }
  for (auto& w : workers) w.join();
  Stats all;
  for (auto& s : per_thread) {
    all.calls += s.calls;
    all.errors += s.errors;
    if (all.first_error.empty()) all.first_error = s.first_error;
    all.micros.insert(all.micros.end(), s.micros.begin(), s.micros.end());
  }
  return all;
}

uint32_t Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void Report(const Options& o, const char* name, Stats& s) {
  const double rate = static_cast<double>(s.calls - s.errors) / o.seconds;
  const uint32_t p50 = Percentile(s.micros, 0.50);
  const uint32_t p99 = Percentile(s.micros, 0.99);
  const uint32_t max = s.micros.empty() ? 0 : *std::max_element(s.micros.begin(), s.micros.end());
  std::printf("%-16s threads=%d calls=%llu errors=%llu  %.0f calls/s  p50 %.2f ms  p99 %.2f ms"
              "  max %.2f ms\n",
              name, o.threads, static_cast<unsigned long long>(s.calls),
              static_cast<unsigned long long>(s.errors), rate, p50 / 1000.0, p99 / 1000.0,
              max / 1000.0);
  if (s.errors) std::printf("  first error: %s\n", s.first_error.c_str());
  std::printf("RESULT op=%s threads=%d calls=%llu errors=%llu rps=%.1f p50_us=%u p99_us=%u "
              "max_us=%u\n",
              name, o.threads, static_cast<unsigned long long>(s.calls),
              static_cast<unsigned long long>(s.errors), rate, p50, p99, max);
  std::fflush(stdout);
}

// Creates the executions GetExecution reads; their names, or empty on failure.
std::vector<std::string> MakeGetPool(fs::AdminService::Stub& stub, const Options& o,
                                     const std::string& tag) {
  std::vector<std::string> names;
  for (int i = 0; i < o.get_pool; ++i) {
    std::string name = "g" + tag + "-" + std::to_string(i);
    fa::ExecutionCreateResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, o);
    Authorize(&ctx, o);
    grpc::Status st = stub.CreateExecution(&ctx, CreateRequest(o, name, false), &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "api_bench: creating %s failed: %s\n", name.c_str(),
                   st.error_message().c_str());
      return {};
    }
    names.push_back(name);
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("api_bench: GetExecution and CreateExecution load on the engine's gRPC API",
               "api_bench");
  app.add_option("--target", o.target, "Engine address host:port")->capture_default_str();
  app.add_option("--project", o.project)->capture_default_str();
  app.add_option("--domain", o.domain)->capture_default_str();
  app.add_option("--threads", o.threads, "Client threads, one connection each")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--seconds", o.seconds, "Measured time per operation")->capture_default_str();
  app.add_option("--warmup", o.warmup, "Unmeasured time before that")->capture_default_str();
  app.add_option("--get-pool", o.get_pool, "Executions GetExecution cycles through")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--ops", o.ops, "Operations, in order: get, create, create-task")
      ->capture_default_str()->check(CLI::IsMember({"get", "create", "create-task"}));
  app.add_flag("!--no-setup", o.setup, "Skip registering the task (already there)");
  CLI11_PARSE(app, argc, argv);
  if (const char* token = std::getenv("FLYTEBOX_BENCH_TOKEN")) o.token = token;

  auto stub = fs::AdminService::NewStub(NewChannel(o.target, -1));
  const std::string tag = RandomTag();
  if (o.setup && !Setup(*stub, o, tag)) return 1;
  std::vector<std::string> pool;
  for (const std::string& op : o.ops) {
    if (op == "get" && pool.empty()) {
      pool = MakeGetPool(*stub, o, tag);
      if (pool.empty()) return 1;
    }
    Stats s = RunOp(o, op, pool, tag);
    const char* name = op == "get"      ? "GetExecution"
                       : op == "create" ? "CreateExecution"
                                        : "CreateFromTask";
    Report(o, name, s);
    if (s.errors) return 1;
  }
  return 0;
}
