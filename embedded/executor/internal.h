#pragma once
// The executor's inner model: one Run per execution, a Graph per running workflow template
// (the primary, a sub-workflow, a dynamic workflow, a branch's chosen case), a Node per
// node of a graph. Everything here is touched only on the executor thread.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "embedded/executor/catalog.h"
#include "embedded/executor/executor.h"
#include "embedded/executor/literals.h"
#include "embedded/executor/outcome.h"
#include "embedded/executor/plan.h"
#include "flyteidl/core/dynamic_job.pb.h"
#include "flyteidl/core/errors.pb.h"
#include "flyteidl/core/workflow.pb.h"

namespace flytebox::executor {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;

struct Run;
struct Graph;

// One element of an array node (map task).
struct Element {
  fc::TaskExecution::Phase phase = fc::TaskExecution::UNDEFINED;
  int attempt = 0;
  int system_failures = 0;
  std::unique_ptr<RunningTask> running;
  std::optional<fc::Literal> output;  // the element's outputs map as one literal (map)
  std::string message;
};

struct Node {
  const fc::Node* spec = nullptr;
  Graph* graph = nullptr;
  std::string id;       // unique node id: the record key
  std::string data_dir;  // <wf>/<id>/data, or <parent output dir>/<id> for children
  fc::NodeExecution::Phase phase = fc::NodeExecution::UNDEFINED;
  int attempt = 0;
  int system_failures = 0;
  fc::LiteralMap inputs;
  std::optional<fc::LiteralMap> outputs;  // loaded when SUCCEEDED
  std::string output_uri;
  std::optional<NodeError> error;
  int64_t created_us = 0, started_us = 0, ended_us = 0;
  bool is_parent = false, is_dynamic = false, is_array = false;
  bool is_failure_node = false;  // the workflow's failure_node: run only when it fails
  // Task nodes.
  std::unique_ptr<RunningTask> running;
  bool abort_requested = false, timed_out = false;
  uint64_t timer = 0;
  std::optional<fc::CatalogCacheStatus> cache_status;  // unset until the cache was asked
  std::optional<CatalogKey> catalog_key;              // cacheable tasks: their outputs' entry
  std::string serial_key;  // cache_serializable: the cache key this node runs for
  std::string log_uri;
  std::string deck_uri;  // set once the ended attempt left a deck
  std::string log_path;
  std::string raw_io_dir;  // raw-container tasks: the attempt's local input/output folders
  std::string handle;
  int64_t attempt_created_us = 0;  // the attempt was queued (QUEUED)
  int64_t attempt_started_us = 0;  // its process started (RUNNING); 0 before
  // Array nodes.
  std::vector<Element> elements;
  int element_parallelism = 0;
  // Sub-workflow / dynamic / branch: the graph run under this node.
  std::unique_ptr<Graph> child;
  std::unique_ptr<fc::WorkflowTemplate> dynamic_template;
  // Launch-plan nodes: the child execution.
  std::string child_execution;
  std::string signal_id;

  std::string output_dir() const { return data_dir + "/" + std::to_string(attempt); }
  bool done() const { return IsDonePhase(phase); }
};

struct Graph {
  Run* run = nullptr;
  const fc::WorkflowTemplate* tmpl = nullptr;
  Node* owner = nullptr;         // null for the primary workflow
  Graph* scope = nullptr;        // where unknown node ids are looked up (branch cases)
  std::string base_dir;          // primary: the workflow dir; children: the owner's output dir
  std::string parent_id;         // the owner's unique id ("" for the primary)
  fc::LiteralMap inputs;         // the start node's outputs
  // The template's nodes in plan order, then the failure node once it runs.
  std::vector<std::unique_ptr<Node>> nodes;
  Plan plan;
  bool finished = false;
  bool branch = false;  // a branch's chosen case: its outputs are that node's outputs
  std::optional<NodeError> failure;  // set once the workflow failed and its failure node runs
  std::string failed_node;           // the spec id of the node that failed it
};

struct Run {
  uint64_t serial = 0;  // tells a Run from a later one of the same execution
  fa::Execution exec;
  fc::CompiledWorkflowClosure closure;
  std::map<std::string, fc::TaskTemplate> tasks;             // by IdKey
  std::map<std::string, const fc::WorkflowTemplate*> subworkflows;  // by IdKey
  std::deque<fc::WorkflowTemplate> extra_templates;           // dynamic sub-workflows
  std::unique_ptr<Graph> root;
  std::string wf_dir;
  std::string raw_prefix;
  bool aborting = false;
  bool ended = false;
  // A task node was left unstarted because max_parallelism tasks were running.
  bool waiting_for_slot = false;
  // TASK_RESOURCE matchable attributes for this execution's tasks, read once (outer: read).
  std::optional<std::optional<fa::TaskResourceAttributes>> task_resources;
  // PLUGIN_OVERRIDE matchable attributes for this execution's tasks, read once.
  std::optional<std::vector<fa::PluginOverride>> plugin_overrides;
  // A launch-plan node waiting for this execution (child executions).
  std::optional<std::pair<std::string, std::string>> parent;  // exec name, node id
};

// A node named safely across loop turns: callbacks capture this, never pointers.
struct NodeRef {
  std::string exec;  // ExecKey
  uint64_t serial = 0;
  std::string node;  // unique node id
};

// The node with this unique id in a graph or any graph below it; null when none.
Node* FindNode(Graph& g, const std::string& id);
std::string IdKey(const fc::Identifier& id);
std::string ExecKey(const fc::WorkflowExecutionIdentifier& id);
// Flyte's child node id: <parent>-<attempt>-<spec>, hashed when longer than 20 characters.
std::string ChildNodeId(const std::string& parent, int attempt, const std::string& spec);
int64_t NowMicros(Clock* clock);

}  // namespace flytebox::executor
