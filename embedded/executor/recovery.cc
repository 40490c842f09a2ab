// Recovery: an execution in mode RECOVERED re-runs the execution it references. A node that
// succeeded there is not run again: its outputs are copied and it ends RECOVERED. A dynamic
// node that produced its workflow there runs that workflow without running its task again,
// so its children are recovered one by one. Everything else runs as usual.
#include "common/log.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // output_uri: where outputs are
bool Driver::TryRecover(Node& n) {
  const auto& meta = n.graph->run->exec.spec().metadata();
  if (meta.mode() != fa::ExecutionMetadata::RECOVERED || !meta.has_reference_execution() ||
      n.is_failure_node) {
    return false;
  }
  fa::NodeExecutionGetRequest get;
  get.mutable_id()->set_node_id(n.id);
  *get.mutable_id()->mutable_execution_id() = meta.reference_execution();
  auto old = options_.admin->GetNodeExecution(get);
  if (!old.ok()) return false;  // it never ran there (or cannot be read): run it
  const auto& c = old->closure();
  if (!IsSucceededPhase(c.phase())) return RecoverDynamic(n, *old);
  fc::LiteralMap outputs;
  if (!c.output_uri().empty()) {
    auto read = ReadLiteralMap(c.output_uri());
    if (!read.ok()) {
      FB_LOG(kWarn, kLog) << "recovering " << n.id << ": " << read.status().ToString()
                          << "; running it again";
      return false;
    }
    outputs = std::move(read).value();
  }
  n.output_uri = n.output_dir() + "/outputs.pb";
  Status st = WriteLiteralMap(n.output_uri, outputs);
  if (!st.ok()) {
    CheckWrite(st, "recovering " + n.id);
    n.output_uri.clear();
    return false;
  }
  if (c.has_workflow_node_metadata()) {
    n.child_execution = c.workflow_node_metadata().executionid().name();
  }
  n.outputs = std::move(outputs);
  n.phase = fc::NodeExecution::RECOVERED;
  n.ended_us = NowMicros(options_.clock);
  FB_LOG(kDebug, kLog) << "node " << n.id << ": recovered from "
                       << meta.reference_execution().name();
  RecordNode(n);
  Drive(*n.graph);
  return true;
}
#pragma GCC diagnostic pop

bool Driver::RecoverDynamic(Node& n, const fa::NodeExecution& old) {
  const std::string& futures = old.closure().dynamic_job_spec_uri();
  if (!old.metadata().is_dynamic() || futures.empty() || !n.spec->has_task_node()) return false;
  auto from = options_.blobs->KeyOf(futures);
  auto data = from.ok() ? options_.blobs->Get(*from) : Result<std::string>(from.status());
  if (!data.ok()) return false;
  // Same attempt as there: the children's ids derive from it, and name their records there.
  n.attempt = std::atoi(old.metadata().retry_group().c_str());
  std::string uri = n.output_dir() + "/futures.pb";
  auto to = options_.blobs->KeyOf(uri);
  Status st = to.ok() ? options_.blobs->Put(*to, *data) : to.status();
  if (!st.ok()) {
    CheckWrite(st, "recovering the dynamic workflow of " + n.id);
    n.attempt = 0;
    return false;
  }
  n.cache_status = fc::CACHE_DISABLED;
  StartDynamic(n, uri);
  return true;
}

}  // namespace flytebox::executor
