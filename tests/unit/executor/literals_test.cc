#include "embedded/executor/literals.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/unit/executor/test_support.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
using google::protobuf::util::MessageDifferencer;
using testing::Text;

// Outputs of upstream nodes, by node id; the resolver looks them up through OutputsOf.
class LiteralsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outputs_["start-node"] = Text<fc::LiteralMap>(R"(
      literals { key: "x" value { scalar { primitive { integer: 7 } } } }
      literals { key: "name" value { scalar { primitive { string_value: "ada" } } } })");
    outputs_["n0"] = Text<fc::LiteralMap>(R"(
      literals { key: "o0" value { collection { literals { scalar { primitive { integer: 10 } } }
                                                literals { scalar { primitive { integer: 20 } } }
                                                literals { scalar { primitive { integer: 30 } } } } } }
      literals { key: "o1" value { map { literals { key: "a" value { scalar { primitive { string_value: "A" } } } }
                                         literals { key: "b" value { collection {
                                            literals { scalar { primitive { float_value: 1.5 } } } } } } } } }
      literals { key: "o2" value { scalar { generic {
        fields { key: "name" value { string_value: "point" } }
        fields { key: "x" value { number_value: 3 } }
        fields { key: "y" value { number_value: 2.5 } }
        fields { key: "ok" value { bool_value: true } }
        fields { key: "none" value { null_value: NULL_VALUE } }
        fields { key: "tags" value { list_value { values { string_value: "t1" } values { number_value: 4 } } } }
        fields { key: "inner" value { struct_value { fields { key: "z" value { number_value: 9 } } } } }
      } } } }
      literals { key: "o3" value { scalar { union { value { collection {
        literals { scalar { primitive { integer: 5 } } } } } } } } })");
  }

  OutputsOf Lookup() {
    return [this](const std::string& node) -> Result<const fc::LiteralMap*> {
      lookups_.push_back(node);
      auto it = outputs_.find(node);
      if (it == outputs_.end()) return Status::FailedPrecondition("node " + node + " has not succeeded");
      return &it->second;
    };
  }

  Result<fc::Literal> Resolve(const std::string& binding_text) {
    return ResolveBinding(Text<fc::BindingData>(binding_text), Lookup());
  }

  fc::Literal MustResolve(const std::string& binding_text) {
    auto r = Resolve(binding_text);
    EXPECT_TRUE(r.ok()) << binding_text << ": " << r.status().ToString();
    return r.ok() ? *r : fc::Literal();
  }

  void ExpectLiteral(const fc::Literal& got, const std::string& want_text) {
    fc::Literal want = Text<fc::Literal>(want_text);
    EXPECT_TRUE(MessageDifferencer::Equals(got, want))
        << "got:  " << got.ShortDebugString() << "\nwant: " << want.ShortDebugString();
  }

  // Expects FAILED_PRECONDITION whose message contains every one of `parts`.
  void ExpectFailure(const std::string& binding_text, const std::vector<std::string>& parts) {
    auto r = Resolve(binding_text);
    ASSERT_FALSE(r.ok()) << binding_text << " resolved to " << r->ShortDebugString();
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition) << r.status().ToString();
    for (const auto& p : parts) {
      EXPECT_NE(r.status().message().find(p), std::string::npos)
          << "'" << r.status().message() << "' does not mention '" << p << "'";
    }
  }

  std::map<std::string, fc::LiteralMap> outputs_;
  std::vector<std::string> lookups_;
};

TEST_F(LiteralsTest, ScalarBinding) {
  ExpectLiteral(MustResolve("scalar { primitive { integer: 3 } }"), "scalar { primitive { integer: 3 } }");
  ExpectLiteral(MustResolve("scalar { blob { uri: \"s3://b/f\" } }"), "scalar { blob { uri: \"s3://b/f\" } }");
  EXPECT_TRUE(lookups_.empty());
}

