// The tasks' own S3 account (blob::EnsureTaskAccess) against a real versitygw whose internal
// IAM knows that account with the least role: granted the one bucket's objects, nothing else.
#include <gtest/gtest.h>

#include "embedded/blob/s3_store.h"
#include "tests/unit/blob/versitygw.h"

namespace flytebox::blob {
namespace {

using testing::Versitygw;

constexpr char kTaskAccess[] = "fbtasktestaccount";
constexpr char kTaskSecret[] = "task-secret-0123456789abcdef";

std::unique_ptr<Versitygw> ServerWithTaskAccount() {
  std::string users = std::string(R"({"accessAccounts":{")") + kTaskAccess + R"(":{"access":")" +
                      kTaskAccess + R"(","secret":")" + kTaskSecret +
                      R"(","role":"user","userID":0,"groupID":0,"projectID":0}}})";
  auto started = Versitygw::Start(true, users);
  EXPECT_TRUE(started.ok()) << started.status().ToString();
  return started.ok() ? std::move(started).value() : nullptr;
}

S3Config TaskConfig(const Versitygw& gw, const std::string& bucket) {
  S3Config config = gw.Config(bucket);
  config.access_key = kTaskAccess;
  config.secret_key = kTaskSecret;
  return config;
}

std::unique_ptr<S3Store> Open(const S3Config& config) {
  auto store = OpenS3Store(config);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(S3TaskAccessTest, TheTasksAccountGetsItsBucketsObjectsAndNothingElse) {
  auto gw = ServerWithTaskAccount();
  ASSERT_NE(gw, nullptr);
  auto owner = Open(gw->Config("my-bucket"));
  auto other = Open(gw->Config("other-bucket"));
  ASSERT_TRUE(owner && other);
  ASSERT_TRUE(other->EnsureBucket().ok());
  ASSERT_TRUE(other->Put("secret", "s").ok());

  auto task = Open(TaskConfig(*gw, "my-bucket"));
  auto task_on_other = Open(TaskConfig(*gw, "other-bucket"));
  ASSERT_TRUE(task && task_on_other);
  EXPECT_EQ(task->BucketAllowed().value_or(true), false);  // no bucket yet

  // Creates the bucket with the owner's keys, then grants it.
  ASSERT_TRUE(EnsureTaskAccess(*owner, TaskConfig(*gw, "my-bucket")).ok());
  ASSERT_TRUE(owner->Put("by-the-engine", "e").ok());
  EXPECT_EQ(task->BucketAllowed().value_or(false), true);
  EXPECT_EQ(task->Get("by-the-engine").value_or(""), "e");
  ASSERT_TRUE(task->Put("by-a-task", "t").ok());
  EXPECT_EQ(owner->Get("by-a-task").value_or(""), "t");
  EXPECT_EQ(task->List("").value_or(std::vector<std::string>{}),
            (std::vector<std::string>{"by-a-task", "by-the-engine"}));
  ASSERT_TRUE(task->Delete("by-a-task").ok());

  // Nothing of the other bucket, and no bucket of its own.
  EXPECT_EQ(task_on_other->Get("secret").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(task_on_other->Put("x", "x").code(), Code::kPermissionDenied);
  EXPECT_EQ(task_on_other->List("").status().code(), Code::kPermissionDenied);
  auto made = Open(TaskConfig(*gw, "made-by-a-task"));
  ASSERT_NE(made, nullptr);
  EXPECT_EQ(made->EnsureBucket().code(), Code::kPermissionDenied);

  // Granted already: one HEAD and no new policy (an owner with a wrong secret is not used).
  S3Config wrong_owner = gw->Config("my-bucket");
  wrong_owner.secret_key = "not-the-owners-secret-0123";
  auto no_owner = Open(wrong_owner);
  ASSERT_NE(no_owner, nullptr);
  Status again = EnsureTaskAccess(*no_owner, TaskConfig(*gw, "my-bucket"));
  EXPECT_TRUE(again.ok()) << again.ToString();
}

TEST(S3TaskAccessTest, AnAccountTheServerDoesNotKnowFailsNamingIt) {
  auto gw = ServerWithTaskAccount();
  ASSERT_NE(gw, nullptr);
  auto owner = Open(gw->Config("my-bucket"));
  ASSERT_NE(owner, nullptr);
  ASSERT_TRUE(owner->EnsureBucket().ok());
  S3Config unknown = TaskConfig(*gw, "my-bucket");
  unknown.access_key = "fbtasknosuchaccount";
  Status st = EnsureTaskAccess(*owner, unknown);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("fbtasknosuchaccount"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("versitygw"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find(unknown.secret_key), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace flytebox::blob
