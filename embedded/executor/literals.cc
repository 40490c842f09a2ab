#include "embedded/executor/literals.h"

#include <cmath>

#include "embedded/executor/msgpack.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
namespace pb = ::google::protobuf;

Result<fc::Literal> FromStructValue(const pb::Value& v) {
  fc::Literal out;
  auto* s = out.mutable_scalar();
  switch (v.kind_case()) {
    case pb::Value::kStringValue: s->mutable_primitive()->set_string_value(v.string_value()); break;
    case pb::Value::kBoolValue: s->mutable_primitive()->set_boolean(v.bool_value()); break;
    case pb::Value::kNumberValue: {
      double d = v.number_value();
      if (std::floor(d) == d && std::fabs(d) < 9e15) {
        s->mutable_primitive()->set_integer(static_cast<int64_t>(d));
      } else {
        s->mutable_primitive()->set_float_value(d);
      }
      break;
    }
    case pb::Value::kNullValue: s->mutable_none_type(); break;
    case pb::Value::kStructValue: *s->mutable_generic() = v.struct_value(); break;
    case pb::Value::kListValue: {
      fc::Literal list;
      for (const auto& e : v.list_value().values()) {
        FB_ASSIGN_OR_RETURN(*list.mutable_collection()->add_literals(), FromStructValue(e));
      }
      return list;
    }
    default: return Status::FailedPrecondition("empty value in a generic struct");
  }
  return out;
}

Result<fc::Literal> Step(const fc::Literal& lit, const fc::PromiseAttribute& attr) {
  if (lit.has_scalar() && lit.scalar().has_union_()) return Step(lit.scalar().union_().value(), attr);
  if (lit.has_scalar() && lit.scalar().has_binary() && lit.scalar().binary().tag() == "msgpack") {
    return MsgpackStep(lit.scalar().binary().value(), attr);
  }
  if (attr.has_int_value()) {
    if (lit.has_collection()) {
      int i = attr.int_value();
      if (i < 0 || i >= lit.collection().literals_size()) {
        return Status::FailedPrecondition("index " + std::to_string(i) + " is out of range (" +
                                          std::to_string(lit.collection().literals_size()) +
                                          " elements)");
      }
      return lit.collection().literals(i);
    }
    if (lit.has_scalar() && lit.scalar().has_generic()) {
      return Status::FailedPrecondition("cannot index a struct with a number");
    }
    return Status::FailedPrecondition("cannot index a value that is not a list");
  }
  const std::string& key = attr.string_value();
  if (lit.has_map()) {
    auto it = lit.map().literals().find(key);
    if (it == lit.map().literals().end()) {
      return Status::FailedPrecondition("key '" + key + "' is not in the map");
    }
    return it->second;
  }
  if (lit.has_scalar() && lit.scalar().has_generic()) {
    const auto& fields = lit.scalar().generic().fields();
    auto it = fields.find(key);
    if (it == fields.end()) return Status::FailedPrecondition("no attribute '" + key + "'");
    return FromStructValue(it->second);
  }
  return Status::FailedPrecondition("cannot take attribute '" + key + "' of this value");
}

Result<fc::Literal> ResolvePromise(const fc::OutputReference& ref, const OutputsOf& outputs) {
  std::string node = ref.node_id().empty() ? "start-node" : ref.node_id();
  FB_ASSIGN_OR_RETURN(const fc::LiteralMap* map, outputs(node));
  auto it = map->literals().find(ref.var());
  if (it == map->literals().end()) {
    return Status::FailedPrecondition("node " + node + " has no output '" + ref.var() + "'");
  }
  fc::Literal lit = it->second;
  for (const auto& attr : ref.attr_path()) {
    FB_ASSIGN_OR_RETURN(lit, Step(lit, attr));
  }
  return lit;
}

// Numbers compare across int and float; -2 when the two are not comparable.
int Compare(const fc::Primitive& a, const fc::Primitive& b) {
  auto num = [](const fc::Primitive& p, double* d) {
    if (p.has_integer()) *d = static_cast<double>(p.integer());
    else if (p.has_float_value()) *d = p.float_value();
    else return false;
    return true;
  };
  double x, y;
  if (num(a, &x) && num(b, &y)) return x < y ? -1 : (x > y ? 1 : 0);
  if (a.value_case() != b.value_case()) return -2;
  auto cmp = [](auto l, auto r) { return l < r ? -1 : (r < l ? 1 : 0); };
  switch (a.value_case()) {
    case fc::Primitive::kStringValue: return cmp(a.string_value(), b.string_value());
    case fc::Primitive::kBoolean: return cmp(a.boolean(), b.boolean());
    case fc::Primitive::kDatetime:
      return cmp(std::make_pair(a.datetime().seconds(), a.datetime().nanos()),
                 std::make_pair(b.datetime().seconds(), b.datetime().nanos()));
    case fc::Primitive::kDuration:
      return cmp(std::make_pair(a.duration().seconds(), a.duration().nanos()),
                 std::make_pair(b.duration().seconds(), b.duration().nanos()));
    default: return -2;
  }
}