TEST_F(LiteralsTest, PromiseFromANodeAndFromTheStartNode) {
  ExpectLiteral(MustResolve(R"(promise { node_id: "start-node" var: "x" })"),
                "scalar { primitive { integer: 7 } }");
  // An empty node id means the workflow's inputs.
  ExpectLiteral(MustResolve(R"(promise { var: "name" })"), R"(scalar { primitive { string_value: "ada" } })");
  EXPECT_EQ(lookups_, (std::vector<std::string>{"start-node", "start-node"}));
  fc::Literal o0 = MustResolve(R"(promise { node_id: "n0" var: "o0" })");
  EXPECT_EQ(o0.collection().literals_size(), 3);
}

TEST_F(LiteralsTest, PromiseFailures) {
  ExpectFailure(R"(promise { node_id: "n0" var: "nope" })", {"n0", "nope"});
  ExpectFailure(R"(promise { node_id: "n9" var: "o0" })", {"n9"});
  ExpectFailure("", {"no value"});
}

TEST_F(LiteralsTest, CollectionsAndMaps) {
  fc::Literal c = MustResolve(R"(collection {
      bindings { scalar { primitive { integer: 1 } } }
      bindings { promise { var: "x" } }
      bindings { collection { bindings { promise { node_id: "n0" var: "o0" attr_path { int_value: 2 } } } } } })");
  ExpectLiteral(c, R"(collection {
      literals { scalar { primitive { integer: 1 } } }
      literals { scalar { primitive { integer: 7 } } }
      literals { collection { literals { scalar { primitive { integer: 30 } } } } } })");
  fc::Literal m = MustResolve(R"(map {
      bindings { key: "k1" value { promise { var: "name" } } }
      bindings { key: "k2" value { map { bindings { key: "in" value { scalar { primitive { boolean: true } } } } } } } })");
  ExpectLiteral(m, R"(map {
      literals { key: "k1" value { scalar { primitive { string_value: "ada" } } } }
      literals { key: "k2" value { map { literals { key: "in" value { scalar { primitive { boolean: true } } } } } } } })");
  // A failure deep inside a collection fails the whole binding.
  ExpectFailure(R"(collection { bindings { scalar { primitive { integer: 1 } } }
                                bindings { promise { node_id: "n0" var: "o0" attr_path { int_value: 3 } } } })",
                {"index 3", "3 elements"});
}

TEST_F(LiteralsTest, AttrPathIntoListsAndMaps) {
  ExpectLiteral(MustResolve(R"(promise { node_id: "n0" var: "o0" attr_path { int_value: 0 } })"),
                "scalar { primitive { integer: 10 } }");
  ExpectLiteral(MustResolve(R"(promise { node_id: "n0" var: "o1" attr_path { string_value: "a" } })"),
                R"(scalar { primitive { string_value: "A" } })");
  ExpectLiteral(MustResolve(R"(promise { node_id: "n0" var: "o1"
                                          attr_path { string_value: "b" } attr_path { int_value: 0 } })"),
                "scalar { primitive { float_value: 1.5 } }");
  // Through an optional (union) value.
  ExpectLiteral(MustResolve(R"(promise { node_id: "n0" var: "o3" attr_path { int_value: 0 } })"),
                "scalar { primitive { integer: 5 } }");
}

TEST_F(LiteralsTest, AttrPathOutOfRangeAndMissingKey) {
  ExpectFailure(R"(promise { node_id: "n0" var: "o0" attr_path { int_value: 3 } })",
                {"index 3 is out of range", "3 elements"});
  ExpectFailure(R"(promise { node_id: "n0" var: "o0" attr_path { int_value: -1 } })",
                {"index -1 is out of range"});
  ExpectFailure(R"(promise { node_id: "n0" var: "o1" attr_path { string_value: "zz" } })",
                {"key 'zz'", "not in the map"});
  ExpectFailure(R"(promise { node_id: "n0" var: "o2" attr_path { string_value: "missing" } })",
                {"no attribute 'missing'"});
  // The wrong kind of step.
  ExpectFailure(R"(promise { node_id: "n0" var: "o0" attr_path { string_value: "a" } })",
                {"cannot take attribute 'a'"});
  ExpectFailure(R"(promise { node_id: "n0" var: "o1" attr_path { int_value: 0 } })",
                {"not a list"});
  ExpectFailure(R"(promise { node_id: "n0" var: "o2" attr_path { int_value: 0 } })",
                {"struct"});
  ExpectFailure(R"(promise { var: "x" attr_path { int_value: 0 } })", {"not a list"});
}

