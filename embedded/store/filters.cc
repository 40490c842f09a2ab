// ParseFilters: FlyteAdmin's filter syntax, `op(field,value)` terms joined with `+`.
#include <string_view>

#include "common/strings.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::store {
namespace {

constexpr std::string_view kSpace = " \t\r\n";

using strings::TrimSpace;

Status BadTerm(std::string_view term, std::string_view why) {
  return Status::InvalidArgument("invalid value for filters: '" + std::string(TrimSpace(term)) +
                                 "': " + std::string(why));
}

// Parses the term starting at `*pos`; leaves `*pos` just after its ')'.
Result<FilterTerm> ParseTerm(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  const size_t open = text.find('(', start);
  const size_t comma = open == std::string_view::npos ? open : text.find(',', open);
  const size_t close = comma == std::string_view::npos ? comma : text.find(')', comma);
  if (close == std::string_view::npos) {
    const size_t plus = text.find('+', start);
    return BadTerm(text.substr(start, plus == std::string_view::npos ? plus : plus - start),
                   "expected op(field,value)");
  }
  const std::string_view term = text.substr(start, close + 1 - start);
  const std::string_view field = TrimSpace(text.substr(open + 1, comma - open - 1));
  if (field.find(')') != std::string_view::npos) return BadTerm(term, "expected op(field,value)");
  const std::string_view raw = text.substr(comma + 1, close - comma - 1);
  if (raw.find(',') != std::string_view::npos) {
    return BadTerm(term, "a value cannot contain ',' (is a ')' missing?)");
  }
  FilterTerm out;
  out.op = TrimSpace(text.substr(start, open - start));
  out.field = field;
  out.value = raw;
  out.text = TrimSpace(term);
  *pos = close + 1;
  return out;
}

}  // namespace

bool IsRepeatedOp(Filter::Op op) {
  return op == Filter::Op::kValueIn || op == Filter::Op::kValueNotIn ||
         op == Filter::Op::kLike || op == Filter::Op::kNotLike;
}

bool ParseFilterOp(std::string_view name, Filter::Op* op) {
  struct Entry {
    std::string_view name;
    Filter::Op op;
  };
  static constexpr Entry kOps[] = {
      {"eq", Filter::Op::kEq},
      {"ne", Filter::Op::kNe},
      {"gt", Filter::Op::kGt},
      {"gte", Filter::Op::kGte},
      {"lt", Filter::Op::kLt},
      {"lte", Filter::Op::kLte},
      {"contains", Filter::Op::kContains},
      {"not_like", Filter::Op::kNotLike},
      {"value_in", Filter::Op::kValueIn},
      {"value_not_in", Filter::Op::kValueNotIn},
  };
  for (const Entry& e : kOps) {
    if (e.name == name) {
      *op = e.op;
      return true;
    }
  }
  return false;
}

std::vector<std::string> FilterValues(std::string_view raw, Filter::Op op) {
  std::vector<std::string> values;
  if (op != Filter::Op::kValueIn && op != Filter::Op::kValueNotIn) {
    values.emplace_back(TrimSpace(raw));
    return values;
  }
  size_t start = 0;
  while (true) {
    const size_t semi = raw.find(';', start);
    values.emplace_back(
        TrimSpace(raw.substr(start, semi == std::string_view::npos ? semi : semi - start)));
    if (semi == std::string_view::npos) return values;
    start = semi + 1;
  }
}

Result<std::vector<FilterTerm>> ParseFilterTerms(const std::string& text) {
  std::vector<FilterTerm> terms;
  const std::string_view all(text);
  if (TrimSpace(all).empty()) return terms;
  size_t pos = 0;
  while (true) {
    FB_ASSIGN_OR_RETURN(FilterTerm term, ParseTerm(all, &pos));
    terms.push_back(std::move(term));
    const size_t next = all.find_first_not_of(kSpace, pos);
    if (next == std::string_view::npos) return terms;
    if (all[next] != '+') {
      return Status::InvalidArgument("invalid value for filters: '" + text +
                                     "': expected '+' after '" +
                                     std::string(TrimSpace(all.substr(0, pos))) + "'");
    }
    pos = next + 1;
    if (TrimSpace(all.substr(pos)).empty()) {
      return Status::InvalidArgument("invalid value for filters: '" + text +
                                     "': nothing after '+'");
    }
  }
}

Result<std::vector<Filter>> ParseFilters(const std::string& text,
                                         const std::map<std::string, std::string>& field_map) {
  FB_ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseFilterTerms(text));
  std::vector<Filter> filters;
  for (const FilterTerm& term : terms) {
    Filter filter;
    if (!ParseFilterOp(term.op, &filter.op)) {
      return Status::InvalidArgument("unrecognized filter function: " + term.op + " (in '" +
                                     term.text + "')");
    }
    const auto it = field_map.find(term.field);
    if (it == field_map.end()) {
      return Status::InvalidArgument("unknown filter field '" + term.field + "' (in '" +
                                     term.text + "')");
    }
    filter.field = it->second;
    filter.values = FilterValues(term.value, filter.op);
    filters.push_back(std::move(filter));
  }
  return filters;
}

}  // namespace flytebox::store
