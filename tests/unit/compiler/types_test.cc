#include "embedded/compiler/types.h"

#include <gtest/gtest.h>

#include "embedded/compiler/var_name.h"
#include "tests/unit/compiler/test_util.h"

namespace flytebox::compiler {
namespace {

using flyteidl::core::Literal;
using flyteidl::core::LiteralType;
using testing::Parse;

LiteralType T(const std::string& text) { return Parse<LiteralType>(text); }
Literal L(const std::string& text) { return Parse<Literal>(text); }

struct CastCase {
  const char* upstream;
  const char* downstream;
  bool castable;
};

void PrintTo(const CastCase& c, std::ostream* os) {
  *os << "{" << c.upstream << "} -> {" << c.downstream << "}";
}

constexpr char kOptionalInt[] =
    "union_type { variants { simple: INTEGER structure { tag: 'int' } }"
    " variants { simple: NONE structure { tag: 'none' } } }";
constexpr char kIntOrStr[] =
    "union_type { variants { simple: INTEGER structure { tag: 'int' } }"
    " variants { simple: STRING structure { tag: 'str' } } }";
constexpr char kIntOrStrOrNone[] =
    "union_type { variants { simple: INTEGER structure { tag: 'int' } }"
    " variants { simple: STRING structure { tag: 'str' } }"
    " variants { simple: NONE structure { tag: 'none' } } }";
constexpr char kPointSchema[] =
    "simple: STRUCT metadata { fields { key: 'properties' value { struct_value {"
    " fields { key: 'x' value { struct_value { fields { key: 'type' value { string_value: "
    "'integer' } } } } }"
    " fields { key: 'y' value { struct_value { fields { key: 'type' value { string_value: "
    "'number' } } } } } } } } }";
constexpr char kXOnlySchema[] =
    "simple: STRUCT metadata { fields { key: 'properties' value { struct_value {"
    " fields { key: 'x' value { struct_value { fields { key: 'type' value { string_value: "
    "'integer' } } } } } } } } }";
constexpr char kZOnlySchema[] =
    "simple: STRUCT metadata { fields { key: 'properties' value { struct_value {"
    " fields { key: 'z' value { struct_value { fields { key: 'type' value { string_value: "
    "'integer' } } } } } } } } }";

const CastCase kCastCases[] = {
    // Simple types: equal only; no implicit int -> float.
    {"simple: INTEGER", "simple: INTEGER", true},
    {"simple: INTEGER", "simple: FLOAT", false},
    {"simple: FLOAT", "simple: INTEGER", false},
    {"simple: STRING", "simple: STRING", true},
    {"simple: BINARY", "simple: BINARY", true},
    {"simple: ERROR", "simple: ERROR", true},
    {"simple: STRUCT", "simple: BINARY", false},
    {"simple: DATETIME", "simple: DURATION", false},
    // Metadata and annotations do not matter; a structure tag on the upstream side does.
    {"simple: INTEGER metadata { fields { key: 'a' value { string_value: 'b' } } }",
     "simple: INTEGER", true},
    {"simple: STRING structure { tag: 'str' }", "simple: STRING", false},
    {"simple: STRING", "simple: STRING structure { tag: 'str' }", true},
    // None: only into none, an optional, or a structured dataset.
    {"simple: NONE", "simple: NONE", true},
    {"simple: NONE", "simple: INTEGER", false},
    {"simple: INTEGER", "simple: NONE", false},
    {"simple: NONE", kOptionalInt, true},
    {"simple: NONE", "structured_dataset_type { format: 'parquet' }", true},
    {"simple: NONE", "collection_type { simple: INTEGER }", false},
    // Enums and strings convert both ways; enums into enums need the same values.
    {"enum_type { values: 'a' values: 'b' }", "simple: STRING", true},
    {"simple: STRING", "enum_type { values: 'a' values: 'b' }", true},
    {"enum_type { values: 'a' values: 'b' }", "enum_type { values: 'a' values: 'b' }", true},
    {"enum_type { values: 'a' values: 'b' }", "enum_type { values: 'a' values: 'c' }", false},
    {"enum_type { values: 'a' }", "simple: INTEGER", false},
    // Collections and maps, recursively; an empty one (element NONE) fits any.
    {"collection_type { simple: INTEGER }", "collection_type { simple: INTEGER }", true},
    {"collection_type { simple: INTEGER }", "collection_type { simple: FLOAT }", false},
    {"collection_type { simple: NONE }", "collection_type { simple: STRING }", true},
    {"collection_type { simple: INTEGER }", "simple: INTEGER", false},
    {"simple: INTEGER", "collection_type { simple: INTEGER }", false},
    {"collection_type { collection_type { simple: INTEGER } }",
     "collection_type { collection_type { simple: INTEGER } }", true},
    {"collection_type { enum_type { values: 'a' } }", "collection_type { simple: STRING }", true},
    {"map_value_type { simple: INTEGER }", "map_value_type { simple: INTEGER }", true},
    {"map_value_type { simple: INTEGER }", "map_value_type { simple: STRING }", false},
    {"map_value_type { simple: NONE }", "map_value_type { simple: INTEGER }", true},
    {"map_value_type { simple: INTEGER }", "collection_type { simple: INTEGER }", false},
    // Blobs: equal formats, or either empty; dimensionality is not compared (as in Flyte).
    {"blob { format: 'csv' }", "blob { format: 'csv' }", true},
    {"blob { format: 'csv' }", "blob { format: 'parquet' }", false},
    {"blob { }", "blob { format: 'csv' }", true},
    {"blob { format: 'csv' }", "blob { }", true},
    {"blob { format: 'csv' }", "blob { format: 'csv' dimensionality: MULTIPART }", true},
    {"blob { }", "simple: STRING", false},
    // Structured datasets: formats (case-insensitive) unless empty; downstream columns must be
    // a subset of the upstream ones unless either side has none.
    {"structured_dataset_type { format: 'parquet' }",
     "structured_dataset_type { format: 'parquet' }", true},
    {"structured_dataset_type { format: 'parquet' }", "structured_dataset_type { format: 'csv' }",
     false},
    {"structured_dataset_type { format: 'PARQUET' }",
     "structured_dataset_type { format: 'parquet' }", true},
    {"structured_dataset_type { }", "structured_dataset_type { format: 'csv' }", true},
    {"structured_dataset_type { columns { name: 'a' literal_type { simple: INTEGER } }"
     " columns { name: 'b' literal_type { simple: STRING } } }",
     "structured_dataset_type { columns { name: 'a' literal_type { simple: INTEGER } } }", true},
    {"structured_dataset_type { columns { name: 'a' literal_type { simple: INTEGER } } }",
     "structured_dataset_type { columns { name: 'c' literal_type { simple: INTEGER } } }", false},
    {"structured_dataset_type { columns { name: 'a' literal_type { simple: INTEGER } } }",
     "structured_dataset_type { columns { name: 'a' literal_type { simple: STRING } } }", false},
    {"structured_dataset_type { }",
     "structured_dataset_type { columns { name: 'a' literal_type { simple: INTEGER } } }", true},
    // Schemas, and schemas <-> parquet datasets.
    {"schema { columns { name: 'a' type: INTEGER } columns { name: 'b' } }",
     "schema { columns { name: 'a' type: INTEGER } }", true},
    {"schema { columns { name: 'a' type: INTEGER } }",
     "schema { columns { name: 'a' type: FLOAT } }", false},
    {"structured_dataset_type { format: 'parquet' }", "schema { }", true},
    {"structured_dataset_type { format: 'csv' }", "schema { }", false},
    {"schema { columns { name: 'a' type: INTEGER } }",
     "structured_dataset_type { format: 'parquet' columns { name: 'a' literal_type { simple: "
     "INTEGER } } }",
     true},
    {"schema { }", "structured_dataset_type { format: 'csv' }", false},
    // Unions.
    {"simple: INTEGER", kOptionalInt, true},
    {kOptionalInt, "simple: INTEGER", false},
    {kIntOrStr, kIntOrStrOrNone, true},
    {kIntOrStrOrNone, kIntOrStr, false},
    {"simple: STRING", kIntOrStr, true},
    {"simple: FLOAT", kIntOrStr, false},
    // Into a union exactly one variant must accept: two that do make it ambiguous.
    {"simple: INTEGER",
     "union_type { variants { simple: INTEGER structure { tag: 'a' } }"
     " variants { simple: INTEGER structure { tag: 'b' } } }",
     false},
    // A one-variant union also binds as its variant, unless that variant carries a tag the
    // downstream type lacks (flytekit tags union variants).
    {"union_type { variants { simple: INTEGER } }", "simple: INTEGER", true},
    {"union_type { variants { simple: INTEGER structure { tag: 'int' } } }", "simple: INTEGER",
     false},
    {"union_type { variants { simple: NONE structure { tag: 'none' } } }", kOptionalInt, true},
    // STRUCTs (dataclasses): any without a JSON schema; equal schemas; or an upstream schema
    // that has every downstream property.
    {"simple: STRUCT", "simple: STRUCT", true},
    {kPointSchema, "simple: STRUCT", true},
    {kPointSchema, kPointSchema, true},
    {kPointSchema, kXOnlySchema, true},
    {kXOnlySchema, kPointSchema, false},
    {kPointSchema, kZOnlySchema, false},
};

class CastabilityTest : public ::testing::TestWithParam<CastCase> {};

TEST_P(CastabilityTest, MatchesFlyte) {
  const CastCase& c = GetParam();
  EXPECT_EQ(IsCastable(T(c.upstream), T(c.downstream)), c.castable)
      << TypeName(T(c.upstream)) << " -> " << TypeName(T(c.downstream));
}

INSTANTIATE_TEST_SUITE_P(Table, CastabilityTest, ::testing::ValuesIn(kCastCases));

TEST(CheckLiteralTest, PrimitivesByKind) {
  EXPECT_TRUE(
      CheckLiteral(L("scalar { primitive { integer: 3 } }"), T("simple: INTEGER"), "x").ok());
  EXPECT_TRUE(
      CheckLiteral(L("scalar { primitive { float_value: 3 } }"), T("simple: FLOAT"), "x").ok());
  EXPECT_TRUE(
      CheckLiteral(L("scalar { primitive { boolean: true } }"), T("simple: BOOLEAN"), "x").ok());
  EXPECT_TRUE(CheckLiteral(L("scalar { primitive { datetime { seconds: 1 } } }"),
                           T("simple: DATETIME"), "x")
                  .ok());
  EXPECT_TRUE(CheckLiteral(L("scalar { primitive { duration { seconds: 1 } } }"),
                           T("simple: DURATION"), "x")
                  .ok());
}

TEST(CheckLiteralTest, NoImplicitIntToFloat) {
  Status s =
      CheckLiteral(L("scalar { primitive { integer: 3 } }"), T("simple: FLOAT"), "input 'x'");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input 'x': expected float, got int");
}

TEST(CheckLiteralTest, StringIntoEnumWithoutValueCheck) {
  // As FlyteAdmin: execution inputs are checked by type only.
  EXPECT_TRUE(CheckLiteral(L("scalar { primitive { string_value: 'blue' } }"),
                           T("enum_type { values: 'red' }"), "x")
                  .ok());
}

TEST(CheckLiteralTest, Collections) {
  Literal ints =
      L("collection { literals { scalar { primitive { integer: 1 } } }"
        " literals { scalar { primitive { integer: 2 } } } }");
  EXPECT_TRUE(CheckLiteral(ints, T("collection_type { simple: INTEGER }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(ints, T("collection_type { simple: FLOAT }"), "x").ok());

  Literal mixed =
      L("collection { literals { scalar { primitive { integer: 1 } } }"
        " literals { scalar { primitive { string_value: 'a' } } } }");
  EXPECT_FALSE(CheckLiteral(mixed, T("collection_type { simple: INTEGER }"), "x").ok());
  EXPECT_TRUE(
      CheckLiteral(mixed, T(std::string("collection_type { ") + kIntOrStr + " }"), "x").ok());
  EXPECT_EQ(TypeName(*LiteralTypeOf(mixed)), "list<union<int | str>>");

  EXPECT_TRUE(CheckLiteral(L("collection { }"), T("collection_type { simple: STRING }"), "x").ok());
  Literal nested_empty = L("collection { literals { collection { } } }");
  EXPECT_TRUE(
      CheckLiteral(nested_empty, T("collection_type { collection_type { simple: STRING } }"), "x")
          .ok());
}

TEST(CheckLiteralTest, Maps) {
  Literal m = L("map { literals { key: 'a' value { scalar { primitive { integer: 1 } } } } }");
  EXPECT_TRUE(CheckLiteral(m, T("map_value_type { simple: INTEGER }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(m, T("map_value_type { simple: STRING }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(m, T("collection_type { simple: INTEGER }"), "x").ok());
}

TEST(CheckLiteralTest, NoneAndUnions) {
  Literal none = L("scalar { none_type { } }");
  EXPECT_TRUE(CheckLiteral(none, T(kOptionalInt), "x").ok());
  EXPECT_FALSE(CheckLiteral(none, T("simple: INTEGER"), "x").ok());

  Literal union_value =
      L("scalar { union { value { scalar { primitive { integer: 1 } } }"
        " type { simple: INTEGER structure { tag: 'int' } } } }");
  EXPECT_TRUE(CheckLiteral(union_value, T(kOptionalInt), "x").ok());
  EXPECT_TRUE(CheckLiteral(L("scalar { primitive { integer: 1 } }"), T(kOptionalInt), "x").ok());
}

TEST(CheckLiteralTest, BlobsDatasetsStructs) {
  Literal csv = L("scalar { blob { uri: 's3://b/k' metadata { type { format: 'csv' } } } }");
  EXPECT_TRUE(CheckLiteral(csv, T("blob { format: 'csv' }"), "x").ok());
  EXPECT_TRUE(CheckLiteral(csv, T("blob { }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(csv, T("blob { format: 'parquet' }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(L("scalar { blob { uri: 's3://b/k' } }"), T("blob { }"), "x").ok());

  Literal sd =
      L("scalar { structured_dataset { uri: 's3://b/d' metadata {"
        " structured_dataset_type { format: 'parquet' } } } }");
  EXPECT_TRUE(CheckLiteral(sd, T("structured_dataset_type { format: 'parquet' }"), "x").ok());
  EXPECT_FALSE(CheckLiteral(sd, T("structured_dataset_type { format: 'csv' }"), "x").ok());

  EXPECT_TRUE(
      CheckLiteral(L("scalar { binary { value: 'x' tag: 'msgpack' } }"), T("simple: STRUCT"), "x")
          .ok());
  EXPECT_TRUE(CheckLiteral(L("scalar { binary { value: 'x' } }"), T("simple: BINARY"), "x").ok());
  EXPECT_TRUE(CheckLiteral(L("scalar { generic { } }"), T("simple: STRUCT"), "x").ok());
  EXPECT_TRUE(
      CheckLiteral(L("scalar { error { message: 'boom' } }"), T("simple: ERROR"), "x").ok());
}

TEST(CheckLiteralTest, UnknownValue) {
  Status s = CheckLiteral(Literal(), T("simple: INTEGER"), "input 'x'");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("input 'x'"), std::string::npos);
}

TEST(TypeNameTest, ShortForms) {
  EXPECT_EQ(TypeName(T("simple: INTEGER")), "int");
  EXPECT_EQ(TypeName(T("collection_type { simple: INTEGER }")), "list<int>");
  EXPECT_EQ(TypeName(T("map_value_type { simple: STRING }")), "map<str, str>");
  EXPECT_EQ(TypeName(T("blob { format: 'csv' }")), "blob(csv)");
  EXPECT_EQ(TypeName(T("blob { dimensionality: MULTIPART }")), "multipart-blob");
  EXPECT_EQ(TypeName(T("enum_type { values: 'a' values: 'b' }")), "enum{a, b}");
  EXPECT_EQ(TypeName(T(kOptionalInt)), "union<int | none>");
  EXPECT_EQ(TypeName(T("structured_dataset_type { format: 'parquet' }")),
            "structured_dataset(parquet)");
  EXPECT_EQ(TypeName(LiteralType()), "unknown");
}

TEST(VarNameTest, ParsesLikeFlyte) {
  ASSERT_TRUE(ParseVarName("o0"));
  EXPECT_EQ(ParseVarName("o0")->name, "o0");
  EXPECT_FALSE(ParseVarName("o0")->index);
  auto indexed = ParseVarName("[2].o0");
  ASSERT_TRUE(indexed);
  EXPECT_EQ(indexed->name, "o0");
  EXPECT_EQ(indexed->index, 2);
  EXPECT_FALSE(ParseVarName(""));
  EXPECT_FALSE(ParseVarName("a.b"));
  EXPECT_FALSE(ParseVarName("[x].o0"));
  EXPECT_EQ(ParseVarName(" o0 ")->name, "o0");
}

}  // namespace
}  // namespace flytebox::compiler