TEST_F(LiteralsTest, AttrPathIntoGenericStructs) {
  auto at = [&](const std::string& path) {
    return MustResolve(R"(promise { node_id: "n0" var: "o2" )" + path + " }");
  };
  ExpectLiteral(at(R"(attr_path { string_value: "name" })"), R"(scalar { primitive { string_value: "point" } })");
  // Whole numbers come back as integers, others as floats.
  ExpectLiteral(at(R"(attr_path { string_value: "x" })"), "scalar { primitive { integer: 3 } }");
  ExpectLiteral(at(R"(attr_path { string_value: "y" })"), "scalar { primitive { float_value: 2.5 } }");
  ExpectLiteral(at(R"(attr_path { string_value: "ok" })"), "scalar { primitive { boolean: true } }");
  ExpectLiteral(at(R"(attr_path { string_value: "none" })"), "scalar { none_type { } }");
  ExpectLiteral(at(R"(attr_path { string_value: "tags" })"), R"(collection {
      literals { scalar { primitive { string_value: "t1" } } }
      literals { scalar { primitive { integer: 4 } } } })");
  ExpectLiteral(at(R"(attr_path { string_value: "tags" } attr_path { int_value: 1 })"),
                "scalar { primitive { integer: 4 } }");
  ExpectLiteral(at(R"(attr_path { string_value: "inner" })"),
                R"(scalar { generic { fields { key: "z" value { number_value: 9 } } } })");
  ExpectLiteral(at(R"(attr_path { string_value: "inner" } attr_path { string_value: "z" })"),
                "scalar { primitive { integer: 9 } }");
}

TEST_F(LiteralsTest, UnionWrapping) {
  // A binding for an optional input wraps its value in a union of the target type.
  fc::Literal u = MustResolve(R"(promise { var: "x" } union { targetType { simple: INTEGER } })");
  ExpectLiteral(u, R"(scalar { union { value { scalar { primitive { integer: 7 } } }
                                       type { simple: INTEGER } } })");
  u = MustResolve(R"(scalar { none_type { } } union { targetType { simple: NONE } })");
  ExpectLiteral(u, R"(scalar { union { value { scalar { none_type { } } } type { simple: NONE } } })");
  // A value that already is a union is not wrapped again.
  u = MustResolve(R"(promise { node_id: "n0" var: "o3" } union { targetType { simple: INTEGER } })");
  ExpectLiteral(u, R"(scalar { union { value { collection {
                        literals { scalar { primitive { integer: 5 } } } } } } })");
}

TEST_F(LiteralsTest, ResolveBindingsNamesTheFailingInput) {
  auto bindings = Text<fc::Binding>(R"(var: "a" binding { promise { var: "x" } })");
  auto bad = Text<fc::Binding>(R"(var: "b" binding { promise { node_id: "n0" var: "o0" attr_path { int_value: 9 } } })");
  google::protobuf::RepeatedPtrField<fc::Binding> list;
  *list.Add() = bindings;
  auto ok = ResolveBindings(list, Lookup());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->literals().at("a").scalar().primitive().integer(), 7);
  *list.Add() = bad;
  auto r = ResolveBindings(list, Lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("input 'b'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("index 9"), std::string::npos) << r.status().message();
}

// ---- branch conditions ----

class LiteralsEvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inputs_ = Text<fc::LiteralMap>(R"(
      literals { key: ".i" value { scalar { primitive { integer: 5 } } } }
      literals { key: ".f" value { scalar { primitive { float_value: 2.5 } } } }
      literals { key: ".s" value { scalar { primitive { string_value: "abc" } } } }
      literals { key: ".b" value { scalar { primitive { boolean: true } } } }
      literals { key: ".t" value { scalar { primitive { datetime { seconds: 1000 nanos: 5 } } } } }
      literals { key: ".none" value { scalar { none_type { } } } }
      literals { key: ".opt_none" value { scalar { union { value { scalar { none_type { } } } } } } }
      literals { key: ".opt_int" value { scalar { union { value { scalar { primitive { integer: 5 } } } } } } }
      literals { key: ".list" value { collection { } } }
      literals { key: ".blob" value { scalar { blob { uri: "s3://b/x" } } } })");
  }

  static fc::BooleanExpression Cmp(const std::string& op, const std::string& left,
                                   const std::string& right) {
    return Text<fc::BooleanExpression>("comparison { operator: " + op + " left_value { " + left +
                                       " } right_value { " + right + " } }");
  }

  Result<bool> Eval(const std::string& op, const std::string& left, const std::string& right) {
    return Evaluate(Cmp(op, left, right), inputs_);
  }

  // The six operators on (left, right), as EQ NEQ GT GTE LT LTE.
  std::vector<bool> All(const std::string& left, const std::string& right) {
    std::vector<bool> out;
    for (const char* op : {"EQ", "NEQ", "GT", "GTE", "LT", "LTE"}) {
      auto r = Eval(op, left, right);
      EXPECT_TRUE(r.ok()) << op << " " << left << " " << right << ": " << r.status().ToString();
      out.push_back(r.ok() && *r);
    }
    return out;
  }

  void ExpectError(const std::string& op, const std::string& left, const std::string& right,
                   const std::string& part) {
    auto r = Eval(op, left, right);
    ASSERT_FALSE(r.ok()) << op << " " << left << " " << right << " gave " << *r;
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
  }

  fc::LiteralMap inputs_;
};

