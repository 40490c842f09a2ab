#include <cstdio>
#include <filesystem>

#include "common/digest.h"
#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/impl.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

bool EndedPhase(fc::WorkflowExecution::Phase p) {
  return p == fc::WorkflowExecution::SUCCEEDED || p == fc::WorkflowExecution::FAILED ||
         p == fc::WorkflowExecution::ABORTED || p == fc::WorkflowExecution::TIMED_OUT;
}

google::protobuf::Duration DurationOf(int64_t micros) {
  google::protobuf::Duration d;
  d.set_seconds(micros / 1'000'000);
  d.set_nanos(static_cast<int32_t>((micros % 1'000'000) * 1000));
  return d;
}

// Flyte's short form of long child ids: FNV-32a, base32 over a-z then 1-6.
std::string HashId(const std::string& id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : id) {
    h ^= c;
    h *= 16777619u;
  }
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz123456";
  std::string out = "f";
  uint64_t bits = h;
  int nbits = 32;
  while (nbits > 0) {
    int shift = std::max(nbits - 5, 0);
    uint64_t chunk = (bits >> shift) & ((1u << (nbits - shift)) - 1);
    if (nbits < 5) chunk <<= (5 - nbits);
    out += kAlphabet[chunk & 31];
    nbits -= 5;
  }
  return out;
}

}  // namespace

std::string IdKey(const fc::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name() + "/" + id.version();
}
std::string ExecKey(const fc::WorkflowExecutionIdentifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name();
}
std::string ChildNodeId(const std::string& parent, int attempt, const std::string& spec) {
  std::string id = parent + "-" + std::to_string(attempt) + "-" + spec;
  return id.size() > 20 ? HashId(id) : id;
}
std::string Sha256Hex(const std::string& data) { return digest::Sha256Hex(data); }
int64_t NowMicros(Clock* clock) { return admin::ToMicros(clock->Now()); }

Result<std::unique_ptr<Executor>> Executor::Start(ExecutorOptions options) {
  if (!options.admin || !options.blobs || !options.runner) {
    return Status::InvalidArgument("the executor needs admin, blobs and a runner");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  FB_RETURN_IF_ERROR(impl->Resume());
  return std::unique_ptr<Executor>(std::move(impl));
}

Impl::Impl(ExecutorOptions options) : options_(std::move(options)) {
  if (options_.raw_prefix.empty()) {
    options_.raw_prefix = options_.blobs->NativeUri("data");
  }
  thread_ = std::thread([this] { Loop(); });
}

Impl::~Impl() { Stop(); }

void Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Impl::Resume() {
  FB_ASSIGN_OR_RETURN(auto unfinished, options_.admin->ListUnfinishedExecutions());
  for (const auto& exec : unfinished) {
    fc::WorkflowExecutionIdentifier id = exec.id();
    Post([this, id] { StartRun(id, /*resume=*/true); });
  }
  if (!unfinished.empty()) {
    FB_LOG(kInfo, kLog) << "resuming " << unfinished.size() << " unfinished execution(s)";
  }
  return Status::Ok();
}

void Impl::OnCreated(const fc::WorkflowExecutionIdentifier& id) {
  Post([this, id] { StartRun(id, /*resume=*/false); });
}

void Impl::OnTerminate(const fc::WorkflowExecutionIdentifier& id) {
  Post([this, id] {
    auto it = runs_.find(ExecKey(id));
    if (it == runs_.end()) {
      // Not running here (never started): just record the end.
      (void)options_.admin->MutateExecution(id, [](fa::Execution* e) {
        e->mutable_closure()->set_phase(fc::WorkflowExecution::ABORTED);
        return Status::Ok();
      });
      return;
    }
    AbortRun(*it->second);
  });
}

Result<std::string> Impl::LogFile(const std::string& link_path) const {
  if (link_path.find("..") != std::string::npos || link_path.empty() || link_path[0] == '/') {
    return Status::InvalidArgument("bad log path");
  }
  std::string path = options_.log_dir + "/" + link_path + ".log";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("no log at " + link_path);
  return path;
}

// ---- the loop ----

void Impl::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

uint64_t Impl::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_timer_++;
  timers_.emplace(options_.clock->Monotonic() + delay, std::make_pair(id, std::move(fn)));
  cv_.notify_one();
  return id;
}

