#pragma once

#include <string>

namespace flytebox::cli {

// The Postgres role the engine connects as: it owns the engine's database (`postgres`) and
// the tables in it, and may do nothing else (no superuser, no new databases or roles). The
// superuser initdb made (Credentials::db_user) takes no TCP connection at all.
inline constexpr char kEngineDbRole[] = "flytebox_engine";

// Statements for `postgres --single -j` that create or update the engine's role with
// `password` and hand it the database, its schema and every table, view and sequence in it.
// Idempotent: run at every start, so a cluster made before the role existed is moved over.
std::string EngineRoleSql(const std::string& password);

// pg_hba.conf: the superuser refused over TCP, every other role with its password from
// loopback only.
std::string PgHbaConf(const std::string& superuser);

}  // namespace flytebox::cli
