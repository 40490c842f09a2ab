#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace flytebox::compiler {

// Collects compile errors so that one CreateWorkflow reports every problem it can find, as
// FlyteAdmin does. A check is "ok" when it added nothing: compare count() before and after.
// Not thread-safe; one per compilation.
class Diagnostics {
 public:
  // Records an error. The message is kept once even when several checks see one fault (e.g.
  // a branch without a case), but count() counts every Add.
  void Add(std::string message);
  std::size_t count() const { return count_; }
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }

  // INVALID_ARGUMENT with every message joined by "; " (OK when there is none).
  Status ToStatus() const;

 private:
  std::vector<std::string> messages_;
  std::set<std::string> seen_;
  std::size_t count_ = 0;
};

}  // namespace flytebox::compiler
