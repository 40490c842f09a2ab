#include "cli/native_postgres.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "cli/native_runtime.h"

namespace flytebox::cli {

std::string EngineRoleSql(const std::string& password) {
  std::string quoted = "'";
  for (char c : password) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  quoted += "'";
  const std::string role = kEngineDbRole;
  return "DO $$ BEGIN\n"
         "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN\n"
         "    CREATE ROLE " + role + ";\n"
         "  END IF;\n"
         "END $$;\n\n"
         "ALTER ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
         "NOBYPASSRLS PASSWORD " + quoted + ";\n\n"
         "ALTER DATABASE postgres OWNER TO " + role + ";\n\n"
         "ALTER SCHEMA public OWNER TO " + role + ";\n\n"
         // Sequences owned by a column move with their table, and cannot move alone.
         "DO $$ DECLARE r record; BEGIN\n"
         "  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c\n"
         "           JOIN pg_namespace n ON n.oid = c.relnamespace\n"
         "           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')\n"
         "             AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '" + role + "')\n"
         "             AND NOT EXISTS (SELECT FROM pg_depend d\n"
         "                             WHERE d.classid = 'pg_class'::regclass\n"
         "                             AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP\n"
         "    EXECUTE format('ALTER TABLE %s OWNER TO " + role + "', r.rel);\n"
         "  END LOOP;\n"
         "END $$;\n\n";
}

std::string PgHbaConf(const std::string& superuser) {
  return "# Written by flytebox demo start at every start.\n"
         "host all " + superuser + " all reject\n"
         "host all all 127.0.0.1/32 scram-sha-256\n"
         "host all all ::1/128 scram-sha-256\n";
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
