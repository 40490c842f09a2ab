#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"
#include "embedded/compiler/types.h"

namespace flytebox::admin {
namespace {

store::Columns SignalKey(const fc::SignalIdentifier& id) {
  const auto& e = id.execution_id();
  return {{"project", e.project()}, {"domain", e.domain()}, {"execution", e.name()},
          {"signal_id", id.signal_id()}};
}

Status RequireSignalId(const fc::SignalIdentifier& id) {
  const auto& e = id.execution_id();
  if (id.signal_id().empty() || e.project().empty() || e.domain().empty() || e.name().empty()) {
    return Status::InvalidArgument("signal id needs signal_id and a full execution id");
  }
  return Status::Ok();
}

}  // namespace

Result<fa::Signal> Admin::GetOrCreateSignal(const fa::SignalGetOrCreateRequest& req) {
  FB_RETURN_IF_ERROR(RequireSignalId(req.id()));
  fa::Signal signal;
  *signal.mutable_id() = req.id();
  *signal.mutable_type() = req.type();
  store::Record rec;
  rec.columns = SignalKey(req.id());
  rec.data = Deterministic(signal);
  store::Record existing;
  Status st = options_.store->Create(store::Table::kSignal, rec, &existing);
  if (st.code() == Code::kAlreadyExists) return ParseRecord<fa::Signal>(existing);
  FB_RETURN_IF_ERROR(st);
  return signal;
}

Result<fa::SignalList> Admin::ListSignals(const fa::SignalListRequest& req) {
  const auto& e = req.workflow_execution_id();
  if (e.project().empty() || e.domain().empty() || e.name().empty()) {
    return Status::InvalidArgument("workflow_execution_id needs project, domain and name");
  }
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    ListEntity::kSignal));
  q.where = {{"project", e.project()}, {"domain", e.domain()}, {"execution", e.name()}};
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kSignal, q));
  fa::SignalList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_signals(), ParseRecord<fa::Signal>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::SignalSetResponse> Admin::SetSignal(const fa::SignalSetRequest& req) {
  FB_RETURN_IF_ERROR(RequireSignalId(req.id()));
  auto rec = options_.store->Get(store::Table::kSignal, SignalKey(req.id()));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound("no signal '" + req.id().signal_id() + "' is awaited by execution " +
                            req.id().execution_id().name());
  }
  if (!rec.ok()) return rec.status();
  FB_ASSIGN_OR_RETURN(fa::Signal signal, ParseRecord<fa::Signal>(*rec));
  if (signal.has_value()) {
    return Status::AlreadyExists("signal '" + req.id().signal_id() + "' is already set");
  }
  FB_RETURN_IF_ERROR(compiler::CheckLiteral(req.value(), signal.type(),
                                            "signal '" + req.id().signal_id() + "'"));
  *signal.mutable_value() = req.value();
  rec->data = Deterministic(signal);
  rec->updated_at = 0;
  FB_RETURN_IF_ERROR(options_.store->Update(store::Table::kSignal, *rec));
  return fa::SignalSetResponse();
}

}  // namespace flytebox::admin
