// The one table of Maskinporten's token-endpoint errors (SPEC §6): every MpError has a row,
// codes and texts are Maskinporten's byte for byte, and lookups by code and by text work.
#include "maskinporten/mp_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace mp {
namespace {

constexpr MpError kLast = MpError::kConsumerOrgIsOwn;

std::vector<MpError> AllMpErrors() {
  std::vector<MpError> all;
  for (int i = 0; i <= static_cast<int>(kLast); ++i) all.push_back(static_cast<MpError>(i));
  return all;
}

TEST(MpErrors, EveryValueHasItsOwnRow) {
  for (MpError e : AllMpErrors()) {
    const MpErrorInfo& info = MpErrorInfoFor(e);
    EXPECT_EQ(info.id, e) << static_cast<int>(e);
    EXPECT_FALSE(info.text.empty()) << static_cast<int>(e);
    EXPECT_FALSE(info.hint.empty()) << static_cast<int>(e);
    EXPECT_FALSE(info.error.empty()) << static_cast<int>(e);
    EXPECT_TRUE(info.http_status == 400 || info.http_status == 403) << static_cast<int>(e);
  }
}

struct CodeRow {
  MpError id;
  const char* code;
  int status;
  const char* error;
};

class MpErrorCodes : public ::testing::TestWithParam<CodeRow> {};

TEST_P(MpErrorCodes, CodeStatusAndErrorMatchSpec) {
  const CodeRow& row = GetParam();
  const MpErrorInfo& info = MpErrorInfoFor(row.id);
  EXPECT_EQ(info.code, row.code);
  EXPECT_EQ(info.http_status, row.status);
  EXPECT_EQ(info.error, row.error);
}

INSTANTIATE_TEST_SUITE_P(
    Spec6, MpErrorCodes,
    ::testing::Values(CodeRow{MpError::kMp011, "MP-011", 400, "invalid_request"},
                      CodeRow{MpError::kMp012, "MP-012", 400, "invalid_grant"},
                      CodeRow{MpError::kMp100, "MP-100", 400, "invalid_grant"},
                      CodeRow{MpError::kMp110, "MP-110", 400, "invalid_grant"},
                      CodeRow{MpError::kMp120, "MP-120", 400, "invalid_grant"},
                      CodeRow{MpError::kMp121, "MP-121", 400, "invalid_grant"},
                      CodeRow{MpError::kMp122, "MP-122", 400, "invalid_grant"},
                      CodeRow{MpError::kMp123, "MP-123", 400, "invalid_grant"},
                      CodeRow{MpError::kMp124, "MP-124", 400, "invalid_grant"},
                      CodeRow{MpError::kMp130, "MP-130", 400, "invalid_grant"},
                      CodeRow{MpError::kMp200, "MP-200", 400, "invalid_scope"},
                      CodeRow{MpError::kMp201, "MP-201", 400, "invalid_scope"},
                      CodeRow{MpError::kMp250, "MP-250", 403, "forbidden"},
                      CodeRow{MpError::kMp251, "MP-251", 403, "forbidden"},
                      CodeRow{MpError::kMp301, "MP-301", 400, "invalid_request"},
                      CodeRow{MpError::kMp302, "MP-302", 400, "invalid_request"},
                      CodeRow{MpError::kMp303, "MP-303", 400, "invalid_altinn_customer_configuration"},
                      CodeRow{MpError::kUnknownKid, "", 400, "invalid_grant"},
                      CodeRow{MpError::kKidRequired, "", 400, "invalid_grant"},
                      CodeRow{MpError::kIssuedInFuture, "", 400, "invalid_grant"},
                      CodeRow{MpError::kConsumerOrgIsOwn, "", 400, "invalid_request"}));

TEST(MpErrors, TableCoversEveryValueInTheParameterisedRows) {
  EXPECT_EQ(AllMpErrors().size(), 21u);  // a new MpError needs a CodeRow above
}

TEST(MpErrors, CodesAreUniqueAndWellFormed) {
  std::set<std::string_view> codes;
  for (MpError e : AllMpErrors()) {
    std::string_view code = MpErrorInfoFor(e).code;
    if (code.empty()) continue;
    EXPECT_TRUE(std::regex_match(std::string(code), std::regex("MP-[0-9]{3}"))) << code;
    EXPECT_TRUE(codes.insert(code).second) << code;
  }
  EXPECT_EQ(codes.size(), 17u);
}

TEST(MpErrors, TextsAreMaskinportensByteForByte) {
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp011).text, "Invalid assertion. Invalid parameter value");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp012).text, "Grant is used before");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp110).text,
            "Invalid assertion. Client authentication failed. Invalid JWT claim aud.");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp121).text,
            "Invalid assertion. Client authentication failed. Expired key.");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp122).text,
            "Invalid JWT. Invalid organization number for client. Does not match certificate "
            "orgno");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp123).text, "Invalid JWT header x5c");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp130).text, "JWT is expired");
  EXPECT_EQ(MpErrorInfoFor(MpError::kMp200).text,
            "Token request contains invalid scopes for client, ");
  EXPECT_EQ(MpErrorInfoFor(MpError::kUnknownKid).text,
            "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for "
            "client.");
  EXPECT_EQ(MpErrorInfoFor(MpError::kKidRequired).text,
            "Invalid assertion. Client authentication failed. Invalid JWT. The client requires "
            "pre-registered jwk and no key identifier (kid) provided");
  EXPECT_EQ(MpErrorInfoFor(MpError::kIssuedInFuture).text, "Issue time is after now");
  EXPECT_EQ(MpErrorInfoFor(MpError::kConsumerOrgIsOwn).text,
            "Validation of JWT claim failed: The combination consumer_org in claim and "
            "delegation scope on client is invalid");
}

