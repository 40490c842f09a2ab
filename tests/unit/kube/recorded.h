// Test helpers shared by the kube unit tests: Kubernetes API objects recorded from a real
// cluster (testdata/) and the attempt most tests build a pod for.
#ifndef FLYTEBOX_TESTS_UNIT_KUBE_RECORDED_H_
#define FLYTEBOX_TESTS_UNIT_KUBE_RECORDED_H_

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "embedded/executor/runner.h"

namespace flytebox::executor::kube_testing {

// testdata/NAME parsed; a file that is missing or not a JSON object fails the test.
inline nlohmann::json Recorded(const std::string& name) {
  std::ifstream in(std::string(FLYTEBOX_KUBE_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(s.str(), nullptr, false);
  EXPECT_TRUE(j.is_object()) << name;
  return j;
}

// A hello-world attempt of flytesnacks/development, key KEY.
inline TaskRun HelloRun(const std::string& key) {
  TaskRun run;
  run.key = key;
  run.argv = {"pyflyte-execute", "--inputs", "s3://b/in/inputs.pb"};
  run.image = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8";
  run.env = {{"FLYTE_INTERNAL_EXECUTION_ID", "abc"}};
  run.project = "flytesnacks";
  run.domain = "development";
  run.execution = "abc";
  run.node = "n0";
  return run;
}

}  // namespace flytebox::executor::kube_testing

#endif  // FLYTEBOX_TESTS_UNIT_KUBE_RECORDED_H_
