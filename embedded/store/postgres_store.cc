// The Postgres backend: one libpq connection with a cache of prepared statements, binary
// parameters and results; the generic SqlStore supplies locking and semantics.
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>

#include "embedded/store/metadata_store.h"
#include "embedded/store/sql_driver.h"
#include "embedded/store/sql_store.h"

namespace flytebox::store {
namespace {

using internal::Blob;
using internal::Dialect;
using internal::SqlParam;
using internal::SqlRow;

// Type OIDs (catalog/pg_type.h, a server header).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

constexpr size_t kMaxCachedStatements = 256;

// Owns a PGresult.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Redact(std::string message, const std::string& password) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (password.empty()) return message;
  for (size_t at = message.find(password); at != std::string::npos;
       at = message.find(password, at)) {
    message.replace(at, password.size(), "***");
  }
  return message;
}

Status FromSqlState(const char* state, std::string msg) {
  const std::string s = state ? state : "";
  if (s == "23505") return Status::AlreadyExists(std::move(msg));
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03") {
    return Status::Unavailable(std::move(msg));
  }
  if (s == "40001" || s == "40P01") return Status::Aborted(std::move(msg));
  if (s.starts_with("53")) return Status::ResourceExhausted(std::move(msg));
  if (s.starts_with("22") || s.starts_with("23")) return Status::InvalidArgument(std::move(msg));
  if (s == "42501") return Status::PermissionDenied(std::move(msg));
  return Status::Internal(std::move(msg));
}

int64_t ReadBigEndian(const char* p, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (size < 8 && size > 0 && (v >> (size * 8 - 1)) != 0) v |= ~uint64_t{0} << (size * 8);  // sign
  return static_cast<int64_t>(v);
}

