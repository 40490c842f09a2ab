// Runs and their graphs: loading an execution, driving a graph by its plan, finishing and
// aborting graphs and runs.
#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

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

}  // namespace

Status Driver::LoadRun(Run* run) {
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

void Driver::StartRun(const fc::WorkflowExecutionIdentifier& id, bool resume) {
  if (runs_.count(ExecKey(id))) return;
  auto run = std::make_unique<Run>();
  run->serial = next_serial_++;
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = id;
  auto exec = options_.admin->GetExecution(get);
  Status st = exec.ok() ? Status::Ok() : exec.status();
  if (exec.ok()) {
    run->exec = *exec;
    if (EndedPhase(run->exec.closure().phase())) return;
    st = LoadRun(run.get());
  }
  auto unreachable = [](const Status& s) {
    return s.code() == Code::kUnavailable || s.code() == Code::kResourceExhausted;
  };
  auto inputs = ReadLiteralMap(options_.blobs->Uri("metadata/" + id.project() + "/" +
                                                   id.domain() + "/" + id.name() + "/inputs"));
  if (st.ok() && !inputs.ok() && unreachable(inputs.status())) st = inputs.status();
  // The store (or the object store) is away, as during a database restart or crash: the
  // execution is stored, so it is started again once it can be read, never dropped.
  if (unreachable(st)) {
    FB_LOG(kWarn, kLog) << "execution " << id.name() << ": cannot start it yet, tried again "
                        << "every second: " << st.ToString();
    After(std::chrono::seconds(1), [this, id, resume] { StartRun(id, resume); });
    return;
  }
  if (!exec.ok()) {
    FB_LOG(kError, kLog) << "execution " << id.name() << ": " << st.ToString();
    return;
  }
  Run* r = run.get();
  runs_[ExecKey(id)] = std::move(run);
  if (!st.ok()) {
    NodeError e{"WorkflowNotFound", st.message(), fc::ExecutionError::SYSTEM, false};
    FinishRun(*r, false, &e);
    return;
  }
  // Workflow inputs → start node.
  r->root = NewGraph(r, &r->closure.primary().template_(), nullptr, nullptr);
  if (inputs.ok()) r->root->inputs = *inputs;
  r->root->base_dir = r->wf_dir;
  int64_t now = NowMicros(options_.clock);
  if (!resume || r->exec.closure().phase() == fc::WorkflowExecution::UNDEFINED) {
    Status written = WriteLiteralMap(r->wf_dir + "/start-node/data/0/outputs.pb", r->root->inputs);
    if (!written.ok()) {
      CheckWrite(written, "execution " + id.name() + ": writing its inputs");
      NodeError e{"InputsWriteFailure", written.message(), fc::ExecutionError::SYSTEM, false};
      FinishRun(*r, false, &e);
      return;
    }
    Node start;
    start.graph = r->root.get();
    start.id = "start-node";
    start.data_dir = r->wf_dir + "/start-node/data";
    start.phase = fc::NodeExecution::SUCCEEDED;
    start.output_uri = start.data_dir + "/0/outputs.pb";
    start.created_us = start.started_us = start.ended_us = now;
    RecordNode(start);
    auto write_running = [this, id, now] {
      return options_.admin->MutateExecution(id, [now](fa::Execution* e) {
        if (e->closure().phase() != fc::WorkflowExecution::UNDEFINED) return Status::Ok();
        e->mutable_closure()->set_phase(fc::WorkflowExecution::RUNNING);
        *e->mutable_closure()->mutable_started_at() = admin::ToTimestamp(now);
        return Status::Ok();
      });
    };
    WriteRecord("running/" + ExecKey(id), "execution " + id.name() + ": recording RUNNING",
                write_running);
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

void Driver::DriveAll(Graph& g) {
  for (auto& n : g.nodes) {
    if (n->child && !n->child->finished && !n->done()) DriveAll(*n->child);
  }
  Drive(g);
}

std::unique_ptr<Graph> Driver::NewGraph(Run* run, const fc::WorkflowTemplate* tmpl, Node* owner,
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
  g->plan = Plan::Of(*tmpl);
  // The plan keeps the template's order, start-node and end-node left out: node i is plan i.
  for (const auto& candidate : tmpl->nodes()) {
    const fc::Node* spec = &candidate;
    if (spec->id() == "start-node" || spec->id() == "end-node") continue;
    auto n = std::make_unique<Node>();
    n->spec = spec;
    n->graph = g.get();
    if (owner) {
      n->id = ChildNodeId(owner->id, owner->attempt, spec->id());
      n->data_dir = g->base_dir + "/" + n->id;
    } else {
      n->id = spec->id();
      n->data_dir = run->wf_dir + "/" + spec->id() + "/data";
    }
    g->nodes.push_back(std::move(n));
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

NodeRef Driver::RefOf(const Node& n) const {
  return NodeRef{ExecKey(n.graph->run->exec.id()), n.graph->run->serial, n.id};
}

Node* Driver::Resolve(const NodeRef& ref) {
  auto it = runs_.find(ref.exec);
  if (it == runs_.end() || it->second->serial != ref.serial || it->second->ended) return nullptr;
  if (!it->second->root) return nullptr;
  return FindNode(*it->second->root, ref.node);
}

Result<const fc::LiteralMap*> Driver::OutputsOf(Graph& g, const std::string& spec_id) {
  if (spec_id == "start-node") return &g.inputs;
  int index = g.plan.IndexOf(spec_id);
  if (index < 0) {
    if (g.scope) return OutputsOf(*g.scope, spec_id);
    return Status::FailedPrecondition("no node '" + spec_id + "' in this workflow");
  }
  Node& n = *g.nodes[index];
  if (!IsSucceededPhase(n.phase)) {
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

std::vector<NodePhase> Driver::PhasesOf(const Graph& g) {
  std::vector<NodePhase> phases(g.plan.size());
  for (size_t i = 0; i < phases.size(); ++i) phases[i] = g.nodes[i]->phase;
  return phases;
}

void Driver::Drive(Graph& g) {
  if (restoring_) return;  // StartRun drives everything once restored
  if (g.finished || g.run->ended || g.run->aborting) return;
  const bool fail_late =
      g.tmpl->metadata().on_failure() == fc::WorkflowMetadata::FAIL_AFTER_EXECUTABLE_NODES_COMPLETE;
  while (true) {
    std::vector<NodePhase> phases = PhasesOf(g);
    Plan::Verdict verdict = g.plan.Judge(phases, fail_late);
    if (verdict.kind != Plan::Verdict::Kind::kRunning) return EndGraph(g, verdict);
    std::vector<Plan::Action> actions = g.plan.Ready(phases);
    bool acted = false;
    for (const Plan::Action& a : actions) {
      Node& n = *g.nodes[a.node];
      // Starting a node can finish others (a cache hit drives the graph again): act only
      // on nodes that are still untouched.
      if (n.phase != fc::NodeExecution::UNDEFINED) continue;
      if (a.kind == Plan::Action::Kind::kSkip) {
        SkipNode(n);
      } else if (n.spec->has_task_node() && AtMaxParallelism(*g.run)) {
        g.run->waiting_for_slot = true;  // started when a running task ends
        continue;
      } else {
        StartNode(n);
      }
      acted = true;
      if (g.finished || g.run->ended) return;
    }
    if (!acted) return;
  }
}

int Driver::TasksInFlight(const Graph& g) {
  int count = 0;
  for (const auto& n : g.nodes) {
    if (n->running && n->spec->has_task_node()) ++count;
    if (n->child) count += TasksInFlight(*n->child);
  }
  return count;
}

bool Driver::AtMaxParallelism(const Run& run) {
  int max = run.exec.spec().max_parallelism();
  return max > 0 && run.root && TasksInFlight(*run.root) >= max;
}

void Driver::StartWaitingTasks(const NodeRef& ref) {
  auto it = runs_.find(ref.exec);
  if (it == runs_.end() || it->second->serial != ref.serial) return;
  Run& run = *it->second;
  if (!run.waiting_for_slot || run.ended || run.aborting || !run.root) return;
  run.waiting_for_slot = false;
  DriveAll(*run.root);
}

void Driver::EndGraph(Graph& g, const Plan::Verdict& verdict) {
  if (verdict.kind == Plan::Verdict::Kind::kSucceeded) return FinishGraph(g, true, nullptr);
  const Node& failed = *g.nodes[verdict.failed];
  NodeError e = failed.error.value_or(NodeError{"NodeFailed", "node " + failed.id + " failed"});
  if (verdict.abort_rest) AbortGraph(g, "another node failed");
  if (RunFailureNode(g, e, failed.spec ? failed.spec->id() : failed.id)) return;
  FinishGraph(g, false, g.failure ? &*g.failure : &e);
}

bool Driver::RunFailureNode(Graph& g, const NodeError& error, const std::string& failed_node) {
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

void Driver::FinishGraph(Graph& g, bool ok, const NodeError* error) {
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
void Driver::FinishRun(Run& run, bool ok, const NodeError* error) {
  if (run.ended) return;
  run.ended = true;
  int64_t now = NowMicros(options_.clock);
  std::string out_uri = run.wf_dir + "/end-node/data/0/outputs.pb";
  bool aborted = run.aborting;
  bool child = run.parent.has_value();
  std::optional<NodeError> err = error ? std::optional<NodeError>(*error) : std::nullopt;
  fc::WorkflowExecutionIdentifier id = run.exec.id();
  FB_LOG(kInfo, kLog) << "execution " << run.exec.id().name() << " "
                      << (aborted ? "ABORTED" : ok ? "SUCCEEDED" : "FAILED");
  std::string key = ExecKey(id);
  // Keep the Run until the loop is past this call chain; then forget it.
  Post([this, key] { runs_.erase(key); });
  // Written again until it is when the store is unreachable: a lost end would leave the
  // execution RUNNING forever, with nothing left to run it.
  auto write_end = [this, id, ok, err, out_uri, aborted, now, child] {
    Status st = options_.admin->MutateExecution(id, [&](fa::Execution* e) {
      auto* c = e->mutable_closure();
      if (EndedPhase(c->phase())) return Status::Ok();
      if (aborted || c->phase() == fc::WorkflowExecution::ABORTING) {
        c->set_phase(fc::WorkflowExecution::ABORTED);
      } else if (ok) {
        c->set_phase(fc::WorkflowExecution::SUCCEEDED);
        c->mutable_outputs()->set_uri(out_uri);
      } else {
        c->set_phase(fc::WorkflowExecution::FAILED);
        auto* e_out = c->mutable_error();
        e_out->set_code(err ? err->code : "Unknown");
        e_out->set_message(err ? err->message : "the execution failed");
        e_out->set_kind(err ? err->kind : fc::ExecutionError::SYSTEM);
      }
      int64_t started = c->started_at().seconds() * 1'000'000 + c->started_at().nanos() / 1000;
      *c->mutable_duration() = DurationOf(started > 0 ? now - started : 0);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    if (child) {
      fa::WorkflowExecutionGetRequest get;
      *get.mutable_id() = id;
      auto final_exec = options_.admin->GetExecution(get);
      if (final_exec.ok()) ChildRunEnded(*final_exec);
    }
    return Status::Ok();
  };
  WriteRecord("end/" + key, "execution " + id.name() + ": recording its end", write_end);
}
#pragma GCC diagnostic pop

void Driver::AbortGraph(Graph& g, const std::string& why) {
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
      auto aborted = options_.admin->TerminateExecution(req);
      // A child that has already ended (or was never created) needs nothing more.
      Code code = aborted.ok() ? Code::kOk : aborted.status().code();
      if (code != Code::kOk && code != Code::kNotFound && code != Code::kFailedPrecondition) {
        CheckWrite(aborted.status(), "aborting child execution " + n->child_execution);
      }
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

void Driver::AbortRun(Run& run) {
  if (run.ended) return;
  run.aborting = true;
  if (run.root) AbortGraph(*run.root, "the execution was aborted");
  FinishRun(run, false, nullptr);
}


}  // namespace flytebox::executor
