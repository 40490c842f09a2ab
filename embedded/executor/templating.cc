#include "embedded/executor/templating.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/strings.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  std::time_t secs = ts.seconds();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (ts.nanos() != 0) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09d", ts.nanos());
    std::string f = frac;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

// As Flyte prints floats: the shortest text that parses back to the same value, in
// exponent form when the exponent is below -4 or at least 6 (1e+06, 1.5e-05).
std::string FloatText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string text(buf, sci.ptr);
  int exp = std::atoi(text.c_str() + text.find('e') + 1);
  if (exp < -4 || exp >= 6) return text;
  auto fixed = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

std::string PrimitiveText(const fc::Primitive& p) {
  switch (p.value_case()) {
    case fc::Primitive::kInteger: return std::to_string(p.integer());
    case fc::Primitive::kFloatValue: return FloatText(p.float_value());
    case fc::Primitive::kStringValue: return p.string_value();
    case fc::Primitive::kBoolean: return p.boolean() ? "true" : "false";
    case fc::Primitive::kDatetime: return Rfc3339(p.datetime());
    case fc::Primitive::kDuration: {
      return std::to_string(p.duration().seconds()) + "s";
    }
    default: return "";
  }
}

Result<std::string> Lookup(const std::string& name, const TemplateVars& v) {
  std::string key = strings::AsciiLower(name);
  if (key == "input") return v.input;
  if (key == "inputprefix") return v.input_prefix;
  if (key == "outputprefix") return v.output_prefix;
  if (key == "rawoutputdataprefix") return v.raw_output_prefix;
  if (key == "checkpointoutputprefix") return v.checkpoint_prefix;
  if (key == "prevcheckpointprefix") return v.prev_checkpoint.empty() ? "\"\"" : v.prev_checkpoint;
  if (key == "tasktemplatepath") return v.task_template_path;
  if (key == "perretryuniquekey") return v.per_retry_key;
  if (key.rfind("inputs.", 0) == 0) {
    std::string var = name.substr(7);
    if (v.inputs) {
      for (const auto& [k, lit] : v.inputs->literals()) {
        if (strings::AsciiLower(k) == strings::AsciiLower(var)) return LiteralText(lit);
      }
    }
    return Status::InvalidArgument("the task's command refers to {{.inputs." + var +
                                   "}}, but the task has no input '" + var + "'");
  }
  return Status::NotFound(name);
}

}  // namespace

std::string LiteralText(const fc::Literal& lit) {
  if (lit.has_collection()) {
    std::string out = "[";
    for (int i = 0; i < lit.collection().literals_size(); ++i) {
      if (i) out += ",";
      out += LiteralText(lit.collection().literals(i));
    }
    return out + "]";
  }
  if (!lit.has_scalar()) return "";
  const fc::Scalar& s = lit.scalar();
  if (s.has_primitive()) return PrimitiveText(s.primitive());
  if (s.has_blob()) return s.blob().uri();
  if (s.has_structured_dataset()) return s.structured_dataset().uri();
  if (s.has_schema()) return s.schema().uri();
  if (s.has_union_() && s.union_().has_value()) return LiteralText(s.union_().value());
  return "";
}

Result<std::string> Render(const std::string& text, const TemplateVars& vars) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    std::string inner(strings::TrimSpace(text.substr(open + 2, close - open - 2)));
    out += text.substr(pos, open - pos);
    if (!inner.empty() && inner[0] == '.') {
      auto value = Lookup(inner.substr(1), vars);
      if (value.ok()) {
        out += *value;
      } else if (value.status().code() == Code::kNotFound) {
        out += text.substr(open, close + 2 - open);
      } else {
        return value.status();
      }
    } else {
      out += text.substr(open, close + 2 - open);
    }
    pos = close + 2;
  }
  out += text.substr(pos);
  return out;
}

Result<std::vector<std::string>> RenderAll(const std::vector<std::string>& texts,
                                           const TemplateVars& vars) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (const auto& t : texts) {
    FB_ASSIGN_OR_RETURN(std::string r, Render(t, vars));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace flytebox::executor
