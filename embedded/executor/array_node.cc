// Array nodes (map tasks): one attempt per element with the array node's full inputs and
// FLYTE_K8S_ARRAY_INDEX, gathered into collections; min_successes / min_success_ratio.
#include <cmath>

#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

bool ElementDone(const Element& e) {
  return e.phase == fc::TaskExecution::SUCCEEDED || e.phase == fc::TaskExecution::FAILED ||
         e.phase == fc::TaskExecution::ABORTED;
}

// The number of elements: the length of the mapped (collection) inputs.
Result<size_t> ElementCount(const fc::LiteralMap& inputs, const fc::TypedInterface& inner,
                            bool original) {
  std::optional<size_t> n;
  for (const auto& [name, lit] : inputs.literals()) {
    if (!lit.has_collection()) continue;
    auto it = inner.inputs().variables().find(name);
    bool inner_is_list = it != inner.inputs().variables().end() && it->second.type().has_collection_type();
    bool nested = lit.collection().literals_size() > 0 && lit.collection().literals(0).has_collection();
    // With the original (element) interface, a list-typed input is given whole to each.
    if (original && inner_is_list && !nested) continue;
    size_t size = static_cast<size_t>(lit.collection().literals_size());
    if (n && *n != size) {
      return Status::FailedPrecondition("mapped inputs have different lengths (" +
                                        std::to_string(*n) + " and " + std::to_string(size) + ")");
    }
    n = size;
  }
  return n.value_or(0);
}

}  // namespace

void Driver::StartArray(Node& n) {
  Run& run = *n.graph->run;
  const auto& arr = n.spec->array_node();
  const fc::TaskTemplate* task = TaskOf(run, arr.node().task_node().reference_id());
  if (!task) {
    FailNode(n, {"TaskNotFound", "the array node's task is not in the workflow's closure",
                 fc::ExecutionError::SYSTEM, false});
    return;
  }
  if (auto refusal = PluginRefusal(run, *task)) {
    FailNode(n, {"UnsupportedTaskType", *refusal, fc::ExecutionError::SYSTEM, false});
    return;
  }
  auto count = ElementCount(n.inputs, task->interface(),
                            arr.has_is_original_sub_node_interface() &&
                                arr.is_original_sub_node_interface().value());
  if (!count.ok()) {
    FailNode(n, {"BadArrayInputs", count.status().message(), fc::ExecutionError::USER, false});
    return;
  }
  n.is_array = true;
  n.elements.clear();
  n.elements.resize(*count);
  n.element_parallelism = static_cast<int>(arr.parallelism());
  if (restoring_) RestoreElements(n);
  n.attempt_started_us = NowMicros(options_.clock);
  n.phase = fc::NodeExecution::RUNNING;
  const auto& e = run.exec.id();
  n.log_uri = options_.public_url + "/logs/" + e.project() + "/" + e.domain() + "/" + e.name() +
              "/" + n.id;
  RecordNode(n);
  RecordArrayTask(n, fc::TaskExecution::RUNNING);
  PumpArray(n);
}

// After a restart: elements that wrote outputs are done; the others start again on a fresh
// attempt, so that an attempt still running from before never shares a folder with a new one.
void Driver::RestoreElements(Node& n) {
  for (size_t i = 0; i < n.elements.size(); ++i) {
    Element& el = n.elements[i];
    for (int a = 0; a < 8; ++a) {
      std::string out = n.data_dir + "/0/" + std::to_string(i) + "/" + std::to_string(a);
      auto key = options_.blobs->KeyOf(out);
      if (!key.ok()) break;
      auto written = options_.blobs->List(*key + "/");
      if (!written.ok() || written->empty()) break;
      el.attempt = a + 1;
      auto outputs = ReadLiteralMap(out + "/outputs.pb");
      if (outputs.ok()) {
        fc::Literal m;
        *m.mutable_map()->mutable_literals() = outputs->literals();
        el.output = std::move(m);
        el.attempt = a;
        el.phase = fc::TaskExecution::SUCCEEDED;
        break;
      }
    }
  }
}

void Driver::PumpArray(Node& n) {
  Run& run = *n.graph->run;
  const auto& arr = n.spec->array_node();
  const fc::TaskTemplate& task = *TaskOf(run, arr.node().task_node().reference_id());
  int running = 0;
  for (const auto& e : n.elements) running += e.phase == fc::TaskExecution::RUNNING;
  for (size_t i = 0; i < n.elements.size(); ++i) {
    if (n.element_parallelism > 0 && running >= n.element_parallelism) break;
    Element& el = n.elements[i];
    if (el.phase != fc::TaskExecution::UNDEFINED) continue;
    std::string out = n.data_dir + "/0/" + std::to_string(i) + "/" + std::to_string(el.attempt);
    auto tr = BuildTaskRun(n, task, out, el.attempt, "-" + std::to_string(i),
                           {{"FLYTE_K8S_ARRAY_INDEX", std::to_string(i)},
                            {"BATCH_JOB_ARRAY_INDEX_VAR_NAME", "FLYTE_K8S_ARRAY_INDEX"}});
    if (!tr.ok()) {
      el.phase = fc::TaskExecution::FAILED;
      el.message = tr.status().message();
      continue;
    }
    NodeRef ref = RefOf(n);
    int attempt = el.attempt;
    auto started = options_.runner->Start(*tr, [this, ref, i, attempt](RunResult r) {
      Post([this, ref, i, attempt, r] { OnElementDone(ref, i, attempt, r); });
    });
    if (!started.ok()) {
      el.phase = fc::TaskExecution::FAILED;
      el.message = started.status().message();
      continue;
    }
    el.running = std::move(started).value();
    el.phase = fc::TaskExecution::RUNNING;
    ++running;
  }
  bool all = true;
  for (const auto& e : n.elements) all = all && ElementDone(e);
  if (all) FinishArray(n);
}

