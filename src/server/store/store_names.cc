#include <array>
#include <utility>

#include "server/store/store.h"

namespace mp::server {
namespace {

constexpr std::array<std::pair<ScopeVisibility, std::string_view>, 3> kVisibility = {{
    {ScopeVisibility::kPublic, "PUBLIC"},
    {ScopeVisibility::kPrivate, "PRIVATE"},
    {ScopeVisibility::kInternal, "INTERNAL"},
}};
constexpr std::array<std::pair<AccessState, std::string_view>, 3> kAccessState = {{
    {AccessState::kApproved, "APPROVED"},
    {AccessState::kRequested, "REQUESTED"},
    {AccessState::kDenied, "DENIED"},
}};
constexpr std::array<std::pair<ConsentStatus, std::string_view>, 3> kConsentStatus = {{
    {ConsentStatus::kUnopened, "Unopened"},
    {ConsentStatus::kAccepted, "Accepted"},
    {ConsentStatus::kRejected, "Rejected"},
}};
constexpr std::array<std::pair<ConsentRequestStatus, std::string_view>, 5> kRequestStatus = {{
    {ConsentRequestStatus::kCreated, "created"},
    {ConsentRequestStatus::kAccepted, "accepted"},
    {ConsentRequestStatus::kRejected, "rejected"},
    {ConsentRequestStatus::kRevoked, "revoked"},
    {ConsentRequestStatus::kExpired, "expired"},
}};
constexpr std::array<std::pair<SystemUserRequestStatus, std::string_view>, 4> kSystemUserStatus = {{
    {SystemUserRequestStatus::kNew, "New"},
    {SystemUserRequestStatus::kAccepted, "Accepted"},
    {SystemUserRequestStatus::kRejected, "Rejected"},
    {SystemUserRequestStatus::kDenied, "Denied"},
}};

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum v) {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return table[0].second;  // unreachable: every value has a row
}

template <typename Enum, size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ScopeVisibilityName(ScopeVisibility v) { return NameOf(kVisibility, v); }
std::optional<ScopeVisibility> ParseScopeVisibility(std::string_view name) {
  return ValueOf(kVisibility, name);
}
std::string_view AccessStateName(AccessState s) { return NameOf(kAccessState, s); }
std::optional<AccessState> ParseAccessState(std::string_view name) {
  return ValueOf(kAccessState, name);
}
std::string_view ConsentStatusName(ConsentStatus s) { return NameOf(kConsentStatus, s); }
std::optional<ConsentStatus> ParseConsentStatus(std::string_view name) {
  return ValueOf(kConsentStatus, name);
}

std::string_view ConsentRequestStatusName(ConsentRequestStatus s) {
  return NameOf(kRequestStatus, s);
}
std::optional<ConsentRequestStatus> ParseConsentRequestStatus(std::string_view name) {
  return ValueOf(kRequestStatus, name);
}

std::string_view SystemUserRequestStatusName(SystemUserRequestStatus s) {
  return NameOf(kSystemUserStatus, s);
}
std::optional<SystemUserRequestStatus> ParseSystemUserRequestStatus(std::string_view name) {
  return ValueOf(kSystemUserStatus, name);
}

}  // namespace mp::server
