#include "embedded/compiler/diagnostics.h"

namespace flytebox::compiler {

void Diagnostics::Add(std::string message) {
  ++count_;
  if (!seen_.insert(message).second) return;
  messages_.push_back(std::move(message));
}

Status Diagnostics::ToStatus() const {
  if (messages_.empty()) return Status::Ok();
  std::string joined;
  for (const auto& m : messages_) {
    if (!joined.empty()) joined += "; ";
    joined += m;
  }
  return Status::InvalidArgument(std::move(joined));
}

}  // namespace flytebox::compiler
