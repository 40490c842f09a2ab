#pragma once

// Internal to the store: MetadataStore on top of any SqlDriver. All semantics (validation,
// timestamps, pagination, transactions) live here, so both backends behave the same.

#include <memory>

#include "embedded/store/metadata_store.h"
#include "embedded/store/sql_driver.h"

namespace flytebox {
class Clock;
}  // namespace flytebox

namespace flytebox::store::internal {

// Takes a connected driver whose schema is already migrated. `clock` must outlive the
// store; null means Clock::Real().
std::unique_ptr<MetadataStore> NewSqlStore(std::unique_ptr<SqlDriver> driver, Clock* clock);

}  // namespace flytebox::store::internal
