#pragma once

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <string>

namespace flytebox::testing {

// Reports text-format errors as test failures; warnings (flytekit's deprecated `primitive`
// operand) are expected and dropped.
class TextErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    ADD_FAILURE() << "text format " << line << ":" << column << ": " << message;
  }
  void AddWarning(int, int, const std::string&) override {}
};

// A message from protobuf text format; a parse error fails the test.
template <typename T>
T ParseText(const std::string& text) {
  T message;
  TextErrors errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &message)) {
    ADD_FAILURE() << "cannot parse as " << T::descriptor()->full_name() << ":\n" << text;
  }
  return message;
}

}  // namespace flytebox::testing