using Ops = std::vector<bool>;
//                        EQ     NEQ    GT     GTE    LT     LTE
const Ops kLess = {false, true, false, false, true, true};
const Ops kEqual = {true, false, false, true, false, true};
const Ops kGreater = {false, true, true, true, false, false};

TEST_F(LiteralsEvaluateTest, Integers) {
  EXPECT_EQ(All(R"(var: ".i")", "primitive { integer: 6 }"), kLess);
  EXPECT_EQ(All(R"(var: ".i")", "primitive { integer: 5 }"), kEqual);
  EXPECT_EQ(All(R"(var: ".i")", "primitive { integer: -3 }"), kGreater);
  // Operands given as scalars (newer flytekit) work the same way.
  EXPECT_EQ(All(R"(var: ".i")", "scalar { primitive { integer: 5 } }"), kEqual);
  EXPECT_EQ(All("scalar { primitive { integer: 9 } }", R"(var: ".i")"), kGreater);
}

TEST_F(LiteralsEvaluateTest, FloatsAndMixedNumbers) {
  EXPECT_EQ(All(R"(var: ".f")", "primitive { float_value: 2.75 }"), kLess);
  EXPECT_EQ(All(R"(var: ".f")", "primitive { float_value: 2.5 }"), kEqual);
  EXPECT_EQ(All(R"(var: ".f")", "primitive { float_value: -1 }"), kGreater);
  // int against float compares the numbers.
  EXPECT_EQ(All(R"(var: ".i")", "primitive { float_value: 5.5 }"), kLess);
  EXPECT_EQ(All(R"(var: ".i")", "primitive { float_value: 5.0 }"), kEqual);
  EXPECT_EQ(All(R"(var: ".f")", "primitive { integer: 2 }"), kGreater);
}

TEST_F(LiteralsEvaluateTest, StringsBoolsAndDatetimes) {
  EXPECT_EQ(All(R"(var: ".s")", R"(primitive { string_value: "abd" })"), kLess);
  EXPECT_EQ(All(R"(var: ".s")", R"(primitive { string_value: "abc" })"), kEqual);
  EXPECT_EQ(All(R"(var: ".s")", R"(primitive { string_value: "ab" })"), kGreater);
  EXPECT_EQ(All(R"(var: ".b")", "primitive { boolean: true }"), kEqual);
  EXPECT_EQ(All(R"(var: ".b")", "primitive { boolean: false }"), kGreater);
  EXPECT_EQ(All("primitive { boolean: false }", R"(var: ".b")"), kLess);
  EXPECT_EQ(All(R"(var: ".t")", "primitive { datetime { seconds: 1000 nanos: 6 } }"), kLess);
  EXPECT_EQ(All(R"(var: ".t")", "primitive { datetime { seconds: 1000 nanos: 5 } }"), kEqual);
  EXPECT_EQ(All(R"(var: ".t")", "primitive { datetime { seconds: 999 nanos: 999 } }"), kGreater);
}

