#include "cli/native_postgres.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "cli/native_runtime.h"

namespace flytebox::cli {

namespace {

// Sequences owned by a column move with their table, and cannot move alone.
constexpr char kEngineRoleSql[] = R"(DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '@ROLE@') THEN CREATE ROLE @ROLE@; END IF;
END $$;

ALTER ROLE @ROLE@ LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD @PASSWORD@;

ALTER DATABASE postgres OWNER TO @ROLE@;

ALTER SCHEMA public OWNER TO @ROLE@;

DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '@ROLE@')
             AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO @ROLE@', r.rel);
  END LOOP;
END $$;

)";

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::string EngineRoleSql(const std::string& password) {
  std::string quoted = "'" + ReplaceAll(password, "'", "''") + "'";
  // The password last, so that nothing in it is taken for a placeholder.
  std::string sql = ReplaceAll(kEngineRoleSql, "@ROLE@", kEngineDbRole);
  return ReplaceAll(sql, "@PASSWORD@", quoted);
}

std::string PgHbaConf(const std::string& superuser) {
  const std::string hba = R"(# Written by flytebox demo start at every start.
host all @SUPERUSER@ all reject
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
)";
  return ReplaceAll(hba, "@SUPERUSER@", superuser);
}

Status NativeRuntime::PreparePostgres(const Programs& programs, const Credentials& credentials) {
  namespace fs = std::filesystem;
  const std::string dir = paths_.PostgresDir();
  const auto& run_as = programs.postgres_run_as;
  std::string hba = dir + "/data/pg_hba.conf";
  std::string sql = dir + "/engine-role.sql";  // holds the password: 0600, removed after
  FB_RETURN_IF_ERROR(WriteFileAtomic(hba, PgHbaConf(credentials.db_user), 0600));
  FB_RETURN_IF_ERROR(WriteFileAtomic(sql, EngineRoleSql(credentials.db_password), 0600));
  if (!run_as.empty()) {
    const passwd* pg = getpwnam("postgres");
    if (pg == nullptr || chown(hba.c_str(), pg->pw_uid, pg->pw_gid) != 0 ||
        chown(sql.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      unlink(sql.c_str());
      return Status::Unavailable("cannot hand " + dir + " to the postgres user");
    }
  }
  // Single-user mode: no server runs yet, and no password or socket is needed.
  std::vector<std::string> argv = run_as;
  argv.insert(argv.end(), {"/bin/sh", "-c", "exec \"$0\" --single -j -D \"$1\" postgres < \"$2\"",
                           programs.postgres, dir + "/data", sql});
  auto result = ctx_.env.launcher->Capture(argv, std::chrono::seconds(120), 1 << 20);
  unlink(sql.c_str());
  if (!result.ok()) return result.status();
  if (!result->status.success() || result->err.find("ERROR:") != std::string::npos ||
      result->err.find("FATAL:") != std::string::npos) {
    return Status::Unavailable("cannot set up the engine's Postgres role (" +
                               result->status.ToString() + "):\n" + result->err);
  }
  return Status::Ok();
}

}  // namespace flytebox::cli
