#include "core/scope_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(IsScopeToken, FollowsRfc6749Section33) {
  EXPECT_TRUE(IsScopeToken("nav:aap/afpprivat.read"));
  EXPECT_TRUE(IsScopeToken("!#[]~"));
  EXPECT_FALSE(IsScopeToken(""));
  EXPECT_FALSE(IsScopeToken("a b"));
  EXPECT_FALSE(IsScopeToken("a\tb"));
  EXPECT_FALSE(IsScopeToken("a\"b"));
  EXPECT_FALSE(IsScopeToken("a\\b"));
  EXPECT_FALSE(IsScopeToken("a\x7f"));
  EXPECT_FALSE(IsScopeToken("\xc3\xa5"));
}

TEST(ScopeSet, ParseSplitsOnSpacesDropsEmptyItemsAndDuplicatesKeepingFirstSeenOrder) {
  ScopeSet s = ScopeSet::Parse("  b a  b c a ");
  EXPECT_THAT(s.scopes(), ElementsAre("b", "a", "c"));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.Join(), "b a c");
}

TEST(ScopeSet, SplitsOnSpaceOnly) {
  // RFC 6749 §3.3 separates with SP: a tab is part of a (bad) token, not a separator.
  EXPECT_THAT(ScopeSet::Parse("a\tb c").scopes(), ElementsAre("a\tb", "c"));
}

TEST(ScopeSet, NothingGivesTheEmptySet) {
  EXPECT_TRUE(ScopeSet().empty());
  EXPECT_TRUE(ScopeSet::Parse("").empty());
  EXPECT_TRUE(ScopeSet::Parse("   ").empty());
  EXPECT_TRUE(ScopeSet::FromEntries({"", " "}).empty());
  EXPECT_EQ(ScopeSet::Parse(" ").Join(), "");
  EXPECT_THAT(ScopeSet().Sorted(), IsEmpty());
}

TEST(ScopeSet, FromEntriesSplitsEveryEntryInOrder) {
  ScopeSet s = ScopeSet::FromEntries({"  a  b ", "b c", "", "a"});
  EXPECT_THAT(s.scopes(), ElementsAre("a", "b", "c"));
}

TEST(ScopeSet, ContainsIsExactMembership) {
  ScopeSet s = ScopeSet::Parse("nav:a nav:b");
  EXPECT_TRUE(s.Contains("nav:a"));
  EXPECT_TRUE(s.Contains("nav:b"));
  EXPECT_FALSE(s.Contains("nav:"));
  EXPECT_FALSE(s.Contains("nav:a "));
  EXPECT_FALSE(s.Contains("NAV:A"));
  EXPECT_FALSE(s.Contains(""));
}

TEST(ScopeSet, ComparesAsASet) {
  EXPECT_EQ(ScopeSet::Parse("a b c"), ScopeSet::Parse("c a b b"));
  EXPECT_EQ(ScopeSet(), ScopeSet::Parse(" "));
  EXPECT_FALSE(ScopeSet::Parse("a b") == ScopeSet::Parse("a c"));
  EXPECT_FALSE(ScopeSet::Parse("a b") == ScopeSet::Parse("a"));
  EXPECT_TRUE(ScopeSet::Parse("a b c").ContainsAll(ScopeSet::Parse("c a")));
  EXPECT_TRUE(ScopeSet::Parse("a").ContainsAll(ScopeSet()));
  EXPECT_FALSE(ScopeSet::Parse("a b").ContainsAll(ScopeSet::Parse("a d")));
}

TEST(ScopeSet, SortedIsTheCanonicalSpelling) {
  EXPECT_THAT(ScopeSet::Parse("c a b a").Sorted(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(ScopeSet::Parse("c b a").Sorted(), ScopeSet::Parse("a c b").Sorted());
}

TEST(ScopeSet, SortedViewIsSortedOfFromEntriesWithoutCopies) {
  const std::vector<std::string> entries = {"  c a ", "b a", "", "c"};
  std::vector<std::string_view> view = ScopeSet::SortedView(entries);
  EXPECT_THAT(view, ElementsAre("a", "b", "c"));
  EXPECT_EQ(view, ScopeSet::FromEntries(entries).Sorted());
  // Views into the entries themselves.
  EXPECT_EQ(view[1].data(), entries[1].data());
  EXPECT_THAT(ScopeSet::SortedView({}), IsEmpty());
}

TEST(ScopeSet, InsertAddsOneTokenOnce) {
  ScopeSet s;
  EXPECT_TRUE(s.Insert("b"));
  EXPECT_TRUE(s.Insert("a"));
  EXPECT_FALSE(s.Insert("b"));
  EXPECT_FALSE(s.Insert(""));
  EXPECT_TRUE(s.Insert("a c"));  // one token, not split
  EXPECT_THAT(s.scopes(), ElementsAre("b", "a", "a c"));
  EXPECT_TRUE(s.Contains("a c"));
  EXPECT_THAT(s.Sorted(), ElementsAre("a", "a c", "b"));
}

TEST(ScopeSet, ACopyIsIndependent) {
  ScopeSet a = ScopeSet::Parse("x y");
  ScopeSet b = a;
  b.Insert("z");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_TRUE(b.Contains("z"));
  EXPECT_FALSE(a.Contains("z"));
}

TEST(ScopeSet, AHostileValueWithManyTokensIsLinearithmic) {
  // 100 000 tokens, half of them repeats: a pairwise dedupe would make 5e9 comparisons.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "scope:" + std::to_string(i % 50000) + " ";
  ScopeSet s = ScopeSet::Parse(text);
  EXPECT_EQ(s.size(), 50000u);
  EXPECT_EQ(s.scopes().front(), "scope:0");
  EXPECT_EQ(s.scopes().back(), "scope:49999");
  EXPECT_TRUE(s.Contains("scope:31337"));
  EXPECT_FALSE(s.Contains("scope:50000"));
}

}  // namespace
}  // namespace mp
