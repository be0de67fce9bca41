// ScopeSet: the scopes of a request, a grant or a token, with RFC 6749 §3.3's set semantics.
//
// A scope value is scope-tokens separated by single spaces; the order carries no meaning and a
// repeated token is the same scope. ScopeSet splits once, drops empty items and duplicates, keeps
// the first-seen order for writing (a token's scope claim reads as it was asked for) and compares
// and looks up as a set (sorted index, so a hostile value with thousands of tokens costs
// n log n, not n^2):
//
//   mp::ScopeSet have = mp::ScopeSet::Parse(claim);            // "b a b" -> {b, a}
//   if (!have.Contains("nav:aap")) ...
//   std::string scope = mp::ScopeSet::FromEntries(flags).Join();  // {"a b", "c"} -> "a b c"
#ifndef MASKINPORTEN_CORE_SCOPE_SET_H_
#define MASKINPORTEN_CORE_SCOPE_SET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/core_export.h"

namespace mp {

// RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ). No whitespace, no control
// characters, no '"' or '\', ASCII only.
MP_CORE_EXPORT bool IsScopeToken(std::string_view token);

class MP_CORE_EXPORT ScopeSet {
 public:
  ScopeSet() = default;

  // The items of `text` split on ' ' (only: "a\tb" is one, unusable, scope; IsScopeToken tells),
  // empty items skipped, duplicates dropped.
  static ScopeSet Parse(std::string_view text);
  // Every entry parsed as above, in order: {"a b", " c", "a"} is {a, b, c}.
  static ScopeSet FromEntries(const std::vector<std::string>& entries);

  // The set FromEntries(entries) would make, in byte order, as views into `entries`, without
  // building the set: the canonical spelling for a cache key on a hot path.
  static std::vector<std::string_view> SortedView(const std::vector<std::string>& entries);

  // Adds `scope` (one token, not split) unless it is empty or already present; true if added.
  bool Insert(std::string_view scope);

  bool Contains(std::string_view scope) const;
  // Every scope of `other` is in this set.
  bool ContainsAll(const ScopeSet& other) const;
  bool empty() const { return scopes_.empty(); }
  size_t size() const { return scopes_.size(); }

  // The scopes in first-seen order (moved out of an rvalue set).
  const std::vector<std::string>& scopes() const& { return scopes_; }
  std::vector<std::string> scopes() && { return std::move(scopes_); }
  std::vector<std::string>::const_iterator begin() const { return scopes_.begin(); }
  std::vector<std::string>::const_iterator end() const { return scopes_.end(); }
  // The scopes in byte order: the canonical spelling (equal sets give equal lists). Views into
  // this set.
  std::vector<std::string_view> Sorted() const;

  // Space-separated in first-seen order: a scope parameter or claim. "" for the empty set.
  std::string Join() const;

  // Set equality: order does not matter.
  friend MP_CORE_EXPORT bool operator==(const ScopeSet& a, const ScopeSet& b);

 private:
  // The set of `items` (all non-empty), the first of equal ones kept, in one sort.
  static ScopeSet FromItems(const std::vector<std::string_view>& items);
  // Position in sorted_ where `scope` is or would go.
  std::vector<uint32_t>::const_iterator LowerBound(std::string_view scope) const;

  std::vector<std::string> scopes_;  // first-seen order
  std::vector<uint32_t> sorted_;     // indices into scopes_, in byte order of the scopes
};

}  // namespace mp

#endif  // MASKINPORTEN_CORE_SCOPE_SET_H_
