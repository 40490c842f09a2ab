#pragma once

// A CommandRunner for unit tests: records every engine command and answers from a script.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/container_runner.h"

namespace flytebox::cli::testing {

using Argv = std::vector<std::string>;

// Records every command; answers each with the reply queued for the longest matching
// prefix (the last reply of a queue repeats), else success with no output.
class RecordingRunner : public CommandRunner {
 public:
  struct Reply {
    int code = 0;
    std::string out;
    std::string err;
  };

  void On(Argv prefix, std::vector<Reply> replies) {
    rules_[std::move(prefix)] = {std::move(replies), 0};
  }

  Result<Captured> Run(const Argv& argv, std::chrono::milliseconds) override {
    calls.push_back(argv);
    Reply r = Answer(argv);
    Captured c;
    c.status.code = r.code;
    c.out = r.out;
    c.err = r.err;
    return c;
  }

  Result<ExitStatus> Stream(const Argv& argv,
                            const std::function<void(std::string_view)>& sink) override {
    calls.push_back(argv);
    Reply r = Answer(argv);
    sink(r.out + r.err);
    ExitStatus status;
    status.code = r.code;
    return status;
  }

  // Records the producer, then the consumer; each answered as Run would be (the producer's
  // reply gives its exit code and stderr, the consumer's its exit code and output).
  Result<PipeResult> Pipe(const Argv& producer, const Argv& consumer,
                          std::chrono::milliseconds) override {
    calls.push_back(producer);
    calls.push_back(consumer);
    Reply from = Answer(producer);
    Reply to = Answer(consumer);
    PipeResult result;
    result.producer.code = from.code;
    result.producer_err = from.err;
    result.consumer.code = to.code;
    result.consumer_out = to.out + to.err;
    return result;
  }

  // Calls whose argv starts with `prefix`.
  int Count(const Argv& prefix) const {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(), [&](const Argv& a) {
      return a.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), a.begin());
    }));
  }
  // The second word of each call ("run", "container", ...), in order.
  std::vector<std::string> Verbs() const {
    std::vector<std::string> verbs;
    for (const auto& a : calls) {
      verbs.push_back(a.size() > 2 && (a[1] == "container" || a[1] == "image" || a[1] == "volume" ||
                                       a[1] == "network")
                          ? a[1] + " " + a[2]
                          : a[1]);
    }
    return verbs;
  }

  std::vector<Argv> calls;

 private:
  Reply Answer(const Argv& argv) {
    size_t best = 0;
    std::pair<std::vector<Reply>, size_t>* rule = nullptr;
    for (auto& [prefix, r] : rules_) {
      if (prefix.size() <= argv.size() && prefix.size() >= best &&
          std::equal(prefix.begin(), prefix.end(), argv.begin())) {
        best = prefix.size();
        rule = &r;
      }
    }
    if (!rule || rule->first.empty()) return {};
    Reply reply = rule->first[std::min(rule->second, rule->first.size() - 1)];
    ++rule->second;
    return reply;
  }

  std::map<Argv, std::pair<std::vector<Reply>, size_t>> rules_;
};

}  // namespace flytebox::cli::testing
