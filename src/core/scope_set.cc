#include "core/scope_set.h"

#include <algorithm>
#include <numeric>

namespace mp {
namespace {

// Appends the non-empty ' '-separated items of `text` to `out`.
void SplitOnSpaces(std::string_view text, std::vector<std::string_view>& out) {
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view item = text.substr(0, space);
    if (!item.empty()) out.push_back(item);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
}

}  // namespace

bool IsScopeToken(std::string_view token) {
  if (token.empty()) return false;
  for (char ch : token) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

ScopeSet ScopeSet::FromItems(const std::vector<std::string_view>& items) {
  std::vector<uint32_t> order(items.size());
  std::iota(order.begin(), order.end(), 0U);
  // Stable: among equal items the first-seen one comes first and is the one kept.
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return items[a] < items[b]; });
  std::vector<bool> keep(items.size(), false);
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || items[order[k]] != items[order[k - 1]]) keep[order[k]] = true;
  }
  ScopeSet set;
  std::vector<uint32_t> position(items.size());  // an item's index in set.scopes_, if kept
  for (size_t i = 0; i < items.size(); ++i) {
    if (!keep[i]) continue;
    position[i] = static_cast<uint32_t>(set.scopes_.size());
    set.scopes_.emplace_back(items[i]);
  }
  set.sorted_.reserve(set.scopes_.size());
  for (uint32_t i : order) {
    if (keep[i]) set.sorted_.push_back(position[i]);
  }
  return set;
}

ScopeSet ScopeSet::Parse(std::string_view text) {
  std::vector<std::string_view> items;
  SplitOnSpaces(text, items);
  return FromItems(items);
}

ScopeSet ScopeSet::FromEntries(const std::vector<std::string>& entries) {
  std::vector<std::string_view> items;
  for (const std::string& entry : entries) SplitOnSpaces(entry, items);
  return FromItems(items);
}

std::vector<std::string_view> ScopeSet::SortedView(const std::vector<std::string>& entries) {
  std::vector<std::string_view> items;
  for (const std::string& entry : entries) SplitOnSpaces(entry, items);
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

std::vector<uint32_t>::const_iterator ScopeSet::LowerBound(std::string_view scope) const {
  return std::lower_bound(sorted_.begin(), sorted_.end(), scope,
                          [this](uint32_t i, std::string_view s) { return scopes_[i] < s; });
}

bool ScopeSet::Insert(std::string_view scope) {
  if (scope.empty()) return false;
  auto at = LowerBound(scope);
  if (at != sorted_.end() && scopes_[*at] == scope) return false;
  sorted_.insert(at, static_cast<uint32_t>(scopes_.size()));
  scopes_.emplace_back(scope);
  return true;
}

bool ScopeSet::Contains(std::string_view scope) const {
  auto at = LowerBound(scope);
  return at != sorted_.end() && scopes_[*at] == scope;
}

bool ScopeSet::ContainsAll(const ScopeSet& other) const {
  return std::all_of(other.scopes_.begin(), other.scopes_.end(),
                     [this](const std::string& s) { return Contains(s); });
}

std::vector<std::string_view> ScopeSet::Sorted() const {
  std::vector<std::string_view> out;
  out.reserve(sorted_.size());
  for (uint32_t i : sorted_) out.emplace_back(scopes_[i]);
  return out;
}

std::string ScopeSet::Join() const {
  std::string out;
  for (const std::string& s : scopes_) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool operator==(const ScopeSet& a, const ScopeSet& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.sorted_.size(); ++k) {
    if (a.scopes_[a.sorted_[k]] != b.scopes_[b.sorted_[k]]) return false;
  }
  return true;
}

}  // namespace mp
