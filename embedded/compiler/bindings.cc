// Binding validation: each node input (and each workflow output) against the interface that
// consumes it. Validating a promise also yields the data edge it implies.
#include <algorithm>
#include <set>
#include <vector>

#include "embedded/compiler/types.h"
#include "embedded/compiler/var_name.h"
#include "embedded/compiler/workflow_builder.h"

namespace flytebox::compiler {
namespace {

using flyteidl::core::BindingData;
using flyteidl::core::LiteralType;

// An input that accepts none may stay unbound.
bool IsOptional(const flyteidl::core::Variable& var) {
  if (!var.type().has_union_type()) return false;
  const auto& variants = var.type().union_type().variants();
  return std::any_of(variants.begin(), variants.end(), [](const LiteralType& t) {
    return t.type_case() == LiteralType::kSimple && t.simple() == flyteidl::core::NONE;
  });
}

const char* KindName(const BindingData& data) {
  switch (data.value_case()) {
    case BindingData::kScalar:
      return "a scalar";
    case BindingData::kCollection:
      return "a collection";
    case BindingData::kPromise:
      return "a promise";
    case BindingData::kMap:
      return "a map";
    case BindingData::kOffloadedMetadata:
      return "an offloaded literal";
    default:
      return "an empty binding";
  }
}

// Without a declared type (bindings that define a node's interface) Flyte expects NONE.
LiteralType NoneType() {
  LiteralType t;
  t.set_simple(flyteidl::core::NONE);
  return t;
}

}  // namespace

// Returns the bound variables with the types their bindings carry. With `check_types`, every
// binding must name a declared parameter and fit its type, and every parameter that does not
// accept none must be bound; without, bindings define the variables (branch, approve gate).
flyteidl::core::VariableMap WorkflowBuilder::ValidateBindings(Node& node, Bindings& bindings,
                                                              const VariableMap& params,
                                                              bool check_types,
                                                              EdgeDirection direction) {
  Diagnostics& diag = ctx_.diagnostics();
  VariableMap resolved;
  std::set<std::string> provided;
  for (auto& binding : bindings) {
    const std::string& var = binding.var();
    auto param = params.variables().find(var);
    bool declared = param != params.variables().end();
    if (!declared && check_types) {
      Error(node, VarLabel(node, var) + ": no such variable in the interface");
    } else if (!binding.has_binding()) {
      Error(node, VarLabel(node, var) + ": the binding has no value");
    } else if (!provided.insert(var).second) {
      Error(node, VarLabel(node, var) + ": bound more than once");
    } else {
      LiteralType expected = declared ? param->second.type() : NoneType();
      std::optional<Bound> bound =
          ValidateBinding(node, var, *binding.mutable_binding(), expected, check_types, diag);
      if (!bound) continue;
      for (const auto& up : bound->upstream) AddEdge(up, node.id(), direction);
      *(*resolved.mutable_variables())[var].mutable_type() = std::move(bound->type);
    }
  }
  std::vector<std::string> names;
  for (const auto& [name, v] : params.variables()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (provided.count(name) == 0 && !IsOptional(params.variables().at(name))) {
      Error(node, VarLabel(node, name) + ": required but not bound");
    }
  }
  return resolved;
}

std::optional<WorkflowBuilder::Bound> WorkflowBuilder::ValidateBinding(
    Node& node, const std::string& var, BindingData& data, const LiteralType& expected,
    bool check_types, Diagnostics& diagnostics) {
  // Scalars and promises go through union-aware castability; collections and maps have no
  // type of their own to cast, so a union input picks the one variant they fit.
  if (!data.has_scalar() && !data.has_promise() && expected.has_union_type()) {
    return ValidateUnionBinding(node, var, data, expected, check_types, diagnostics);
  }
  switch (data.value_case()) {
    case BindingData::kCollection:
    case BindingData::kMap:
      return ValidateListBinding(node, var, data, expected, check_types, diagnostics);
    case BindingData::kPromise:
      return ValidatePromise(node, var, *data.mutable_promise(), expected, check_types,
                             diagnostics);
    case BindingData::kScalar:
      return ValidateScalar(node, var, data.scalar(), expected, check_types, diagnostics);
    default:
      diagnostics.Add(Where(node) + ": " + VarLabel(node, var) + ": cannot bind " +
                      TypeName(expected) + " from " + KindName(data));
      return std::nullopt;
  }
}

std::optional<WorkflowBuilder::Bound> WorkflowBuilder::ValidateUnionBinding(
    Node& node, const std::string& var, BindingData& data, const LiteralType& expected,
    bool check_types, Diagnostics& diagnostics) {
  std::optional<Bound> match;
  const LiteralType* matched = nullptr;
  for (const auto& variant : expected.union_type().variants()) {
    Diagnostics scratch;
    std::optional<Bound> bound = ValidateBinding(node, var, data, variant, check_types, scratch);
    if (!bound || !scratch.empty()) continue;
    if (match) {
      diagnostics.Add(Where(node) + ": " + VarLabel(node, var) + ": " + KindName(data) +
                      " fits both " + TypeName(*matched) + " and " + TypeName(variant) + " of " +
                      TypeName(expected));
      return std::nullopt;
    }
    match = std::move(bound);
    matched = &variant;
  }
  if (!match) {
    diagnostics.Add(Where(node) + ": " + VarLabel(node, var) + ": " + KindName(data) +
                    " fits no variant of " + TypeName(expected));
  }
  return match;
}

// Every element must fit the element type; the result is a collection (map) of the last
// element's type, as in Flyte.
std::optional<WorkflowBuilder::Bound> WorkflowBuilder::ValidateListBinding(
    Node& node, const std::string& var, BindingData& data, const LiteralType& expected,
    bool check_types, Diagnostics& diagnostics) {
  bool is_map = data.has_map();
  bool fits = is_map ? expected.has_map_value_type() : expected.has_collection_type();
  if (!fits) {
    diagnostics.Add(Where(node) + ": " + VarLabel(node, var) + ": cannot bind " +
                    TypeName(expected) + " from " + KindName(data));
    return std::nullopt;
  }
  const LiteralType& element = is_map ? expected.map_value_type() : expected.collection_type();
  std::vector<BindingData*> elements;
  if (is_map) {
    // Sorted keys: the order in which errors are reported stays stable.
    std::vector<std::string> keys;
    for (const auto& [key, value] : data.map().bindings()) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys)
      elements.push_back(&data.mutable_map()->mutable_bindings()->at(key));
  } else {
    for (auto& b : *data.mutable_collection()->mutable_bindings()) elements.push_back(&b);
  }
  std::size_t before = diagnostics.count();
  Bound out;
  LiteralType last;
  for (BindingData* e : elements) {
    std::optional<Bound> bound = ValidateBinding(node, var, *e, element, check_types, diagnostics);
    if (!bound) continue;
    out.upstream.insert(out.upstream.end(), bound->upstream.begin(), bound->upstream.end());
    last = std::move(bound->type);
  }
  if (diagnostics.count() != before) return std::nullopt;
  *(is_map ? out.type.mutable_map_value_type() : out.type.mutable_collection_type()) =
      std::move(last);
  return out;
}

