#include "embedded/compiler/identifiers.h"

#include <tuple>

namespace flytebox::compiler {

std::string IdKey(const flyteidl::core::Identifier& id) {
  constexpr char kSep = '\x1f';
  return std::to_string(static_cast<int>(id.resource_type())) + kSep + id.project() + kSep +
         id.domain() + kSep + id.name() + kSep + id.version() + kSep + id.org();
}

bool IdLess(const flyteidl::core::Identifier& a, const flyteidl::core::Identifier& b) {
  auto tie = [](const flyteidl::core::Identifier& i) {
    return std::tie(i.project(), i.domain(), i.name(), i.version(), i.org());
  };
  if (a.resource_type() != b.resource_type()) return a.resource_type() < b.resource_type();
  return tie(a) < tie(b);
}

std::string IdString(const flyteidl::core::Identifier& id) {
  return id.project() + "/" + id.domain() + "/" + id.name() + "/" + id.version();
}

}  // namespace flytebox::compiler