TEST(MpErrorByCode, FindsEveryCodedRow) {
  for (MpError e : AllMpErrors()) {
    std::string_view code = MpErrorInfoFor(e).code;
    if (code.empty()) continue;
    EXPECT_EQ(MpErrorByCode(code), e) << code;
  }
}

TEST(MpErrorByCode, UnknownEmptyOrSloppyCodesAreNotFound) {
  EXPECT_EQ(MpErrorByCode("MP-999"), std::nullopt);
  EXPECT_EQ(MpErrorByCode(""), std::nullopt);
  EXPECT_EQ(MpErrorByCode("mp-110"), std::nullopt);
  EXPECT_EQ(MpErrorByCode("MP-11"), std::nullopt);
}

TEST(MpErrorByText, ObservedDescriptionsMapToTheirRow) {
  // SPEC §6: real responses, with the trace id the description carries.
  EXPECT_EQ(MpErrorByText("Invalid assertion. Client authentication failed. Expired key. "
                          "(trace_id: 356666143081bbec11d293753e9702ca)"),
            MpError::kMp121);
  EXPECT_EQ(MpErrorByText("Token request contains invalid scopes for client, "
                          "altinn:serviceowners/read (trace_id: bd1d0e3bfb1c7a7bd99fd447714a316c)"),
            MpError::kMp200);
}

TEST(MpErrorByText, LongestMatchingTextWins) {
  EXPECT_EQ(MpErrorByText("Invalid assertion. Client authentication failed."), MpError::kMp100);
  EXPECT_EQ(MpErrorByText("Invalid assertion. Client authentication failed. Unknown key "
                          "identifier (kid) for client."),
            MpError::kUnknownKid);
  EXPECT_EQ(MpErrorByText("Consumer has not been granted access to the scope nav:a."),
            MpError::kMp250);
  EXPECT_EQ(MpErrorByText("Consumer 910753614 has not delegated access to the scope nav:a to "
                          "supplier 991825827."),
            MpError::kMp251);
}

TEST(MpErrorByText, UncodedErrorsAreFoundByText) {
  EXPECT_EQ(MpErrorByText("Issue time is after now (trace_id: 0123456789abcdef0123456789abcdef)"),
            MpError::kIssuedInFuture);
  EXPECT_EQ(MpErrorByText(MpErrorInfoFor(MpError::kKidRequired).text), MpError::kKidRequired);
  EXPECT_EQ(MpErrorByText(MpErrorInfoFor(MpError::kConsumerOrgIsOwn).text),
            MpError::kConsumerOrgIsOwn);
}

TEST(MpErrorByText, EveryRowIsFoundByItsOwnText) {
  for (MpError e : AllMpErrors()) {
    EXPECT_EQ(MpErrorByText(MpErrorInfoFor(e).text), e) << static_cast<int>(e);
  }
}

TEST(MpErrorByText, UnknownTextIsNotFound) {
  EXPECT_EQ(MpErrorByText("Something else went wrong"), std::nullopt);
  EXPECT_EQ(MpErrorByText(""), std::nullopt);
}

}  // namespace
}  // namespace mp
