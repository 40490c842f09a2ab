#include "embedded/executor/templating.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

fc::Literal Int(int64_t v) {
  fc::Literal l;
  l.mutable_scalar()->mutable_primitive()->set_integer(v);
  return l;
}
fc::Literal Float(double v) {
  fc::Literal l;
  l.mutable_scalar()->mutable_primitive()->set_float_value(v);
  return l;
}
fc::Literal Str(const std::string& v) {
  fc::Literal l;
  l.mutable_scalar()->mutable_primitive()->set_string_value(v);
  return l;
}
fc::Literal Bool(bool v) {
  fc::Literal l;
  l.mutable_scalar()->mutable_primitive()->set_boolean(v);
  return l;
}
fc::Literal Datetime(int64_t seconds, int32_t nanos) {
  fc::Literal l;
  auto* ts = l.mutable_scalar()->mutable_primitive()->mutable_datetime();
  ts->set_seconds(seconds);
  ts->set_nanos(nanos);
  return l;
}
fc::Literal Blob(const std::string& uri) {
  fc::Literal l;
  l.mutable_scalar()->mutable_blob()->set_uri(uri);
  return l;
}
fc::Literal List(const std::vector<fc::Literal>& items) {
  fc::Literal l;
  auto* c = l.mutable_collection();
  for (const auto& i : items) *c->add_literals() = i;
  return l;
}

// Every template of the container contract, each with a distinct value.
TemplateVars AllVars() {
  TemplateVars v;
  v.input = "s3://b/wf/n0/data/inputs.pb";
  v.input_prefix = "s3://b/wf/n0/data";
  v.output_prefix = "s3://b/wf/n0/data/1";
  v.raw_output_prefix = "s3://b/data/ab/exec-n0-1";
  v.checkpoint_prefix = "s3://b/data/ab/exec-n0-1/_flytecheckpoints";
  v.prev_checkpoint = "s3://b/data/cd/exec-n0-0/_flytecheckpoints";
  v.task_template_path = "s3://b/wf/n0/data/task.pb";
  v.per_retry_key = "kabc123";
  return v;
}

