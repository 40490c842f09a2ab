#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "embedded/compiler/compile_context.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/condition.pb.h"
#include "flyteidl/core/workflow.pb.h"

namespace flytebox::compiler {

inline constexpr char kStartNodeId[] = "start-node";
inline constexpr char kEndNodeId[] = "end-node";

// Compiles one workflow template (the primary or a sub-workflow) in place, as flytepropeller's
// compiler does:
// - the template's nodes become start-node, end-node, then the original nodes in order;
//   end-node's inputs are the workflow's output bindings;
// - every node gets an interface (kept here: core.Node has no field for it), branch cases are
//   renamed "<branch id>-<case id>", upstream_node_ids are sorted, and promises with an empty
//   node_id are rewritten to name start-node;
// - connections get an upstream and a downstream edge set per node;
// - referenced sub-workflows are compiled (through the context) when first met.
// Errors go to the context's Diagnostics.
class WorkflowBuilder {
 public:
  // `workflow` must outlive the builder; its template is rewritten, its connections set.
  WorkflowBuilder(CompileContext& ctx, flyteidl::core::CompiledWorkflow& workflow);

  // True when compiling added no error.
  bool Build();

 private:
  using Node = flyteidl::core::Node;
  using TypedInterface = flyteidl::core::TypedInterface;
  using VariableMap = flyteidl::core::VariableMap;
  using LiteralType = flyteidl::core::LiteralType;
  using Bindings = google::protobuf::RepeatedPtrField<flyteidl::core::Binding>;

  enum class EdgeDirection { kBoth, kDownstream, kUpstream };

  struct NodeState {
    bool attempted = false;  // the interface was computed once (successfully or not)
    bool has_interface = false;
    TypedInterface interface;
  };

  // A binding's resolved type and the nodes it reads from.
  struct Bound {
    LiteralType type;
    std::vector<std::string> upstream;
  };

  // workflow_builder.cc: structure and graph.
  void InstallNodes();
  void AddTopLevelNode(Node& node);
  bool ValidateNode(Node& node);
  void CompileSubWorkflow(const Node& node);
  void AddEdges(Node& node, EdgeDirection direction);
  void AddEdge(const std::string& from, const std::string& to, EdgeDirection direction);
  void ConnectOrphans();
  void CheckReachable();
  bool FindCycle(const std::string& id, std::set<std::string>& visited,
                 std::vector<std::string>& path);
  void WriteConnections();
  std::string Where(const Node& node) const;
  std::string VarLabel(const Node& node, const std::string& var) const;
  void Error(const Node& node, const std::string& message);

  // node_interfaces.cc: what each node consumes and produces.
  const TypedInterface* Interface(Node& node);
  bool ComputeInterface(Node& node, TypedInterface& out);
  bool TaskInterface(const Node& node, TypedInterface& out);
  bool WorkflowNodeInterface(const Node& node, TypedInterface& out);
  bool GateInterface(Node& node, TypedInterface& out);
  bool BranchInterface(Node& node, TypedInterface& out);
  bool ArrayInterface(Node& node, TypedInterface& out);
  void NormalizeInterface(const std::string& where, TypedInterface& iface);
  std::optional<VariableMap> EffectiveOutputs(const Node& node, Diagnostics* diagnostics);
  bool ValidateBranchNode(Node& node);
  void ValidateCondition(const Node& branch, const flyteidl::core::BooleanExpression& expr);
  bool OperandType(const Node& branch, const flyteidl::core::ComparisonExpression& comparison,
                   bool right, std::optional<LiteralType>& type);

  // bindings.cc: binding validation, which also discovers the data edges.
  VariableMap ValidateBindings(Node& node, Bindings& bindings, const VariableMap& params,
                               bool check_types, EdgeDirection direction);
  std::optional<Bound> ValidateBinding(Node& node, const std::string& var,
                                       flyteidl::core::BindingData& data,
                                       const LiteralType& expected, bool check_types,
                                       Diagnostics& diagnostics);
  std::optional<Bound> ValidateUnionBinding(Node& node, const std::string& var,
                                            flyteidl::core::BindingData& data,
                                            const LiteralType& expected, bool check_types,
                                            Diagnostics& diagnostics);
  std::optional<Bound> ValidateListBinding(Node& node, const std::string& var,
                                           flyteidl::core::BindingData& data,
                                           const LiteralType& expected, bool check_types,
                                           Diagnostics& diagnostics);
  std::optional<Bound> ValidatePromise(Node& node, const std::string& var,
                                       flyteidl::core::OutputReference& promise,
                                       const LiteralType& expected, bool check_types,
                                       Diagnostics& diagnostics);
  std::optional<Bound> ValidateScalar(Node& node, const std::string& var,
                                      const flyteidl::core::Scalar& scalar,
                                      const LiteralType& expected, bool check_types,
                                      Diagnostics& diagnostics);

  CompileContext& ctx_;
  flyteidl::core::CompiledWorkflow& workflow_;
  std::string name_;
  Node* start_ = nullptr;
  Node* end_ = nullptr;
  std::map<std::string, Node*> nodes_;  // start-node, end-node and top-level nodes so far
  std::set<std::string> top_level_;     // the template's own nodes
  std::unordered_map<const Node*, NodeState> states_;
  std::map<std::string, std::set<std::string>> upstream_;    // node -> the nodes it waits for
  std::map<std::string, std::set<std::string>> downstream_;  // node -> the nodes waiting on it
};

}  // namespace flytebox::compiler