TEST_F(LiteralsEvaluateTest, OptionalValuesAreUnwrapped) {
  EXPECT_EQ(All(R"(var: ".opt_int")", "primitive { integer: 5 }"), kEqual);
}

TEST_F(LiteralsEvaluateTest, NoneComparisons) {
  auto yes = [&](const std::string& op, const std::string& l, const std::string& r) {
    auto v = Eval(op, l, r);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() && *v;
  };
  EXPECT_TRUE(yes("EQ", R"(var: ".none")", "scalar { none_type { } }"));
  EXPECT_FALSE(yes("NEQ", R"(var: ".none")", "scalar { none_type { } }"));
  EXPECT_TRUE(yes("EQ", R"(var: ".opt_none")", "scalar { none_type { } }"));
  EXPECT_FALSE(yes("EQ", R"(var: ".i")", "scalar { none_type { } }"));
  EXPECT_TRUE(yes("NEQ", R"(var: ".i")", "scalar { none_type { } }"));
  EXPECT_TRUE(yes("NEQ", "scalar { none_type { } }", R"(var: ".opt_int")"));
  ExpectError("GT", R"(var: ".none")", "scalar { none_type { } }", "None");
  ExpectError("LTE", R"(var: ".i")", "scalar { none_type { } }", "None");
}

TEST_F(LiteralsEvaluateTest, AndOr) {
  auto expr = [](const std::string& op, const std::string& l, const std::string& r) {
    return Text<fc::BooleanExpression>("conjunction { operator: " + op + " left_expression { " + l +
                                       " } right_expression { " + r + " } }");
  };
  const std::string t = R"(comparison { operator: EQ left_value { var: ".i" } right_value { primitive { integer: 5 } } })";
  const std::string f = R"(comparison { operator: GT left_value { var: ".i" } right_value { primitive { integer: 5 } } })";
  // The right side of a short-circuit is never looked at, even when it is broken.
  const std::string bad = R"(comparison { operator: EQ left_value { var: ".missing" } right_value { primitive { integer: 1 } } })";
  struct Case {
    std::string op, l, r;
    bool want;
  };
  for (const Case& c : std::vector<Case>{{"AND", t, t, true},
                                         {"AND", t, f, false},
                                         {"AND", f, t, false},
                                         {"AND", f, bad, false},
                                         {"OR", f, f, false},
                                         {"OR", f, t, true},
                                         {"OR", t, f, true},
                                         {"OR", t, bad, true}}) {
    auto r = Evaluate(expr(c.op, c.l, c.r), inputs_);
    ASSERT_TRUE(r.ok()) << c.op << ": " << r.status().ToString();
    EXPECT_EQ(*r, c.want) << c.op << " " << c.l << " " << c.r;
  }
  // Nested: (i == 5 AND i > 5) OR s == "abc".
  auto nested = Text<fc::BooleanExpression>(
      "conjunction { operator: OR left_expression { conjunction { operator: AND left_expression { " +
      t + " } right_expression { " + f + R"( } } } right_expression { comparison { operator: EQ
        left_value { var: ".s" } right_value { primitive { string_value: "abc" } } } } })");
  auto r = Evaluate(nested, inputs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r);
  // A broken side that is evaluated fails the whole expression.
  auto broken = Evaluate(expr("AND", t, bad), inputs_);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), Code::kFailedPrecondition);
}

TEST_F(LiteralsEvaluateTest, BadOperands) {
  ExpectError("EQ", R"(var: ".missing")", "primitive { integer: 1 }", "'.missing'");
  ExpectError("EQ", R"(var: ".i")", R"(primitive { string_value: "5" })", "different types");
  ExpectError("LT", R"(var: ".b")", "primitive { integer: 1 }", "different types");
  ExpectError("EQ", R"(var: ".t")", "primitive { integer: 1000 }", "different types");
  ExpectError("EQ", R"(var: ".list")", "primitive { integer: 1 }", "'.list'");
  ExpectError("EQ", R"(var: ".blob")", "primitive { integer: 1 }", "primitive");
  auto empty = Evaluate(fc::BooleanExpression(), inputs_);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace flytebox::executor