void Driver::OnElementDone(const NodeRef& ref, size_t i, int attempt, RunResult result) {
  Node* np = Resolve(ref);
  if (!np) return;
  Node& n = *np;
  Run* run = n.graph->run;
  if (n.done() || n.abort_requested || i >= n.elements.size()) return;
  Element& el = n.elements[i];
  if (el.attempt != attempt) return;
  el.running.reset();
  std::string out = n.data_dir + "/0/" + std::to_string(i) + "/" + std::to_string(attempt);
  AttemptFacts facts;
  facts.result = result;
  auto err = ReadError(out);
  if (err.ok()) {
    facts.error_doc = std::move(err).value();
  } else {
    facts.error_read = err.status();
  }
  if (facts.error_read.ok() && !facts.error_doc) {
    facts.outputs_uri = out + "/outputs.pb";
    auto outputs = ReadLiteralMap(facts.outputs_uri);
    facts.outputs_read = outputs.status();
    if (outputs.ok()) facts.outputs = std::move(outputs).value();
  }
  facts.declares_outputs = true;  // an element's outputs are gathered: it must write them
  AttemptOutcome outcome = ClassifyAttempt(facts);
  if (outcome.kind == AttemptOutcome::Kind::kFailed) {
    const fc::TaskTemplate* task = TaskOf(*run, n.spec->array_node().node().task_node().reference_id());
    RetryBudget budget{el.attempt, el.system_failures,
                       task ? MaxAttempts(n.spec->array_node().node(), *task) : 1};
    RetryDecision d = DecideRetry(outcome.error, budget, run->aborting);
    el.system_failures = d.system_failures;
    if (d.retry) {
      el.attempt++;
      el.phase = fc::TaskExecution::UNDEFINED;
    } else {
      el.phase = fc::TaskExecution::FAILED;
      el.message = outcome.error.message;
    }
  } else {
    fc::Literal m;
    *m.mutable_map()->mutable_literals() = facts.outputs.literals();
    el.output = std::move(m);
    el.phase = fc::TaskExecution::SUCCEEDED;
  }
  RecordArrayTask(n, fc::TaskExecution::RUNNING);
  PumpArray(n);
}

void Driver::FinishArray(Node& n) {
  Run& run = *n.graph->run;
  const auto& arr = n.spec->array_node();
  size_t total = n.elements.size(), ok = 0;
  for (const auto& e : n.elements) ok += e.phase == fc::TaskExecution::SUCCEEDED;
  size_t need = total;
  if (arr.success_criteria_case() == fc::ArrayNode::kMinSuccesses) {
    need = std::min<size_t>(arr.min_successes(), total);
  } else if (arr.success_criteria_case() == fc::ArrayNode::kMinSuccessRatio) {
    need = static_cast<size_t>(std::ceil(arr.min_success_ratio() * static_cast<double>(total)));
  }
  if (ok < need) {
    std::string first;
    for (size_t i = 0; i < total; ++i) {
      if (n.elements[i].phase == fc::TaskExecution::FAILED) {
        first = "element " + std::to_string(i) + ": " + n.elements[i].message;
        break;
      }
    }
    RecordArrayTask(n, fc::TaskExecution::FAILED);
    FailNode(n, {"ArrayNodeFailed", std::to_string(ok) + " of " + std::to_string(total) +
                                        " elements succeeded, " + std::to_string(need) +
                                        " needed; " + first,
                 fc::ExecutionError::USER, false});
    return;
  }
  const fc::TaskTemplate* task = TaskOf(run, arr.node().task_node().reference_id());
  fc::LiteralMap outputs;
  if (task) {
    for (const auto& [name, var] : task->interface().outputs().variables()) {
      auto* coll = (*outputs.mutable_literals())[name].mutable_collection();
      for (const auto& e : n.elements) {
        fc::Literal* item = coll->add_literals();
        if (e.output) {
          auto it = e.output->map().literals().find(name);
          if (it != e.output->map().literals().end()) {
            *item = it->second;
            continue;
          }
        }
        item->mutable_scalar()->mutable_none_type();
      }
    }
  }
  n.output_uri.clear();  // SucceedNode writes the gathered outputs
  RecordArrayTask(n, fc::TaskExecution::SUCCEEDED);
  SucceedNode(n, std::move(outputs));
}


}  // namespace flytebox::executor
