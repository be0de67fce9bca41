// Synthetic records of the example API: what NAV's SSU API (SPEC §11) would return for a person
// (AAP vedtak and meldekort, uføretrygd), made up deterministically from the person's hash so the
// same person always gets the same records and no real data is ever involved.
//
//   nlohmann::ordered_json records = mp::example_api::SyntheticRecords(mp::HashPersonId(fnr));
#ifndef MASKINPORTEN_EXAMPLE_API_RECORDS_H_
#define MASKINPORTEN_EXAMPLE_API_RECORDS_H_

#include <string_view>

#include <nlohmann/json.hpp>

namespace mp::example_api {

// An array of records, each an object with "type" ("aap_vedtak", "aap_meldekort" or
// "uforetrygd"), "synthetic": true, and the type's fields (periods as "YYYY-MM-DD", amounts in
// NOK). `person_hash` is HashPersonId's output (any string works; only its bytes are used).
nlohmann::ordered_json SyntheticRecords(std::string_view person_hash);

}  // namespace mp::example_api

#endif  // MASKINPORTEN_EXAMPLE_API_RECORDS_H_
