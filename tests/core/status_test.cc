#include "maskinporten/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <set>
#include <string>

namespace mp {
namespace {

// The last enumerator. ErrcNameIsUnknownPastTheLastCode fails when a code is appended without
// moving this, so the loops below always cover every code.
constexpr Errc kLastErrc = Errc::kConsentPersonMismatch;

std::vector<Errc> AllErrcs() {
  std::vector<Errc> all;
  for (int i = 0; i <= static_cast<int>(kLastErrc); ++i) all.push_back(static_cast<Errc>(i));
  return all;
}

TEST(Errc, EveryCodeHasADistinctSnakeCaseName) {
  const std::regex snake("^[a-z][a-z0-9]*(_[a-z0-9]+)*$");
  std::set<std::string> seen;
  for (Errc code : AllErrcs()) {
    std::string name(ErrcName(code));
    EXPECT_TRUE(std::regex_match(name, snake)) << static_cast<int>(code) << ": " << name;
    EXPECT_NE(name, "unknown") << static_cast<int>(code);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(seen.size(), AllErrcs().size());
}

TEST(Errc, ErrcNameIsUnknownPastTheLastCode) {
  EXPECT_EQ(ErrcName(static_cast<Errc>(static_cast<int>(kLastErrc) + 1)), "unknown");
}

TEST(Errc, NamesMatchTheCliSpelling) {
  EXPECT_EQ(ErrcName(Errc::kOk), "ok");
  EXPECT_EQ(ErrcName(Errc::kInvalidSignature), "invalid_signature");
  EXPECT_EQ(ErrcName(Errc::kDuplicateJsonKey), "duplicate_json_key");
  EXPECT_EQ(ErrcName(Errc::kInvalidBase64), "invalid_base64");
  EXPECT_EQ(ErrcName(Errc::kWrongPassword), "wrong_password");
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Errc::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_EQ(s, OkStatus());
}

TEST(Status, ToStringIsNameColonMessage) {
  Status s(Errc::kInvalidClaim, "exp - iat is 300 s; at most 120 s allowed");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "invalid_claim: exp - iat is 300 s; at most 120 s allowed");
}

TEST(Status, WithContextPrependsToTheMessageAndKeepsTheCode) {
  Status s = Status(Errc::kIoError, "no such file").WithContext("reading key.pem");
  EXPECT_EQ(s.code(), Errc::kIoError);
  EXPECT_EQ(s.message(), "reading key.pem: no such file");
  EXPECT_EQ(s.WithContext("loading client").message(),
            "loading client: reading key.pem: no such file");
}

TEST(Status, WithContextLeavesOkUnchanged) {
  Status s = OkStatus().WithContext("reading key.pem");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
}

TEST(Status, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status(Errc::kNotFound, "x"), Status(Errc::kNotFound, "x"));
  EXPECT_FALSE(Status(Errc::kNotFound, "x") == Status(Errc::kNotFound, "y"));
  EXPECT_FALSE(Status(Errc::kNotFound, "x") == Status(Errc::kIoError, "x"));
}

TEST(Result, HoldsAValue) {
  Result<int> r = 7;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
  EXPECT_TRUE(r.status().ok());
}

TEST(Result, HoldsAnError) {
  Result<int> r(Errc::kInvalidArgument, "bad");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status(), Status(Errc::kInvalidArgument, "bad"));
  Result<std::string> from_status = Status(Errc::kNotFound, "nope");
  EXPECT_EQ(from_status.status().code(), Errc::kNotFound);
}

TEST(Result, ArrowAndMoveOutOfValue) {
  Result<std::string> r = std::string("hello");
  EXPECT_EQ(r->size(), 5u);
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello");
}

TEST(Result, HoldsMoveOnlyTypes) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(3);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 3);
}

// Helpers for the macro tests.
int g_evaluations = 0;

Status CountedStatus(Status s) {
  ++g_evaluations;
  return s;
}
Result<int> CountedResult(Result<int> r) {
  ++g_evaluations;
  return r;
}

Status ReturnIfError(Status first, bool* reached_end) {
  MP_RETURN_IF_ERROR(CountedStatus(first));
  *reached_end = true;
  return OkStatus();
}

Status ReturnIfErrorOnResult(Result<int> r, bool* reached_end) {
  MP_RETURN_IF_ERROR(CountedResult(std::move(r)));
  *reached_end = true;
  return Status(Errc::kInternal, "end");
}

TEST(MpReturnIfError, ContinuesOnOkAndEvaluatesOnce) {
  g_evaluations = 0;
  bool reached = false;
  EXPECT_TRUE(ReturnIfError(OkStatus(), &reached).ok());
  EXPECT_TRUE(reached);
  EXPECT_EQ(g_evaluations, 1);
}

TEST(MpReturnIfError, ReturnsTheErrorUnchanged) {
  g_evaluations = 0;
  bool reached = false;
  Status s = ReturnIfError(Status(Errc::kWeakKey, "1024 bits"), &reached);
  EXPECT_EQ(s, Status(Errc::kWeakKey, "1024 bits"));
  EXPECT_FALSE(reached);
  EXPECT_EQ(g_evaluations, 1);
}

TEST(MpReturnIfError, AcceptsAResult) {
  bool reached = false;
  EXPECT_EQ(ReturnIfErrorOnResult(Result<int>(5), &reached).message(), "end");
  EXPECT_TRUE(reached);
  reached = false;
  EXPECT_EQ(ReturnIfErrorOnResult(Result<int>(Errc::kNotFound, "kid"), &reached),
            Status(Errc::kNotFound, "kid"));
  EXPECT_FALSE(reached);
}

Result<int> AddTwo(Result<int> a, Result<int> b) {
  MP_ASSIGN_OR_RETURN(int x, CountedResult(std::move(a)));
  MP_ASSIGN_OR_RETURN(int y, CountedResult(std::move(b)));  // a second use in one scope compiles
  return x + y;
}

TEST(MpAssignOrReturn, AssignsValues) {
  g_evaluations = 0;
  auto r = AddTwo(2, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  EXPECT_EQ(g_evaluations, 2);
}

TEST(MpAssignOrReturn, ReturnsTheFirstErrorAndStops) {
  g_evaluations = 0;
  auto r = AddTwo(Result<int>(Errc::kInvalidJson, "first"), Result<int>(Errc::kIoError, "second"));
  EXPECT_EQ(r.status(), Status(Errc::kInvalidJson, "first"));
  EXPECT_EQ(g_evaluations, 1);
}

Result<std::unique_ptr<int>> MakeBox(bool ok) {
  if (!ok) return Status(Errc::kInternal, "no box");
  return std::make_unique<int>(9);
}

Status UseBox(bool ok, int* out) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(ok));
  *out = *box;
  return OkStatus();
}

TEST(MpAssignOrReturn, MovesMoveOnlyValues) {
  int out = 0;
  EXPECT_TRUE(UseBox(true, &out).ok());
  EXPECT_EQ(out, 9);
  EXPECT_EQ(UseBox(false, &out).code(), Errc::kInternal);
}

Status AssignToExisting(Result<std::string> r, std::string* out) {
  MP_ASSIGN_OR_RETURN(*out, std::move(r));
  return OkStatus();
}

TEST(MpAssignOrReturn, AssignsToAnExistingLvalue) {
  std::string out = "old";
  EXPECT_TRUE(AssignToExisting(std::string("new"), &out).ok());
  EXPECT_EQ(out, "new");
  EXPECT_FALSE(AssignToExisting(Status(Errc::kNotFound, "x"), &out).ok());
  EXPECT_EQ(out, "new");
}

}  // namespace
}  // namespace mp