std::string MustRender(const std::string& text, const TemplateVars& vars) {
  auto r = Render(text, vars);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

TEST(TemplatingTest, EveryTemplateOfTheContract) {
  TemplateVars v = AllVars();
  EXPECT_EQ(MustRender("{{.input}}", v), v.input);
  EXPECT_EQ(MustRender("{{.inputPrefix}}", v), v.input_prefix);
  EXPECT_EQ(MustRender("{{.outputPrefix}}", v), v.output_prefix);
  EXPECT_EQ(MustRender("{{.rawOutputDataPrefix}}", v), v.raw_output_prefix);
  EXPECT_EQ(MustRender("{{.checkpointOutputPrefix}}", v), v.checkpoint_prefix);
  EXPECT_EQ(MustRender("{{.prevCheckpointPrefix}}", v), v.prev_checkpoint);
  EXPECT_EQ(MustRender("{{.taskTemplatePath}}", v), v.task_template_path);
  EXPECT_EQ(MustRender("{{.perRetryUniqueKey}}", v), v.per_retry_key);
}

TEST(TemplatingTest, CaseInsensitiveWithSpacesInsideTheBraces) {
  TemplateVars v = AllVars();
  EXPECT_EQ(MustRender("{{ .Input }}", v), v.input);
  EXPECT_EQ(MustRender("{{.INPUTPREFIX}}", v), v.input_prefix);
  EXPECT_EQ(MustRender("{{   .OutputPrefix}}", v), v.output_prefix);
  EXPECT_EQ(MustRender("{{.RawOutputDataPrefix\t}}", v), v.raw_output_prefix);
  EXPECT_EQ(MustRender("{{ .checkpointoutputprefix }}", v), v.checkpoint_prefix);
  EXPECT_EQ(MustRender("{{\t.PrevCheckpointPrefix }}", v), v.prev_checkpoint);
  EXPECT_EQ(MustRender("{{ .TaskTemplatePath }}", v), v.task_template_path);
  EXPECT_EQ(MustRender("{{ .PERRETRYUNIQUEKEY }}", v), v.per_retry_key);
}

TEST(TemplatingTest, TemplatesInsideLongerTextAndSeveralPerArgument) {
  TemplateVars v = AllVars();
  EXPECT_EQ(MustRender("--inputs={{.input}} --out={{ .outputPrefix }}/x", v),
            "--inputs=" + v.input + " --out=" + v.output_prefix + "/x");
  EXPECT_EQ(MustRender("no templates here", v), "no templates here");
  EXPECT_EQ(MustRender("", v), "");
}

TEST(TemplatingTest, UnknownTemplatesAreLeftAlone) {
  TemplateVars v = AllVars();
  EXPECT_EQ(MustRender("{{.unknownThing}}", v), "{{.unknownThing}}");
  EXPECT_EQ(MustRender("a {{ .nope }} b {{.input}}", v), "a {{ .nope }} b " + v.input);
  // Without the leading dot it is not a template of the contract.
  EXPECT_EQ(MustRender("{{input}}", v), "{{input}}");
  EXPECT_EQ(MustRender("{{ }}", v), "{{ }}");
  // An unterminated template is plain text.
  EXPECT_EQ(MustRender("{{.input", v), "{{.input");
  EXPECT_EQ(MustRender("x}} {{.input}}", v), "x}} " + v.input);
}

TEST(TemplatingTest, PrevCheckpointOnTheFirstAttemptIsTwoQuotes) {
  TemplateVars v = AllVars();
  v.prev_checkpoint.clear();
  std::string out = MustRender("{{.prevCheckpointPrefix}}", v);
  EXPECT_EQ(out, "\"\"");
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(MustRender("--prev-checkpoint {{ .PrevCheckpointPrefix }}", v),
            "--prev-checkpoint \"\"");
}

TEST(TemplatingTest, InputsAsText) {
  fc::LiteralMap inputs;
  auto& m = *inputs.mutable_literals();
  m["i"] = Int(-42);
  m["f"] = Float(2.5);
  m["yes"] = Bool(true);
  m["no"] = Bool(false);
  m["s"] = Str("hello world");
  m["when"] = Datetime(1700000000, 0);
  m["when_ns"] = Datetime(1700000000, 120000000);
  m["file"] = Blob("s3://bucket/data/file.csv");
  m["ints"] = List({Int(1), Int(2), Int(3)});
  m["nested"] = List({List({Str("a"), Str("b")}), List({})});
  TemplateVars v = AllVars();
  v.inputs = &inputs;
  EXPECT_EQ(MustRender("{{.inputs.i}}", v), "-42");
  EXPECT_EQ(MustRender("{{.inputs.f}}", v), "2.5");
  EXPECT_EQ(MustRender("{{.inputs.yes}}", v), "true");
  EXPECT_EQ(MustRender("{{.inputs.no}}", v), "false");
  EXPECT_EQ(MustRender("{{.inputs.s}}", v), "hello world");
  EXPECT_EQ(MustRender("{{.inputs.when}}", v), "2023-11-14T22:13:20Z");
  EXPECT_EQ(MustRender("{{.inputs.when_ns}}", v), "2023-11-14T22:13:20.12Z");
  EXPECT_EQ(MustRender("{{.inputs.file}}", v), "s3://bucket/data/file.csv");
  EXPECT_EQ(MustRender("{{.inputs.ints}}", v), "[1,2,3]");
  EXPECT_EQ(MustRender("{{.inputs.nested}}", v), "[[a,b],[]]");
  // Case-insensitive and spaced like the other templates.
  EXPECT_EQ(MustRender("--n={{ .Inputs.I }}", v), "--n=-42");
}

TEST(TemplatingTest, FloatsKeepEveryDigit) {
  // A float input must reach the command unchanged: the text parses back to the same value.
  for (double d : {0.1, 2.5, 3.141592653589793, 1234567.5, 1e-7, 1e21, -0.000123456789, 100.0,
                   0.30000000000000004}) {
    std::string text = LiteralText(Float(d));
    EXPECT_EQ(std::stod(text), d) << "rendered as " << text;
  }
  // Plain between 1e-4 and 1e6, with an exponent outside, as Flyte prints them.
  EXPECT_EQ(LiteralText(Float(100.0)), "100");
  EXPECT_EQ(LiteralText(Float(0.0)), "0");
  EXPECT_EQ(LiteralText(Float(3.141592653589793)), "3.141592653589793");
  EXPECT_EQ(LiteralText(Float(123456.0)), "123456");
  EXPECT_EQ(LiteralText(Float(0.0001)), "0.0001");
  EXPECT_EQ(LiteralText(Float(1234567.5)), "1.2345675e+06");
  EXPECT_EQ(LiteralText(Float(1e-7)), "1e-07");
}

TEST(TemplatingTest, UnknownInputIsInvalidArgument) {
  fc::LiteralMap inputs;
  (*inputs.mutable_literals())["x"] = Int(1);
  TemplateVars v = AllVars();
  v.inputs = &inputs;
  auto r = Render("--y={{.inputs.y}}", v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'y'"), std::string::npos) << r.status().message();
  // No inputs at all.
  v.inputs = nullptr;
  r = Render("{{.inputs.x}}", v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  // RenderAll stops at the first bad argument.
  v.inputs = &inputs;
  auto all = RenderAll({"{{.input}}", "{{.inputs.x}}", "{{.inputs.missing}}"}, v);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), Code::kInvalidArgument);
  EXPECT_NE(all.status().message().find("missing"), std::string::npos);
}

TEST(TemplatingTest, RenderAllKeepsOrder) {
  fc::LiteralMap inputs;
  (*inputs.mutable_literals())["x"] = Int(7);
  TemplateVars v = AllVars();
  v.inputs = &inputs;
  auto all = RenderAll({"pyflyte-execute", "--inputs", "{{.input}}", "--x", "{{.inputs.x}}"}, v);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<std::string>{"pyflyte-execute", "--inputs", v.input, "--x", "7"}));
}

}  // namespace
}  // namespace flytebox::executor