std::string WriteBigEndian(int64_t value) {
  std::string out(8, '\0');
  auto v = static_cast<uint64_t>(value);
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

// Parameters in libpq's binary form. Points into `params`, which must outlive it.
struct BoundParams {
  explicit BoundParams(const std::vector<SqlParam>& params) {
    ints.reserve(params.size());  // no reallocation: values point into it
    for (const SqlParam& p : params) {
      const std::string* bytes = nullptr;
      if (const auto* i = std::get_if<int64_t>(&p)) {
        ints.push_back(WriteBigEndian(*i));
        bytes = &ints.back();
        types.push_back(kInt8Oid);
      } else if (const auto* text = std::get_if<std::string>(&p)) {
        bytes = text;
        types.push_back(kTextOid);
      } else {
        bytes = &std::get<Blob>(p).bytes;
        types.push_back(kByteaOid);
      }
      values.push_back(bytes->data());
      lengths.push_back(static_cast<int>(bytes->size()));
      formats.push_back(1);
    }
  }
  // "20,25,17": the statement cache key includes the types it was prepared with.
  std::string Signature() const {
    std::string s;
    for (Oid t : types) s += std::to_string(t) + ",";
    return s;
  }

  std::vector<std::string> ints;
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

SqlRow ReadRow(const PGresult* res, int row) {
  SqlRow out;
  for (int c = 0; c < PQnfields(res); ++c) {
    if (PQgetisnull(res, row, c)) {
      out.emplace_back(std::monostate());
      continue;
    }
    const char* bytes = PQgetvalue(res, row, c);
    const int size = PQgetlength(res, row, c);
    const Oid type = PQftype(res, c);
    if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid || type == kBoolOid) {
      out.emplace_back(ReadBigEndian(bytes, size));
    } else {
      out.emplace_back(std::string(bytes, static_cast<size_t>(size)));
    }
  }
  return out;
}

class PostgresDriver final : public internal::SqlDriver {
 public:
  PostgresDriver(PGconn* conn, std::string password)
      : conn_(conn), password_(std::move(password)) {}
  ~PostgresDriver() override { PQfinish(conn_); }
  PostgresDriver(const PostgresDriver&) = delete;
  PostgresDriver& operator=(const PostgresDriver&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }

  // Session settings, on connecting and after reconnecting.
  Status Configure() {
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    return ExecRaw("SET client_min_messages TO warning; SET standard_conforming_strings TO on");
  }

  Result<std::vector<SqlRow>> Query(const std::string& sql,
                                    const std::vector<SqlParam>& params) override {
    FB_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    std::vector<SqlRow> rows;
    for (int r = 0; r < PQntuples(res.get()); ++r) rows.push_back(ReadRow(res.get(), r));
    return rows;
  }

  Result<int64_t> Exec(const std::string& sql, const std::vector<SqlParam>& params) override {
    FB_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const std::string_view tuples = PQcmdTuples(res.get());  // "" for other commands
    int64_t changed = 0;
    std::from_chars(tuples.data(), tuples.data() + tuples.size(), changed);
    return changed;
  }

  Status ExecRaw(const std::string& sql) override {
    FB_RETURN_IF_ERROR(EnsureConnected(sql == "ROLLBACK"));
    PgResult res(PQexec(conn_, sql.c_str()));
    FB_RETURN_IF_ERROR(Check(res.get(), "Postgres statement failed"));
    // COMMIT of a transaction in which a statement failed "succeeds" as a ROLLBACK.
    if (sql == "COMMIT" && std::string_view(PQcmdStatus(res.get())) == "ROLLBACK") {
      return Status::Aborted("the transaction was rolled back: a statement in it had failed");
    }
    return Status::Ok();
  }

 private:
  Result<PgResult> Run(const std::string& sql, const std::vector<SqlParam>& params) {
    FB_RETURN_IF_ERROR(EnsureConnected(false));
    const BoundParams bound(params);
    FB_ASSIGN_OR_RETURN(const std::string name, Prepare(sql, bound));
    PgResult res(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                bound.values.data(), bound.lengths.data(), bound.formats.data(),
                                /*resultFormat=*/1));
    FB_RETURN_IF_ERROR(Check(res.get(), "Postgres statement failed"));
    return res;
  }

  Result<std::string> Prepare(const std::string& sql, const BoundParams& bound) {
    std::string key = bound.Signature() + "|" + sql;
    if (auto it = prepared_.find(key); it != prepared_.end()) return it->second;
    if (prepared_.size() >= kMaxCachedStatements) {
      PQclear(PQexec(conn_, "DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string name = "fb_" + std::to_string(next_statement_++);
    PgResult res(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(bound.types.size()),
                           bound.types.data()));
    FB_RETURN_IF_ERROR(Check(res.get(), "preparing a Postgres statement"));
    prepared_.emplace(std::move(key), name);
    return name;
  }

  // Ok for a command or query result; otherwise the error, mapped from its SQLSTATE.
  Status Check(const PGresult* res, std::string_view context) {
    if (PQstatus(conn_) == CONNECTION_OK) {
      in_transaction_ = PQtransactionStatus(conn_) != PQTRANS_IDLE;
    }
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    const char* message = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    if (message == nullptr || message[0] == '\0') message = PQerrorMessage(conn_);
    std::string msg = std::string(context) + ": " + Redact(message, password_);
    if (PQstatus(conn_) != CONNECTION_OK) return Status::Unavailable(std::move(msg));
    return FromSqlState(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr, std::move(msg));
  }

  // Reconnects a dropped connection, except inside a transaction: the server has rolled
  // that back, so everything fails until the caller's ROLLBACK (`rolling_back`).
  Status EnsureConnected(bool rolling_back) {
    if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    if (in_transaction_ && !rolling_back) {
      return Status::Unavailable("lost the Postgres connection inside a transaction");
    }
    in_transaction_ = false;
    prepared_.clear();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status::Unavailable("reconnecting to Postgres: " +
                                 Redact(PQerrorMessage(conn_), password_));
    }
    return Configure();
  }

  PGconn* const conn_;
  const std::string password_;                             // only to keep it out of messages
  std::unordered_map<std::string, std::string> prepared_;  // signature|sql -> name
  int64_t next_statement_ = 0;
  bool in_transaction_ = false;
};

// The password in `conninfo`, if any; false when libpq cannot parse it.
bool PasswordOf(const std::string& conninfo, std::string* password) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);  // may quote the connection string: never shown
  if (options == nullptr) return false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) *password = o->val;
  }
  PQconninfoFree(options);
  return true;
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenPostgres(const PostgresOptions& options) {
  std::string password;
  if (!PasswordOf(options.conninfo, &password)) {
    return Status::InvalidArgument(
        "the Postgres connection string is malformed (details withheld: it may hold a password)");
  }
  PGconn* conn = PQconnectdb(options.conninfo.c_str());
  if (conn == nullptr) return Status::ResourceExhausted("libpq could not allocate a connection");
  auto driver = std::make_unique<PostgresDriver>(conn, password);  // owns conn from here
  if (PQstatus(conn) != CONNECTION_OK) {
    return Status::Unavailable("connecting to Postgres: " + Redact(PQerrorMessage(conn), password));
  }
  Status status = driver->Configure();
  if (status.ok()) status = internal::Migrate(*driver);
  if (!status.ok()) return status.WithContext("opening the Postgres metadata store");
  return internal::NewSqlStore(std::move(driver), options.clock);
}

}  // namespace flytebox::store