void Impl::Cancel(uint64_t timer) {
  if (timer == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == timer) {
      timers_.erase(it);
      return;
    }
  }
}

void Impl::Loop() {
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_ && queue_.empty()) {
        auto now = options_.clock->Monotonic();
        if (!timers_.empty() && timers_.begin()->first <= now) break;
        if (timers_.empty()) {
          cv_.wait(lock);
        } else {
          auto wait = timers_.begin()->first - now;
          cv_.wait_for(lock, std::min<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(200)));
        }
      }
      if (stopping_) return;
      if (!queue_.empty()) {
        fn = std::move(queue_.front());
        queue_.pop_front();
      } else {
        fn = std::move(timers_.begin()->second.second);
        timers_.erase(timers_.begin());
      }
    }
    fn();
  }
}

// ---- runs ----

Status Impl::LoadRun(Run* run) {
  const fa::Execution& exec = run->exec;
  FB_ASSIGN_OR_RETURN(fa::Workflow wf, options_.admin->FetchWorkflow(exec.closure().workflow_id()));
  run->closure = wf.closure().compiled_workflow();
  for (const auto& t : run->closure.tasks()) run->tasks[IdKey(t.template_().id())] = t.template_();
  for (const auto& s : run->closure.sub_workflows()) {
    run->subworkflows[IdKey(s.template_().id())] = &s.template_();
  }
  const auto& id = exec.id();
  run->wf_dir = options_.blobs->Uri("metadata/propeller/" + id.project() + "-" + id.domain() + "-" +
                                    id.name());
  const auto& raw = exec.spec().raw_output_data_config().output_location_prefix();
  run->raw_prefix = raw.empty() ? options_.raw_prefix : raw;
  while (!run->raw_prefix.empty() && run->raw_prefix.back() == '/') run->raw_prefix.pop_back();
  const auto& parent = exec.spec().metadata().parent_node_execution();
  if (!parent.node_id().empty()) run->parent = {ExecKey(parent.execution_id()), parent.node_id()};
  return Status::Ok();
}

