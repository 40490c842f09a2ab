#pragma once

#include <map>
#include <string>

namespace flytebox::executor {

// The whole environment of a task process. Never the engine's own: that holds the URL-signing
// secret, the database password, the object store's root credentials and whatever the
// supervisor set. A task gets only
// - the allow-listed names of `engine_env` (locale, home, user, temp folder, CA bundles,
//   proxies, flytekit's FLYTE_* settings other than FLYTE_AWS_*; see TaskMayInherit),
// - then `base`: what the engine gives every task (the platform URL, and the FLYTE_AWS_*
//   settings only when the store is S3),
// - and PATH with `python_dir` first.
std::map<std::string, std::string> TaskEnvironment(char** engine_env,
                                                   const std::map<std::string, std::string>& base,
                                                   const std::string& python_dir);

// True for a variable of the engine's environment a task may see.
bool TaskMayInherit(const std::string& name);

}  // namespace flytebox::executor
