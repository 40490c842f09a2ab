#include <gtest/gtest.h>

#include "embedded/store/metadata_store.h"

namespace flytebox::store {
namespace {

const std::map<std::string, std::string> kFields = {
    {"phase", "phase"},
    {"name", "name"},
    {"execution_created_at", "created_at"},
    {"workflow.name", "workflow_name"},
};

std::vector<Filter> Parse(const std::string& text) {
  auto filters = ParseFilters(text, kFields);
  EXPECT_TRUE(filters.ok()) << text << ": " << filters.status().ToString();
  return filters.ok() ? *filters : std::vector<Filter>{};
}

Status Error(const std::string& text) { return ParseFilters(text, kFields).status(); }

TEST(ParseFiltersTest, EmptyTextIsNoFilters) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("   ").empty());
}

TEST(ParseFiltersTest, EveryOperator) {
  const std::pair<const char*, Filter::Op> cases[] = {
      {"eq", Filter::Op::kEq},
      {"ne", Filter::Op::kNe},
      {"gt", Filter::Op::kGt},
      {"gte", Filter::Op::kGte},
      {"lt", Filter::Op::kLt},
      {"lte", Filter::Op::kLte},
      {"contains", Filter::Op::kContains},
      {"not_like", Filter::Op::kNotLike},
  };
  for (const auto& [name, op] : cases) {
    const auto filters = Parse(std::string(name) + "(phase,RUNNING)");
    ASSERT_EQ(filters.size(), 1u) << name;
    EXPECT_EQ(filters[0].op, op) << name;
    EXPECT_EQ(filters[0].field, "phase");
    EXPECT_EQ(filters[0].values, std::vector<std::string>{"RUNNING"});
  }
}

TEST(ParseFiltersTest, ValueInSplitsOnSemicolons) {
  const auto filters = Parse("value_in(name, a ;b-1.x; c)");
  ASSERT_EQ(filters.size(), 1u);
  EXPECT_EQ(filters[0].op, Filter::Op::kValueIn);
  EXPECT_EQ(filters[0].values, (std::vector<std::string>{"a", "b-1.x", "c"}));
}

TEST(ParseFiltersTest, ValueNotInSplitsOnSemicolons) {
  const auto filters = Parse("value_not_in(phase,FAILED; ABORTED)");
  ASSERT_EQ(filters.size(), 1u);
  EXPECT_EQ(filters[0].op, Filter::Op::kValueNotIn);
  EXPECT_EQ(filters[0].values, (std::vector<std::string>{"FAILED", "ABORTED"}));
}

TEST(ParseFiltersTest, TermsKeepFieldsAndRawValues) {
  auto terms = ParseFilterTerms("value_in( a.b ,x; y)+ not_like(name,.flytegen%)");
  ASSERT_TRUE(terms.ok()) << terms.status().ToString();
  ASSERT_EQ(terms->size(), 2u);
  EXPECT_EQ((*terms)[0].op, "value_in");
  EXPECT_EQ((*terms)[0].field, "a.b");
  EXPECT_EQ((*terms)[0].value, "x; y");
  EXPECT_EQ((*terms)[0].text, "value_in( a.b ,x; y)");
  EXPECT_EQ((*terms)[1].op, "not_like");
  EXPECT_EQ((*terms)[1].value, ".flytegen%");
}

TEST(ParseFiltersTest, TermsJoinedWithPlusAndFieldsMapped) {
  const auto filters = Parse(
      " eq( workflow.name , my-wf.v2 ) + gte(execution_created_at,2026-01-01T00:00:00Z)"
      "+lt(execution_created_at, 2026-01-01T10:00:00+02:00) ");
  ASSERT_EQ(filters.size(), 3u);
  EXPECT_EQ(filters[0].field, "workflow_name");
  EXPECT_EQ(filters[0].values[0], "my-wf.v2");
  EXPECT_EQ(filters[1].field, "created_at");
  EXPECT_EQ(filters[1].op, Filter::Op::kGte);
  EXPECT_EQ(filters[1].values[0], "2026-01-01T00:00:00Z");
  EXPECT_EQ(filters[2].values[0], "2026-01-01T10:00:00+02:00");  // '+' inside a value
}

TEST(ParseFiltersTest, ValuesKeepPercentAndOtherPunctuation) {
  const auto filters = Parse("contains(name,50%_off/x:y=z(1)");
  ASSERT_EQ(filters.size(), 1u);
  EXPECT_EQ(filters[0].values[0], "50%_off/x:y=z(1");
}

TEST(ParseFiltersTest, ErrorsNameTheBadPart) {
  struct Case {
    const char* text;
    const char* mentions;
  };
  const Case cases[] = {
      {"equals(phase,x)", "unrecognized filter function: equals"},
      {"eq(colour,red)", "colour"},
      {"eq(phase)", "invalid value for filters: 'eq(phase)'"},
      {"eq(phase,x", "eq(phase,x"},
      {"eq(phase,a,b)", "eq(phase,a,b)"},
      {"eq(phase,x) eq(name,y)", "expected '+'"},
      {"eq(phase,x)+", "nothing after '+'"},
      {"eq(phase,x)++eq(name,y)", "'+eq(name,y)'"},
      {"phase", "phase"},
  };
  for (const Case& c : cases) {
    const Status s = Error(c.text);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.mentions), std::string::npos) << c.text << " -> " << s.message();
  }
}

}  // namespace
}  // namespace flytebox::store