void Impl::StartRun(const fc::WorkflowExecutionIdentifier& id, bool resume) {
  if (runs_.count(ExecKey(id))) return;
  auto run = std::make_unique<Run>();
  run->serial = next_serial_++;
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = id;
  auto exec = options_.admin->GetExecution(get);
  if (!exec.ok()) {
    FB_LOG(kError, kLog) << "execution " << id.name() << ": " << exec.status().ToString();
    return;
  }
  run->exec = *exec;
  if (EndedPhase(run->exec.closure().phase())) return;
  Status st = LoadRun(run.get());
  Run* r = run.get();
  runs_[ExecKey(id)] = std::move(run);
  if (!st.ok()) {
    NodeError e{"WorkflowNotFound", st.message(), fc::ExecutionError::SYSTEM, false};
    FinishRun(*r, false, &e);
    return;
  }
  // Workflow inputs → start node.
  auto inputs_uri = options_.blobs->Uri("metadata/" + id.project() + "/" + id.domain() + "/" +
                                        id.name() + "/inputs");
  auto inputs = ReadLiteralMap(inputs_uri);
  r->root = NewGraph(r, &r->closure.primary().template_(), nullptr, nullptr);
  if (inputs.ok()) r->root->inputs = *inputs;
  r->root->base_dir = r->wf_dir;
  int64_t now = NowMicros(options_.clock);
  if (!resume || r->exec.closure().phase() == fc::WorkflowExecution::UNDEFINED) {
    (void)WriteLiteralMap(r->wf_dir + "/start-node/data/0/outputs.pb", r->root->inputs);
    Node start;
    start.graph = r->root.get();
    start.id = "start-node";
    start.data_dir = r->wf_dir + "/start-node/data";
    start.phase = fc::NodeExecution::SUCCEEDED;
    start.output_uri = start.data_dir + "/0/outputs.pb";
    start.created_us = start.started_us = start.ended_us = now;
    RecordNode(start);
    Status s = options_.admin->MutateExecution(id, [now](fa::Execution* e) {
      if (e->closure().phase() != fc::WorkflowExecution::UNDEFINED) return Status::Ok();
      e->mutable_closure()->set_phase(fc::WorkflowExecution::RUNNING);
      *e->mutable_closure()->mutable_started_at() = admin::ToTimestamp(now);
      return Status::Ok();
    });
    if (!s.ok()) {
      FB_LOG(kError, kLog) << "execution " << id.name() << ": " << s.ToString();
    }
    r->exec.mutable_closure()->set_phase(fc::WorkflowExecution::RUNNING);
    *r->exec.mutable_closure()->mutable_started_at() = admin::ToTimestamp(now);
  }
  if (resume) {
    restoring_ = true;
    RestoreChildren(*r->root);
    restoring_ = false;
    if (r->exec.closure().phase() == fc::WorkflowExecution::ABORTING) {
      AbortRun(*r);
      return;
    }
  }
  DriveAll(*r->root);
}

void Impl::DriveAll(Graph& g) {
  for (auto& n : g.nodes) {
    if (n->child && !n->child->finished && !n->done()) DriveAll(*n->child);
  }
  Drive(g);
}

std::unique_ptr<Graph> Impl::NewGraph(Run* run, const fc::WorkflowTemplate* tmpl, Node* owner,
                                      Graph* scope) {
  auto g = std::make_unique<Graph>();
  g->run = run;
  g->tmpl = tmpl;
  g->owner = owner;
  g->scope = scope;
  if (owner) {
    g->parent_id = owner->id;
    g->base_dir = owner->output_dir();
  }
  for (const auto& spec : tmpl->nodes()) {
    if (spec.id() == "start-node" || spec.id() == "end-node") continue;
    auto n = std::make_unique<Node>();
    n->spec = &spec;
    n->graph = g.get();
    if (owner) {
      n->id = ChildNodeId(owner->id, owner->attempt, spec.id());
      n->data_dir = g->base_dir + "/" + n->id;
    } else {
      n->id = spec.id();
      n->data_dir = run->wf_dir + "/" + spec.id() + "/data";
    }
    g->by_spec_id[spec.id()] = n.get();
    g->nodes.push_back(std::move(n));
  }
  // Dependencies: declared upstreams plus every promise a node's bindings use.
  std::function<void(const fc::BindingData&, std::set<std::string>*)> collect =
      [&](const fc::BindingData& b, std::set<std::string>* out) {
        if (b.has_promise() && !b.promise().node_id().empty() &&
            b.promise().node_id() != "start-node") {
          out->insert(b.promise().node_id());
        }
        for (const auto& e : b.collection().bindings()) collect(e, out);
        for (const auto& [k, e] : b.map().bindings()) collect(e, out);
      };
  for (const auto& n : g->nodes) {
    auto& up = g->upstream[n->spec->id()];
    for (const auto& u : n->spec->upstream_node_ids()) {
      if (u != "start-node" && g->by_spec_id.count(u)) up.insert(u);
    }
    for (const auto& b : n->spec->inputs()) collect(b.binding(), &up);
    for (auto it = up.begin(); it != up.end();) {
      it = g->by_spec_id.count(*it) ? std::next(it) : up.erase(it);  // outside: a scope's node
    }
  }
  return g;
}

