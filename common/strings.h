#pragma once
// Small string helpers that more than one part needs, in one place.

#include <string>
#include <string_view>

namespace flytebox::strings {

// `s` without leading and trailing ASCII whitespace (space, tab, CR, LF).
std::string_view TrimSpace(std::string_view s);

// `s` with ASCII upper-case letters lowered; other bytes unchanged.
std::string AsciiLower(std::string_view s);

// RFC 3986 percent-encoding: every byte but the unreserved A-Z a-z 0-9 - _ . ~ (and '/' when
// `keep_slash`) becomes %XX in upper-case hex, as SigV4 and the engine's signed URLs want.
std::string PercentEncode(std::string_view text, bool keep_slash);

// `text` with SQL LIKE's wildcards and the escape character escaped by '\\', so that it
// matches itself in `LIKE ... ESCAPE '\\'`.
std::string EscapeLike(std::string_view text);

}  // namespace flytebox::strings
