#include "embedded/compiler/var_name.h"

#include <cctype>
#include <cstddef>
#include <vector>

namespace flytebox::compiler {
namespace {

bool IsWord(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

struct Match {
  std::size_t end;
  VarRef ref;
  bool index_overflow = false;
};

// Length of the `\[\d+\]\.` prefix at `pos`, or 0.
std::size_t IndexPrefix(std::string_view s, std::size_t pos) {
  if (pos >= s.size() || s[pos] != '[') return 0;
  std::size_t q = pos + 1;
  while (q < s.size() && IsDigit(s[q])) ++q;
  if (q == pos + 1 || q + 1 >= s.size() || s[q] != ']' || s[q + 1] != '.') return 0;
  return q + 2 - pos;
}

std::size_t WordEnd(std::string_view s, std::size_t pos) {
  while (pos < s.size() && IsWord(s[pos])) ++pos;
  return pos;
}

// Leftmost-first, like Go's regexp: with the optional index group when it leads to a match.
std::optional<Match> MatchAt(std::string_view s, std::size_t pos) {
  if (std::size_t prefix = IndexPrefix(s, pos); prefix > 0) {
    std::size_t start = pos + prefix;
    std::size_t end = WordEnd(s, start);
    if (end > start) {
      Match m{end, {std::string(s.substr(start, end - start)), std::nullopt}};
      std::string_view digits = s.substr(pos + 1, prefix - 3);
      if (digits.size() > 9) {
        m.index_overflow = true;
      } else {
        m.ref.index = std::stoi(std::string(digits));
      }
      return m;
    }
  }
  std::size_t end = WordEnd(s, pos);
  if (end == pos) return std::nullopt;
  return Match{end, {std::string(s.substr(pos, end - pos)), std::nullopt}};
}

}  // namespace

std::optional<VarRef> ParseVarName(std::string_view text) {
  std::vector<Match> matches;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::optional<Match> m = MatchAt(text, pos);
    if (!m) {
      ++pos;
      continue;
    }
    pos = m->end;
    matches.push_back(std::move(*m));
  }
  if (matches.size() != 1 || matches[0].index_overflow) return std::nullopt;
  return std::move(matches[0].ref);
}

}  // namespace flytebox::compiler