// An operand as a scalar: a primitive, a literal scalar, or a branch-node input.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Result<fc::Scalar> OperandValue(const fc::Operand& op, const fc::LiteralMap& inputs) {
  fc::Scalar s;
  if (op.has_primitive()) {
    *s.mutable_primitive() = op.primitive();
    return s;
  }
  if (op.has_scalar()) return op.scalar();
  auto it = inputs.literals().find(op.var());
  if (it == inputs.literals().end()) {
    return Status::FailedPrecondition("the condition uses '" + op.var() +
                                      "', which is not an input of the branch");
  }
  const fc::Literal* lit = &it->second;
  while (lit->has_scalar() && lit->scalar().has_union_()) lit = &lit->scalar().union_().value();
  if (!lit->has_scalar()) {
    return Status::FailedPrecondition("'" + op.var() + "' is not a primitive value");
  }
  return lit->scalar();
}
#pragma GCC diagnostic pop

Result<bool> EvalComparison(const fc::ComparisonExpression& c, const fc::LiteralMap& inputs) {
  FB_ASSIGN_OR_RETURN(fc::Scalar l, OperandValue(c.left_value(), inputs));
  FB_ASSIGN_OR_RETURN(fc::Scalar r, OperandValue(c.right_value(), inputs));
  bool l_none = l.has_none_type(), r_none = r.has_none_type();
  if (l_none || r_none) {
    if (c.operator_() == fc::ComparisonExpression::EQ) return l_none && r_none;
    if (c.operator_() == fc::ComparisonExpression::NEQ) return !(l_none && r_none);
    return Status::FailedPrecondition("only == and != compare with None");
  }
  if (!l.has_primitive() || !r.has_primitive()) {
    return Status::FailedPrecondition("conditions compare primitive values only");
  }
  int k = Compare(l.primitive(), r.primitive());
  if (k == -2) return Status::FailedPrecondition("the condition compares values of different types");
  switch (c.operator_()) {
    case fc::ComparisonExpression::EQ: return k == 0;
    case fc::ComparisonExpression::NEQ: return k != 0;
    case fc::ComparisonExpression::GT: return k > 0;
    case fc::ComparisonExpression::GTE: return k >= 0;
    case fc::ComparisonExpression::LT: return k < 0;
    case fc::ComparisonExpression::LTE: return k <= 0;
    default: return Status::FailedPrecondition("unknown comparison operator");
  }
}

}  // namespace

Result<fc::Literal> ResolveBinding(const fc::BindingData& b, const OutputsOf& outputs) {
  fc::Literal out;
  switch (b.value_case()) {
    case fc::BindingData::kScalar: *out.mutable_scalar() = b.scalar(); break;
    case fc::BindingData::kPromise: {
      FB_ASSIGN_OR_RETURN(out, ResolvePromise(b.promise(), outputs));
      break;
    }
    case fc::BindingData::kCollection: {
      auto* coll = out.mutable_collection();
      for (const auto& e : b.collection().bindings()) {
        FB_ASSIGN_OR_RETURN(*coll->add_literals(), ResolveBinding(e, outputs));
      }
      break;
    }
    case fc::BindingData::kMap: {
      auto* map = out.mutable_map()->mutable_literals();
      for (const auto& [k, e] : b.map().bindings()) {
        FB_ASSIGN_OR_RETURN((*map)[k], ResolveBinding(e, outputs));
      }
      break;
    }
    case fc::BindingData::kOffloadedMetadata: *out.mutable_offloaded_metadata() = b.offloaded_metadata(); break;
    default: return Status::FailedPrecondition("a binding has no value");
  }
  if (b.has_union_() && !(out.has_scalar() && out.scalar().has_union_())) {
    fc::Literal wrapped;
    auto* u = wrapped.mutable_scalar()->mutable_union_();
    *u->mutable_value() = std::move(out);
    *u->mutable_type() = b.union_().targettype();
    return wrapped;
  }
  return out;
}

Result<fc::LiteralMap> ResolveBindings(const pb::RepeatedPtrField<fc::Binding>& bindings,
                                       const OutputsOf& outputs) {
  fc::LiteralMap out;
  for (const auto& b : bindings) {
    auto lit = ResolveBinding(b.binding(), outputs);
    if (!lit.ok()) {
      return Status::FailedPrecondition("input '" + b.var() + "': " + lit.status().message());
    }
    (*out.mutable_literals())[b.var()] = std::move(lit).value();
  }
  return out;
}

Result<bool> Evaluate(const fc::BooleanExpression& expr, const fc::LiteralMap& inputs) {
  if (expr.has_comparison()) return EvalComparison(expr.comparison(), inputs);
  if (!expr.has_conjunction()) return Status::FailedPrecondition("an empty condition");
  const auto& c = expr.conjunction();
  FB_ASSIGN_OR_RETURN(bool left, Evaluate(c.left_expression(), inputs));
  if (c.operator_() == fc::ConjunctionExpression::AND && !left) return false;
  if (c.operator_() == fc::ConjunctionExpression::OR && left) return true;
  return Evaluate(c.right_expression(), inputs);
}

}  // namespace flytebox::executor
