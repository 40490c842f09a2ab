// What the read path shows: node and task execution records, written through Admin at each
// transition. A record that cannot be written is logged and counted; the run goes on, and
// when the store was only unreachable the record is written again until it is (WriteRecord).
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

google::protobuf::Duration DurationOf(int64_t micros) {
  google::protobuf::Duration d;
  d.set_seconds(micros / 1'000'000);
  d.set_nanos(static_cast<int32_t>((micros % 1'000'000) * 1000));
  return d;
}

bool EndedTaskPhase(fc::TaskExecution::Phase p) {
  return p == fc::TaskExecution::SUCCEEDED || p == fc::TaskExecution::FAILED ||
         p == fc::TaskExecution::ABORTED;
}

// The dataset is the task (by name and cache version); the artifact is its inputs.
void SetCatalogKey(const fc::Identifier& task, const CatalogKey& key,
                   fc::CatalogMetadata* out) {
  auto* ds = out->mutable_dataset_id();
  ds->set_resource_type(fc::DATASET);
  ds->set_project(task.project());
  ds->set_domain(task.domain());
  ds->set_name("flyte_task-" + task.name());
  ds->set_version(key.dataset_version);
  out->mutable_artifact_tag()->set_name("flyte_cached-" + key.artifact_id);
  out->mutable_artifact_tag()->set_artifact_id(key.artifact_id);
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void Driver::RecordNode(Node& n) {
  const Run& run = *n.graph->run;
  int64_t now = NowMicros(options_.clock);
  fa::NodeExecution rec;
  rec.mutable_id()->set_node_id(n.id);
  *rec.mutable_id()->mutable_execution_id() = run.exec.id();
  if (n.id != "start-node") rec.set_input_uri(n.data_dir + "/inputs.pb");
  auto* c = rec.mutable_closure();
  c->set_phase(n.phase);
  if (n.started_us) *c->mutable_started_at() = admin::ToTimestamp(n.started_us);
  *c->mutable_created_at() = admin::ToTimestamp(n.created_us ? n.created_us : now);
  *c->mutable_updated_at() = admin::ToTimestamp(now);
  if (n.ended_us && n.started_us) *c->mutable_duration() = DurationOf(n.ended_us - n.started_us);
  if (IsSucceededPhase(n.phase) && !n.output_uri.empty()) {
    c->set_output_uri(n.output_uri);
  }
  if (n.error && IsFailedPhase(n.phase)) {
    c->mutable_error()->set_code(n.error->code);
    c->mutable_error()->set_message(n.error->message);
    c->mutable_error()->set_kind(n.error->kind);
  }
  if (n.cache_status) {
    auto* meta = c->mutable_task_node_metadata();
    meta->set_cache_status(*n.cache_status);
    bool cached = *n.cache_status == fc::CACHE_HIT || *n.cache_status == fc::CACHE_POPULATED;
    if (cached && n.catalog_key && n.spec && n.spec->has_task_node()) {
      SetCatalogKey(n.spec->task_node().reference_id(), *n.catalog_key,
                    meta->mutable_catalog_key());
    }
  }
  if (!n.child_execution.empty()) {
    auto* id = c->mutable_workflow_node_metadata()->mutable_executionid();
    *id = run.exec.id();
    id->set_name(n.child_execution);
  }
  if (n.is_dynamic) c->set_dynamic_job_spec_uri(n.output_dir() + "/futures.pb");
  if (!n.deck_uri.empty()) c->set_deck_uri(n.deck_uri);
  auto* m = rec.mutable_metadata();
  m->set_retry_group(std::to_string(n.attempt));
  m->set_spec_node_id(n.spec ? n.spec->id() : n.id);
  m->set_is_parent_node(n.is_parent);
  m->set_is_dynamic(n.is_dynamic);
  m->set_is_array(n.is_array);
  // The failure node is listed under end-node, not at the top: flytekit's sync refuses a
  // top-level node id its workflow's nodes do not have.
  std::string parent = n.graph->owner ? n.graph->parent_id : (n.is_failure_node ? "end-node" : "");
  WriteRecord("node/" + run.exec.id().name() + "/" + parent + "/" + n.id, "recording node " + n.id,
              [this, rec, parent] { return options_.admin->RecordNodeExecution(rec, parent); });
}

fa::TaskExecution Driver::TaskRecord(const Node& n, const fc::Identifier& task_id,
                                     fc::TaskExecution::Phase phase, int64_t created_us,
                                     int64_t started_us) {
  const Run& run = *n.graph->run;
  fa::TaskExecution rec;
  auto* id = rec.mutable_id();
  *id->mutable_task_id() = task_id;
  id->mutable_task_id()->set_resource_type(fc::TASK);
  id->mutable_node_execution_id()->set_node_id(n.id);
  *id->mutable_node_execution_id()->mutable_execution_id() = run.exec.id();
  rec.set_input_uri(n.data_dir + "/inputs.pb");
  auto* c = rec.mutable_closure();
  c->set_phase(phase);
  int64_t now = NowMicros(options_.clock);
  *c->mutable_created_at() = admin::ToTimestamp(created_us);
  if (started_us) *c->mutable_started_at() = admin::ToTimestamp(started_us);
  *c->mutable_updated_at() = admin::ToTimestamp(now);
  if (EndedTaskPhase(phase))
    *c->mutable_duration() = DurationOf(now - (started_us ? started_us : created_us));
  const fc::TaskTemplate* task = TaskOf(*n.graph->run, task_id);
  if (task) c->set_task_type(task->type());
  c->set_event_version(1);
  c->mutable_metadata()->set_plugin_identifier(options_.runner->name());
  c->mutable_metadata()->set_instance_class(
      Interruptible(n, task) ? flyteidl::event::TaskExecutionMetadata::INTERRUPTIBLE
                             : flyteidl::event::TaskExecutionMetadata::DEFAULT);
  return rec;
}

void Driver::RecordTask(Node& n, fc::TaskExecution::Phase phase, const NodeError* error) {
  const fc::Identifier& task_id = n.spec->has_task_node()
                                      ? n.spec->task_node().reference_id()
                                      : n.spec->array_node().node().task_node().reference_id();
  int64_t created = n.attempt_created_us   ? n.attempt_created_us
                    : n.attempt_started_us ? n.attempt_started_us
                                           : NowMicros(options_.clock);
  fa::TaskExecution rec = TaskRecord(n, task_id, phase, created, n.attempt_started_us);
  rec.mutable_id()->set_retry_attempt(static_cast<uint32_t>(n.attempt));
  rec.set_is_parent(n.is_dynamic);
  auto* c = rec.mutable_closure();
  if (phase == fc::TaskExecution::SUCCEEDED && !n.output_uri.empty()) {
    c->set_output_uri(n.output_uri);
  }
  if (error) {
    c->mutable_error()->set_code(error->code);
    c->mutable_error()->set_message(error->message);
    c->mutable_error()->set_kind(error->kind);
  }
  if (!n.log_uri.empty()) {
    auto* log = c->add_logs();
    log->set_uri(n.log_uri);
    log->set_name("Task log");
    log->set_message_format(fc::TaskLog::UNKNOWN);
  }
  auto* m = c->mutable_metadata();
  m->set_generated_name(n.id + "-" + std::to_string(n.attempt));
  if (!n.handle.empty()) m->add_external_resources()->set_external_id(n.handle);
  WriteRecord(
      "task/" + n.graph->run->exec.id().name() + "/" + n.id + "/" + std::to_string(n.attempt),
      "recording task of " + n.id,
      [this, rec] { return options_.admin->RecordTaskExecution(rec); });
}

void Driver::RecordArrayTask(Node& n, fc::TaskExecution::Phase phase) {
  const fc::Identifier& task_id = n.spec->array_node().node().task_node().reference_id();
  fa::TaskExecution rec = TaskRecord(n, task_id, phase, n.attempt_started_us, n.attempt_started_us);
  auto* m = rec.mutable_closure()->mutable_metadata();
  m->set_generated_name(n.id);
  for (size_t i = 0; i < n.elements.size(); ++i) {
    const Element& e = n.elements[i];
    auto* r = m->add_external_resources();
    r->set_external_id(n.id + "-" + std::to_string(i));
    r->set_index(static_cast<uint32_t>(i));
    r->set_retry_attempt(static_cast<uint32_t>(e.attempt));
    r->set_phase(e.phase);
    r->set_cache_status(fc::CACHE_DISABLED);
    auto* log = r->add_logs();
    log->set_uri(n.log_uri + "/" + std::to_string(i) + "-" + std::to_string(e.attempt));
    log->set_name("Task log (element " + std::to_string(i) + ")");
  }
  WriteRecord("task/" + n.graph->run->exec.id().name() + "/" + n.id + "/array",
              "recording array task of " + n.id,
              [this, rec] { return options_.admin->RecordTaskExecution(rec); });
}
#pragma GCC diagnostic pop

}  // namespace flytebox::executor
