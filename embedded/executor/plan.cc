#include "embedded/executor/plan.h"

#include <set>

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

void CollectPromises(const fc::BindingData& b, std::set<std::string>* out) {
  if (b.has_promise() && !b.promise().node_id().empty()) out->insert(b.promise().node_id());
  for (const auto& e : b.collection().bindings()) CollectPromises(e, out);
  for (const auto& [k, e] : b.map().bindings()) CollectPromises(e, out);
}

}  // namespace

bool IsSucceededPhase(NodePhase p) {
  return p == fc::NodeExecution::SUCCEEDED || p == fc::NodeExecution::RECOVERED;
}

bool IsDonePhase(NodePhase p) {
  return IsSucceededPhase(p) || p == fc::NodeExecution::FAILED || p == fc::NodeExecution::SKIPPED ||
         p == fc::NodeExecution::ABORTED || p == fc::NodeExecution::TIMED_OUT;
}

bool IsFailedPhase(NodePhase p) {
  return p == fc::NodeExecution::FAILED || p == fc::NodeExecution::TIMED_OUT;
}

Plan Plan::Of(const fc::WorkflowTemplate& tmpl) {
  Plan plan;
  std::vector<const fc::Node*> specs;
  for (const auto& spec : tmpl.nodes()) {
    if (spec.id() == "start-node" || spec.id() == "end-node") continue;
    plan.index_[spec.id()] = static_cast<int>(plan.spec_ids_.size());
    plan.spec_ids_.push_back(spec.id());
    specs.push_back(&spec);
  }
  plan.upstream_.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    std::set<std::string> names(specs[i]->upstream_node_ids().begin(),
                                specs[i]->upstream_node_ids().end());
    for (const auto& b : specs[i]->inputs()) CollectPromises(b.binding(), &names);
    for (const auto& name : names) {
      int u = plan.IndexOf(name);
      if (u >= 0 && u != static_cast<int>(i)) plan.upstream_[i].push_back(u);
    }
  }
  return plan;
}

int Plan::IndexOf(const std::string& spec_id) const {
  auto it = index_.find(spec_id);
  return it == index_.end() ? -1 : it->second;
}

std::vector<Plan::Action> Plan::Ready(std::span<const NodePhase> phases) const {
  std::vector<Action> actions;
  for (size_t i = 0; i < spec_ids_.size(); ++i) {
    if (phases[i] != fc::NodeExecution::UNDEFINED) continue;
    bool ready = true, skipped = false, blocked = false;
    for (int u : upstream_[i]) {
      NodePhase p = phases[u];
      if (p == fc::NodeExecution::SKIPPED) {
        skipped = true;
      } else if (IsFailedPhase(p) || p == fc::NodeExecution::ABORTED) {
        blocked = true;
      } else if (!IsSucceededPhase(p)) {
        ready = false;
      }
    }
    int node = static_cast<int>(i);
    if (blocked) {
      actions.push_back({Action::Kind::kSkip, node});
    } else if (ready) {
      actions.push_back({skipped ? Action::Kind::kSkip : Action::Kind::kStart, node});
    }
  }
  return actions;
}

Plan::Verdict Plan::Judge(std::span<const NodePhase> phases, bool fail_late) const {
  bool all_done = true;
  int failed = -1;
  for (size_t i = 0; i < spec_ids_.size(); ++i) {
    if (!IsDonePhase(phases[i])) {
      all_done = false;
    } else if (failed < 0 && IsFailedPhase(phases[i])) {
      failed = static_cast<int>(i);
    }
  }
  Verdict v;
  if (failed >= 0 && !fail_late) {
    v.kind = Verdict::Kind::kFailed;
    v.failed = failed;
    v.abort_rest = true;
  } else if (all_done) {
    v.kind = failed >= 0 ? Verdict::Kind::kFailed : Verdict::Kind::kSucceeded;
    v.failed = failed;
  }
  return v;
}

}  // namespace flytebox::executor