// The upstream output must exist (with aliases applied) and, after an index ("[i].o0") and an
// attribute path (list element, map value or dataclass field), be castable to the input.
// On success an empty node_id is rewritten to start-node, as Flyte does.
std::optional<WorkflowBuilder::Bound> WorkflowBuilder::ValidatePromise(
    Node& node, const std::string& var, flyteidl::core::OutputReference& promise,
    const LiteralType& expected, bool check_types, Diagnostics& diagnostics) {
  std::string prefix = Where(node) + ": " + VarLabel(node, var) + ": ";
  std::string up_id = promise.node_id().empty() ? std::string(kStartNodeId) : promise.node_id();
  auto up = nodes_.find(up_id);
  if (up == nodes_.end()) {
    diagnostics.Add(prefix + "node '" + up_id + "' not found");
    return std::nullopt;
  }
  std::optional<VarRef> ref = ParseVarName(promise.var());
  if (!ref) {
    diagnostics.Add(prefix + "cannot parse the output name '" + promise.var() + "'");
    return std::nullopt;
  }
  std::optional<VariableMap> outputs = EffectiveOutputs(*up->second, nullptr);
  if (!outputs || outputs->variables().count(ref->name) == 0) {
    diagnostics.Add(prefix + "node '" + up_id + "' has no output '" + ref->name + "'");
    return std::nullopt;
  }
  const LiteralType& output_type = outputs->variables().at(ref->name).type();
  std::string source_name = up_id + "." + promise.var();
  LiteralType source = output_type;
  if (ref->index) {
    if (!source.has_collection_type()) {
      diagnostics.Add(prefix + "cannot index " + source_name + " (" + TypeName(source) +
                      "): not a list");
      return std::nullopt;
    }
    LiteralType element = source.collection_type();
    source = std::move(element);
  }
  for (const auto& attr : promise.attr_path()) {
    LiteralType next;
    if (source.has_collection_type()) {
      next = source.collection_type();
    } else if (source.has_map_value_type()) {
      next = source.map_value_type();
    } else if (source.structure().dataclass_type_size() > 0) {
      auto field = source.structure().dataclass_type().find(attr.string_value());
      if (field == source.structure().dataclass_type().end()) {
        diagnostics.Add(prefix + source_name + " (" + TypeName(source) + ") has no field '" +
                        attr.string_value() + "'");
        return std::nullopt;
      }
      next = field->second;
    } else {
      continue;  // Flyte keeps the type (e.g. a plain dict's STRUCT)
    }
    source = std::move(next);
  }
  if (check_types && !IsCastable(source, expected)) {
    diagnostics.Add(prefix + "cannot bind " + TypeName(expected) + " from " + source_name + " (" +
                    TypeName(source) + ")");
    return std::nullopt;
  }
  promise.set_node_id(up_id);
  return Bound{output_type, {up_id}};
}

// A literal must be castable to the input; an enum input also checks the value.
std::optional<WorkflowBuilder::Bound> WorkflowBuilder::ValidateScalar(
    Node& node, const std::string& var, const flyteidl::core::Scalar& scalar,
    const LiteralType& expected, bool check_types, Diagnostics& diagnostics) {
  std::string prefix = Where(node) + ": " + VarLabel(node, var) + ": ";
  std::size_t before = diagnostics.count();
  std::optional<LiteralType> type = LiteralTypeOf(scalar);
  if (!type) {
    diagnostics.Add(prefix + "the literal is of an unknown kind");
  } else if (check_types && !IsCastable(*type, expected)) {
    diagnostics.Add(prefix + "cannot bind " + TypeName(expected) + " from a literal (" +
                    TypeName(*type) + ")");
  }
  if (expected.has_enum_type()) {
    const std::string& value = scalar.primitive().string_value();
    const auto& values = expected.enum_type().values();
    if (std::find(values.begin(), values.end(), value) == values.end()) {
      diagnostics.Add(prefix + "'" + value + "' is not a value of " + TypeName(expected));
    }
  }
  if (diagnostics.count() != before) return std::nullopt;
  return Bound{std::move(*type), {}};
}

}  // namespace flytebox::compiler
