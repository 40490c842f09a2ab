// A small stand-in for libFuzzer's driver, so fuzz targets build with GCC and run in CTest.
// It replays every file of the given corpus folders through LLVMFuzzerTestOneInput, then
// mutates them (bit flips, byte inserts and deletes, splices, JSON-ish tokens) until a time
// or run budget is spent. There is no coverage feedback: a mutated input joins the pool when
// its length falls in a bucket not seen before, which keeps inputs of varied sizes alive.
//
// Flags (libFuzzer spelling):  -max_total_time=SECONDS  -runs=N  -seed=N  -max_len=BYTES
// Positional arguments: corpus folders or files. A crash (signal) writes the input that
// caused it to ./crash-<pid> before the process dies, so it can be replayed:
//   rest_decode_fuzz crash-12345
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Flags {
  double max_total_time = 0;  // seconds; 0 with runs == 0: only replay the corpus
  uint64_t runs = 0;
  uint64_t seed = 1;
  size_t max_len = 8192;
  std::vector<std::string> inputs;
};

bool ParseFlag(const std::string& arg, const char* name, std::string* value) {
  std::string prefix = std::string("-") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], v;
    if (ParseFlag(arg, "max_total_time", &v)) {
      flags->max_total_time = std::strtod(v.c_str(), nullptr);
    } else if (ParseFlag(arg, "runs", &v)) {
      flags->runs = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(arg, "seed", &v)) {
      flags->seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (ParseFlag(arg, "max_len", &v)) {
      flags->max_len = std::strtoull(v.c_str(), nullptr, 10);
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "unknown flag %s (known: -max_total_time= -runs= -seed= -max_len=)\n",
                   arg.c_str());
      return false;
    } else {
      flags->inputs.push_back(arg);
    }
  }
  return true;
}

std::vector<std::string> LoadCorpus(const std::vector<std::string>& paths) {
  std::vector<std::string> corpus;
  auto load = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // a fixed order keeps runs repeatable
      for (const auto& f : files) load(f);
    } else if (std::filesystem::is_regular_file(path, ec)) {
      load(path);
    } else {
      std::fprintf(stderr, "no such corpus file or folder: %s\n", path.c_str());
    }
  }
  return corpus;
}

// The input being run, for the crash handler (which may only make async-signal-safe calls).
const char* volatile g_current = nullptr;
volatile size_t g_current_size = 0;

void OnCrash(int sig) {
  char name[64];
  std::snprintf(name, sizeof name, "crash-%d", static_cast<int>(getpid()));
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (write(fd, g_current, g_current_size) < 0) {}
    close(fd);
  }
  static const char kMsg[] = "\n== fuzz: crash; the input is in ./crash-<pid>\n";
  if (write(2, kMsg, sizeof kMsg - 1) < 0) {}
  signal(sig, SIG_DFL);
  raise(sig);
}

void Run(const std::string& input) {
  g_current = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// Tokens that steer mutations toward the shapes the REST decoder parses.
const char* const kTokens[] = {
    "{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "0", "-1", "1e999",
    "18446744073709551616", "\"\\u0000\"", "\\", "\n", "/", "//", "?", "&", "=", "%", ".",
    "..", "{}", "[]", "\"id\":", "\"spec\":", "\"project\":", "\"inputs\":", "\"literals\":",
    "\"launch_plan\":", "\"scalar\":", "\"primitive\":", "GET", "POST", "PUT", "DELETE",
    "PATCH", "/api/v1/", "executions", "tasks", "projects", "limit=", "token=", "filters=",
    "sort_by.key=", "sort_by.direction=", "id.project=", "application/json",
    "application/octet-stream", "eq(", "value_in(", ")", ";", "+"};

class Mutator {
 public:
  Mutator(uint64_t seed, size_t max_len) : rng_(seed), max_len_(max_len) {}

  std::string Mutate(const std::vector<std::string>& pool) {
    std::string s = Pick(pool);
    int rounds = 1 + static_cast<int>(Below(4));
    for (int i = 0; i < rounds; ++i) MutateOnce(&s, pool);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

 private:
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  const std::string& Pick(const std::vector<std::string>& pool) { return pool[Below(pool.size())]; }

  void MutateOnce(std::string* s, const std::vector<std::string>& pool) {
    size_t pos = Below(s->size() + 1);
    switch (Below(8)) {
      case 0:  // flip a bit
        if (!s->empty()) (*s)[pos % s->size()] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // insert random bytes
        s->insert(pos, 1 + Below(4), static_cast<char>(Below(256)));
        break;
      case 2:  // delete a run of bytes
        if (!s->empty()) s->erase(pos % s->size(), 1 + Below(8));
        break;
      case 3: {  // splice: our head, another input's tail
        const std::string& other = Pick(pool);
        *s = s->substr(0, pos) + other.substr(Below(other.size() + 1));
        break;
      }
      case 4:  // insert a token
        s->insert(pos, kTokens[Below(std::size(kTokens))]);
        break;
      case 5: {  // duplicate a chunk
        if (s->empty()) break;
        size_t from = Below(s->size());
        s->insert(pos, s->substr(from, 1 + Below(32)));
        break;
      }
      case 6:  // set a byte to an interesting value
        if (!s->empty()) {
          static const char kBytes[] = {'\0', '\x7f', '\x80', '\xff', '{', '"', '/', '\n'};
          (*s)[pos % s->size()] = kBytes[Below(sizeof kBytes)];
        }
        break;
      default:  // truncate
        s->resize(pos);
    }
  }

  std::mt19937_64 rng_;
  size_t max_len_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  // An alternate stack lets the handler run after a stack overflow, too.
  static char alt_stack[1 << 16];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_handler = OnCrash;
  sa.sa_flags = SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) sigaction(sig, &sa, nullptr);

  std::vector<std::string> pool = LoadCorpus(flags.inputs);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (const std::string& input : pool) Run(input);
  std::printf("fuzz: replayed %zu corpus inputs in %.2f s\n", pool.size(), elapsed());
  if (pool.empty()) pool.emplace_back();

  const bool timed = flags.max_total_time > 0;
  if (!timed && flags.runs == 0) return 0;
  Mutator mutator(flags.seed, flags.max_len);
  std::set<size_t> seen_sizes;  // a cheap novelty signal: new input lengths, bucketed
  uint64_t runs = 0;
  while ((flags.runs == 0 || runs < flags.runs) && (!timed || elapsed() < flags.max_total_time)) {
    for (int batch = 0; batch < 64; ++batch) {  // check the clock once per batch
      std::string input = mutator.Mutate(pool);
      Run(input);
      ++runs;
      if (pool.size() < 4096 && seen_sizes.insert(input.size() / 16).second) {
        pool.push_back(std::move(input));
      }
      if (flags.runs != 0 && runs >= flags.runs) break;
    }
  }
  const double seconds = elapsed();
  std::printf("fuzz: %llu mutated runs in %.1f s (%.0f exec/s), seed %llu, pool %zu: no crash\n",
              static_cast<unsigned long long>(runs), seconds,
              seconds > 0 ? static_cast<double>(runs) / seconds : 0.0,
              static_cast<unsigned long long>(flags.seed), pool.size());
  return 0;
}
