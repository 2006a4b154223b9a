// Version and status codes: ak_version, ak_version_number, ak_strerror.
#include <climits>
#include <cstring>
#include <set>

#include "capi_test_util.hpp"

namespace {

TEST(Version, LoadedLibraryReportsTheVersionOfTheHeaderItWasBuiltWith) {
  ASSERT_NE(ak_version(), nullptr);
  EXPECT_STREQ(ak_version(), AK_VERSION_STRING);
  EXPECT_EQ(ak_version_number(), static_cast<unsigned>(AK_VERSION_NUMBER));
  EXPECT_EQ(AK_VERSION_NUMBER,
            AK_VERSION_MAJOR * 10000 + AK_VERSION_MINOR * 100 + AK_VERSION_PATCH);
}

TEST(Status, CodesHaveTheirFixedNumbers) {
  EXPECT_EQ(AK_OK, 0);
  EXPECT_EQ(AK_EINVAL, -1);
  EXPECT_EQ(AK_ENOMEM, -2);
  EXPECT_EQ(AK_ETIMEDOUT, -3);
  EXPECT_EQ(AK_ECANCELED, -4);
  EXPECT_EQ(AK_ESHUTDOWN, -5);
  EXPECT_EQ(AK_ESTATE, -6);
  EXPECT_EQ(AK_EPENDING, -7);
  EXPECT_EQ(AK_EWORK, -8);
  EXPECT_EQ(AK_EINTERNAL, -9);
}

TEST(Status, StrerrorGivesTheLibraryTextForEveryLibraryCode) {
#define AKT_CHECK_TEXT_(name, code, text) EXPECT_STREQ(ak_strerror(code), text) << #name;
  AK_STATUS_MAP(AKT_CHECK_TEXT_)
#undef AKT_CHECK_TEXT_
}

TEST(Status, StrerrorTextsAreDistinct) {
  std::set<std::string> texts;
  int n = 0;
#define AKT_COLLECT_(name, code, text) texts.insert(ak_strerror(code)), ++n;
  AK_STATUS_MAP(AKT_COLLECT_)
#undef AKT_COLLECT_
  EXPECT_EQ(texts.size(), static_cast<size_t>(n));
}

TEST(Status, StrerrorCallsPositiveCodesWorkDefined) {
  EXPECT_STREQ(ak_strerror(1), "work-defined error");
  EXPECT_STREQ(ak_strerror(42), "work-defined error");
  EXPECT_STREQ(ak_strerror(INT_MAX), "work-defined error");
}

TEST(Status, StrerrorCallsUnassignedNegativeCodesUnknown) {
  EXPECT_STREQ(ak_strerror(AK_STATUS_LAST_ - 1), "unknown error");
  EXPECT_STREQ(ak_strerror(-1000), "unknown error");
  EXPECT_STREQ(ak_strerror(INT_MIN), "unknown error");
}

}  // namespace