Node* FindNode(Graph& g, const std::string& id) {
  for (auto& n : g.nodes) {
    if (n->id == id) return n.get();
    if (n->child) {
      if (Node* found = FindNode(*n->child, id)) return found;
    }
  }
  return nullptr;
}

NodeRef Impl::RefOf(const Node& n) const {
  return NodeRef{ExecKey(n.graph->run->exec.id()), n.graph->run->serial, n.id};
}

Node* Impl::Resolve(const NodeRef& ref) {
  auto it = runs_.find(ref.exec);
  if (it == runs_.end() || it->second->serial != ref.serial || it->second->ended) return nullptr;
  if (!it->second->root) return nullptr;
  return FindNode(*it->second->root, ref.node);
}

Result<const fc::LiteralMap*> Impl::OutputsOf(Graph& g, const std::string& spec_id) {
  if (spec_id == "start-node") return &g.inputs;
  auto it = g.by_spec_id.find(spec_id);
  if (it == g.by_spec_id.end()) {
    if (g.scope) return OutputsOf(*g.scope, spec_id);
    return Status::FailedPrecondition("no node '" + spec_id + "' in this workflow");
  }
  Node& n = *it->second;
  if (n.phase != fc::NodeExecution::SUCCEEDED) {
    return Status::FailedPrecondition("node " + spec_id + " has not succeeded");
  }
  if (!n.outputs) {
    if (n.output_uri.empty()) {
      n.outputs = fc::LiteralMap();
    } else {
      FB_ASSIGN_OR_RETURN(fc::LiteralMap m, ReadLiteralMap(n.output_uri));
      n.outputs = std::move(m);
    }
  }
  return &*n.outputs;
}

void Impl::Drive(Graph& g) {
  if (restoring_) return;  // StartRun drives everything once restored
  if (g.finished || g.run->ended) return;
  if (g.run->aborting) return;
  bool all_done = true;
  const Node* failed = nullptr;
  bool fail_late =
      g.tmpl->metadata().on_failure() == fc::WorkflowMetadata::FAIL_AFTER_EXECUTABLE_NODES_COMPLETE;
  for (auto& n : g.nodes) {
    if (n->is_failure_node) continue;
    if (n->done()) {
      if ((n->phase == fc::NodeExecution::FAILED || n->phase == fc::NodeExecution::TIMED_OUT) &&
          !failed) {
        failed = n.get();
      }
      continue;
    }
    all_done = false;
  }
  if (failed && !fail_late) {
    NodeError e = failed->error.value_or(NodeError{"NodeFailed", "node " + failed->id + " failed"});
    AbortGraph(g, "another node failed");
    if (RunFailureNode(g, e, failed->spec ? failed->spec->id() : failed->id)) return;
    FinishGraph(g, false, g.failure ? &*g.failure : &e);
    return;
  }
  for (auto& n : g.nodes) {
    if (n->phase != fc::NodeExecution::UNDEFINED || n->is_failure_node) continue;
    bool ready = true, skip = false, blocked = false;
    for (const auto& u : g.upstream[n->spec->id()]) {
      Node* up = g.by_spec_id[u];
      if (up->phase == fc::NodeExecution::SKIPPED) skip = true;
      else if (up->phase == fc::NodeExecution::FAILED || up->phase == fc::NodeExecution::ABORTED ||
               up->phase == fc::NodeExecution::TIMED_OUT) blocked = true;
      else if (up->phase != fc::NodeExecution::SUCCEEDED) ready = false;
    }
    if (blocked) {
      SkipNode(*n);
      continue;
    }
    if (!ready) continue;
    if (skip) {
      SkipNode(*n);
      continue;
    }
    StartNode(*n);
    if (g.finished || g.run->ended) return;
  }
  all_done = true;
  failed = nullptr;
  for (auto& n : g.nodes) {
    if (n->is_failure_node) continue;
    if (!n->done()) all_done = false;
    else if ((n->phase == fc::NodeExecution::FAILED || n->phase == fc::NodeExecution::TIMED_OUT) &&
             !failed) {
      failed = n.get();
    }
  }
  if (!all_done) {
    if (failed && !fail_late) Drive(g);
    return;
  }
  if (failed) {
    NodeError e = failed->error.value_or(NodeError{"NodeFailed", "node " + failed->id + " failed"});
    if (RunFailureNode(g, e, failed->spec ? failed->spec->id() : failed->id)) return;
    FinishGraph(g, false, g.failure ? &*g.failure : &e);
    return;
  }
  FinishGraph(g, true, nullptr);
}

bool Impl::RunFailureNode(Graph& g, const NodeError& error, const std::string& failed_node) {
  if (g.owner || !g.tmpl->has_failure_node() || g.run->aborting) return false;
  if (!g.failure) {
    g.failure = error;
    g.failed_node = failed_node;
    auto n = std::make_unique<Node>();
    n->spec = &g.tmpl->failure_node();
    n->graph = &g;
    n->id = n->spec->id();
    n->data_dir = g.run->wf_dir + "/" + n->id + "/data";
    n->is_failure_node = true;
    Node* fn = n.get();
    g.nodes.push_back(std::move(n));
    FB_LOG(kInfo, kLog) << "execution " << g.run->exec.id().name() << ": running failure node "
                        << fn->id;
    StartNode(*fn);
  }
  for (const auto& n : g.nodes) {
    if (n->is_failure_node) return !n->done();
  }
  return false;
}

void Impl::FinishGraph(Graph& g, bool ok, const NodeError* error) {
  if (g.finished) return;
  g.finished = true;
  fc::LiteralMap outputs;
  NodeError binding_error;
  if (ok && g.branch && !g.nodes.empty()) {
    auto chosen = OutputsOf(g, g.nodes.front()->spec->id());
    if (chosen.ok()) outputs = **chosen;
  } else if (ok) {
    auto resolved = ResolveBindings(g.tmpl->outputs(), [&](const std::string& id) {
      return OutputsOf(g, id);
    });
    if (resolved.ok()) {
      outputs = std::move(resolved).value();
    } else {
      ok = false;
      binding_error = {"BindingResolutionFailure", resolved.status().message(),
                       fc::ExecutionError::SYSTEM, false};
      error = &binding_error;
    }
  }
  if (!g.owner) {
    Run& run = *g.run;
    if (ok) {
      std::string uri = run.wf_dir + "/end-node/data/0/outputs.pb";
      Status st = WriteLiteralMap(uri, outputs);
      if (!st.ok()) {
        NodeError e{"OutputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, false};
        FinishRun(run, false, &e);
        return;
      }
      Node end;
      end.graph = &g;
      end.id = "end-node";
      end.data_dir = run.wf_dir + "/end-node/data";
      end.phase = fc::NodeExecution::SUCCEEDED;
      end.output_uri = uri;
      end.created_us = end.started_us = end.ended_us = NowMicros(options_.clock);
      end.inputs = outputs;
      RecordNode(end);
    }
    FinishRun(run, ok, error);
    return;
  }
  Node& owner = *g.owner;
  if (ok) SucceedNode(owner, std::move(outputs));
  else FailNode(owner, error ? *error : NodeError{"SubworkflowFailed", "a child node failed"});
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void Impl::FinishRun(Run& run, bool ok, const NodeError* error) {
  if (run.ended) return;
  run.ended = true;
  int64_t now = NowMicros(options_.clock);
  std::string out_uri = run.wf_dir + "/end-node/data/0/outputs.pb";
  bool aborted = run.aborting;
  Status st = options_.admin->MutateExecution(run.exec.id(), [&](fa::Execution* e) {
    auto* c = e->mutable_closure();
    if (EndedPhase(c->phase())) return Status::Ok();
    if (aborted || c->phase() == fc::WorkflowExecution::ABORTING) {
      c->set_phase(fc::WorkflowExecution::ABORTED);
    } else if (ok) {
      c->set_phase(fc::WorkflowExecution::SUCCEEDED);
      c->mutable_outputs()->set_uri(out_uri);
    } else {
      c->set_phase(fc::WorkflowExecution::FAILED);
      auto* err = c->mutable_error();
      err->set_code(error ? error->code : "Unknown");
      err->set_message(error ? error->message : "the execution failed");
      err->set_kind(error ? error->kind : fc::ExecutionError::SYSTEM);
    }
    int64_t started = c->started_at().seconds() * 1'000'000 + c->started_at().nanos() / 1000;
    *c->mutable_duration() = DurationOf(started > 0 ? now - started : 0);
    return Status::Ok();
  });
  if (!st.ok()) {
    FB_LOG(kError, kLog) << "execution " << run.exec.id().name() << ": " << st.ToString();
  }
  FB_LOG(kInfo, kLog) << "execution " << run.exec.id().name() << " "
                      << (aborted ? "ABORTED" : ok ? "SUCCEEDED" : "FAILED");
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = run.exec.id();
  auto final_exec = options_.admin->GetExecution(get);
  std::string key = ExecKey(run.exec.id());
  // Keep the Run until the loop is past this call chain; then forget it.
  Post([this, key] { runs_.erase(key); });
  if (final_exec.ok() && run.parent) ChildRunEnded(*final_exec);
}
#pragma GCC diagnostic pop

void Impl::AbortGraph(Graph& g, const std::string& why) {
  for (auto& n : g.nodes) {
    if (n->done()) continue;
    if (n->phase == fc::NodeExecution::UNDEFINED) continue;
    n->abort_requested = true;
    Cancel(n->timer);
    n->timer = 0;
    if (n->running) n->running->Kill(why);
    for (auto& e : n->elements) {
      if (e.running) e.running->Kill(why);
    }
    if (n->child) AbortGraph(*n->child, why);
    if (!n->child_execution.empty()) {
      fa::ExecutionTerminateRequest req;
      *req.mutable_id() = g.run->exec.id();
      req.mutable_id()->set_name(n->child_execution);
      req.set_cause(why);
      (void)options_.admin->TerminateExecution(req);
    }
    if (n->running || !n->elements.empty()) {
      RecordTask(*n, fc::TaskExecution::ABORTED, nullptr);
    }
    n->running.reset();
    ReleaseSerial(*n);
    n->phase = fc::NodeExecution::ABORTED;
    n->ended_us = NowMicros(options_.clock);
    RecordNode(*n);
  }
}

void Impl::AbortRun(Run& run) {
  if (run.ended) return;
  run.aborting = true;
  if (run.root) AbortGraph(*run.root, "the execution was aborted");
  FinishRun(run, false, nullptr);
}

// ---- nodes ----

void Impl::StartNode(Node& n) {
  Graph& g = *n.graph;
  n.created_us = n.started_us = NowMicros(options_.clock);
  auto inputs = ResolveBindings(n.spec->inputs(), [&](const std::string& id) {
    return OutputsOf(g, id);
  });
  if (!inputs.ok()) {
    n.phase = fc::NodeExecution::QUEUED;
    FailNode(n, {"BindingResolutionFailure", inputs.status().message(), fc::ExecutionError::SYSTEM,
                 false});
    return;
  }
  n.inputs = std::move(inputs).value();
  if (n.is_failure_node && g.failure && n.spec->has_task_node()) {
    const fc::TaskTemplate* task = TaskOf(*g.run, n.spec->task_node().reference_id());
    auto var = task ? task->interface().inputs().variables().find("err")
                    : google::protobuf::Map<std::string, fc::Variable>::const_iterator();
    if (task && var != task->interface().inputs().variables().end()) {
      // flytekit declares `err: Optional[FlyteError]`: a union of ERROR and none.
      fc::Literal error;
      auto* e = error.mutable_scalar()->mutable_error();
      e->set_message(g.failure->message);
      e->set_failed_node_id(g.failed_node);
      fc::Literal& slot = (*n.inputs.mutable_literals())["err"];
      const fc::LiteralType& type = var->second.type();
      if (type.has_union_type()) {
        for (const auto& variant : type.union_type().variants()) {
          if (variant.simple() == fc::ERROR) {
            *slot.mutable_scalar()->mutable_union_()->mutable_type() = variant;
          }
        }
        *slot.mutable_scalar()->mutable_union_()->mutable_value() = std::move(error);
      } else {
        slot = std::move(error);
      }
    }
  }
  Status st = WriteLiteralMap(n.data_dir + "/inputs.pb", n.inputs);
  n.phase = fc::NodeExecution::QUEUED;
  if (!st.ok()) {
    FailNode(n, {"InputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, false});
    return;
  }
  // Known from the spec, and recorded from the first record on: clients reading a node
  // mid-flight decide how to follow it from these flags.
  n.is_parent = n.spec->has_branch_node() ||
                (n.spec->has_workflow_node() && n.spec->workflow_node().has_sub_workflow_ref());
  n.is_array = n.spec->has_array_node();
  // A launch-plan node is first recorded with its child execution (StartLaunchPlan): flytekit
  // follows such a node only through that id.
  bool launch_plan = n.spec->has_workflow_node() && n.spec->workflow_node().has_launchplan_ref();
  if (!launch_plan) RecordNode(n);
  switch (n.spec->target_case()) {
    case fc::Node::kTaskNode: return StartTask(n);
    case fc::Node::kArrayNode: return StartArray(n);
    case fc::Node::kBranchNode: return StartBranch(n);
    case fc::Node::kGateNode: return StartGate(n);
    case fc::Node::kWorkflowNode:
      if (n.spec->workflow_node().has_launchplan_ref()) return StartLaunchPlan(n);
      return StartSubworkflow(n);
    default:
      FailNode(n, {"UnsupportedNode", "node " + n.spec->id() + " has no kind this engine runs",
                   fc::ExecutionError::SYSTEM, false});
  }
}

void Impl::SucceedNode(Node& n, fc::LiteralMap outputs) {
  if (n.done()) return;
  ReleaseSerial(n);
  if (n.output_uri.empty()) {
    n.output_uri = n.output_dir() + "/outputs.pb";
    Status st = WriteLiteralMap(n.output_uri, outputs);
    if (!st.ok()) {
      n.output_uri.clear();
      FailNode(n, {"OutputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, false});
      return;
    }
  }
  n.outputs = std::move(outputs);
  n.phase = fc::NodeExecution::SUCCEEDED;
  n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  Drive(*n.graph);
}

void Impl::FailNode(Node& n, const NodeError& error) {
  if (n.done()) return;
  ReleaseSerial(n);
  n.error = error;
  n.phase = n.timed_out ? fc::NodeExecution::TIMED_OUT : fc::NodeExecution::FAILED;
  n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  Drive(*n.graph);
}

void Impl::SkipNode(Node& n) {
  n.phase = fc::NodeExecution::SKIPPED;
  n.created_us = n.started_us = n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  if (n.child) {
    for (auto& c : n.child->nodes) {
      if (!c->done()) SkipNode(*c);
    }
  }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void Impl::RecordNode(Node& n) {
  const Run& run = *n.graph->run;
  fa::NodeExecution rec;
  rec.mutable_id()->set_node_id(n.id);
  *rec.mutable_id()->mutable_execution_id() = run.exec.id();
  if (n.id != "start-node") rec.set_input_uri(n.data_dir + "/inputs.pb");
  auto* c = rec.mutable_closure();
  c->set_phase(n.phase);
  if (n.started_us) *c->mutable_started_at() = admin::ToTimestamp(n.started_us);
  *c->mutable_created_at() = admin::ToTimestamp(n.created_us ? n.created_us : NowMicros(options_.clock));
  *c->mutable_updated_at() = admin::ToTimestamp(NowMicros(options_.clock));
  if (n.ended_us && n.started_us) *c->mutable_duration() = DurationOf(n.ended_us - n.started_us);
  if (n.phase == fc::NodeExecution::SUCCEEDED && !n.output_uri.empty()) c->set_output_uri(n.output_uri);
  if (n.error && (n.phase == fc::NodeExecution::FAILED || n.phase == fc::NodeExecution::TIMED_OUT)) {
    c->mutable_error()->set_code(n.error->code);
    c->mutable_error()->set_message(n.error->message);
    c->mutable_error()->set_kind(n.error->kind);
  }
  if (!n.cache_status.empty()) {
    fc::CatalogCacheStatus cs;
    if (fc::CatalogCacheStatus_Parse(n.cache_status, &cs)) {
      c->mutable_task_node_metadata()->set_cache_status(cs);
    }
    if ((n.cache_status == "CACHE_HIT" || n.cache_status == "CACHE_POPULATED") &&
        !n.cache_key.empty() && n.spec && n.spec->has_task_node()) {
      // The dataset is the task (by name and cache version); the artifact is its inputs.
      const auto& task = n.spec->task_node().reference_id();
      auto* key = c->mutable_task_node_metadata()->mutable_catalog_key();
      auto* ds = key->mutable_dataset_id();
      ds->set_resource_type(fc::DATASET);
      ds->set_project(task.project());
      ds->set_domain(task.domain());
      ds->set_name("flyte_task-" + task.name());
      std::string file = n.cache_key.substr(n.cache_key.rfind('/') + 1);
      std::string dir = n.cache_key.substr(0, n.cache_key.rfind('/'));
      ds->set_version(dir.substr(dir.rfind('/') + 1) + "-" + file.substr(0, file.find('-')));
      key->mutable_artifact_tag()->set_name("flyte_cached-" +
                                            file.substr(file.find('-') + 1, 32));
      key->mutable_artifact_tag()->set_artifact_id(file.substr(file.find('-') + 1, 32));
    }
  }
  if (!n.child_execution.empty()) {
    auto* id = c->mutable_workflow_node_metadata()->mutable_executionid();
    *id = run.exec.id();
    id->set_name(n.child_execution);
  }
  if (n.is_dynamic) c->set_dynamic_job_spec_uri(n.output_dir() + "/futures.pb");
  auto* m = rec.mutable_metadata();
  m->set_retry_group(std::to_string(n.attempt));
  m->set_spec_node_id(n.spec ? n.spec->id() : n.id);
  m->set_is_parent_node(n.is_parent);
  m->set_is_dynamic(n.is_dynamic);
  m->set_is_array(n.is_array);
  // The failure node is listed under end-node, not at the top: flytekit's sync refuses a
  // top-level node id its workflow's nodes do not have.
  std::string parent = n.graph->owner ? n.graph->parent_id : (n.is_failure_node ? "end-node" : "");
  Status st = options_.admin->RecordNodeExecution(rec, parent);
  if (!st.ok()) {
    FB_LOG(kError, kLog) << "recording node " << n.id << ": " << st.ToString();
  }
}
#pragma GCC diagnostic pop

Status Impl::WriteLiteralMap(const std::string& uri, const fc::LiteralMap& map) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  return options_.blobs->Put(key, admin::Deterministic(map));
}

Result<fc::LiteralMap> Impl::ReadLiteralMap(const std::string& uri) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  FB_ASSIGN_OR_RETURN(std::string data, options_.blobs->Get(key));
  fc::LiteralMap map;
  if (!map.ParseFromString(data)) return Status::Internal("unreadable literal map at " + uri);
  return map;
}

Result<bool> Impl::Exists(const std::string& uri) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  return options_.blobs->Exists(key);
}

}  // namespace flytebox::executor
