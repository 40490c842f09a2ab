#include <algorithm>
#include <charconv>
#include <limits>

#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

Result<store::Table> EntityTable(fc::ResourceType type) {
  switch (type) {
    case fc::TASK: return store::Table::kTask;
    case fc::WORKFLOW: return store::Table::kWorkflow;
    case fc::LAUNCH_PLAN: return store::Table::kLaunchPlan;
    default:
      return Status::InvalidArgument("resource_type must be TASK, WORKFLOW or LAUNCH_PLAN");
  }
}

store::Columns MetaKey(fc::ResourceType type, const fa::NamedEntityIdentifier& id) {
  return {{"resource_type", static_cast<int64_t>(type)}, {"project", id.project()},
          {"domain", id.domain()}, {"name", id.name()}};
}

Result<fa::NamedEntityMetadata> LoadMetadata(store::MetadataStore& store, fc::ResourceType type,
                                             const fa::NamedEntityIdentifier& id) {
  auto rec = store.Get(store::Table::kNamedEntity, MetaKey(type, id));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) return fa::NamedEntityMetadata();
  if (!rec.ok()) return rec.status();
  return ParseRecord<fa::NamedEntityMetadata>(*rec);
}

// Whether an entity without a metadata row matches `f`: FlyteAdmin reads its state as 0
// (COALESCE) and its description as NULL, which matches nothing.
bool DefaultMetadataMatches(const store::Filter& f) {
  if (f.field != "state") return false;
  std::vector<int64_t> values;
  for (const std::string& v : f.values) {
    int64_t n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return false;
    values.push_back(n);
  }
  const int64_t v = values.empty() ? 0 : values[0];
  const bool in = std::find(values.begin(), values.end(), 0) != values.end();
  switch (f.op) {
    case store::Filter::Op::kEq: return v == 0;
    case store::Filter::Op::kNe: return v != 0;
    case store::Filter::Op::kGt: return 0 > v;
    case store::Filter::Op::kGte: return 0 >= v;
    case store::Filter::Op::kLt: return 0 < v;
    case store::Filter::Op::kLte: return 0 <= v;
    case store::Filter::Op::kValueIn: return in;
    case store::Filter::Op::kValueNotIn: return !in;
    default: return false;
  }
}

// Moves the filters on the entities' metadata (state, description) out of `q` and replaces
// them with a filter on names, as FlyteAdmin's join of the named_entities table answers.
// Sets `*none` when no entity can match.
Status ApplyMetadataFilters(store::MetadataStore& store, fc::ResourceType type,
                            const fa::NamedEntityListRequest& req, store::ListQuery* q,
                            bool* none) {
  store::ListQuery meta;
  meta.where = {{"resource_type", static_cast<int64_t>(type)},
                {"project", req.project()},
                {"domain", req.domain()}};
  meta.limit = std::numeric_limits<int32_t>::max();
  std::vector<store::Filter> kept;
  bool defaults_match = true;
  for (store::Filter& f : q->filters) {
    if (!IsNamedEntityMetadataFilter(f)) {
      kept.push_back(std::move(f));
      continue;
    }
    defaults_match = defaults_match && DefaultMetadataMatches(f);
    meta.filters.push_back(std::move(f));
  }
  q->filters = std::move(kept);
  if (meta.filters.empty()) return Status::Ok();
  std::vector<std::string> matching;
  FB_ASSIGN_OR_RETURN(auto rows, store.Distinct(store::Table::kNamedEntity, {"name"}, meta));
  for (const auto& row : rows) matching.push_back(std::get<std::string>(row.at("name")));
  if (!defaults_match) {
    *none = matching.empty();
    if (!matching.empty()) q->filters.push_back({store::Filter::Op::kValueIn, "name", matching});
    return Status::Ok();
  }
  // Every entity matches but those whose metadata row does not.
  meta.filters.clear();
  FB_ASSIGN_OR_RETURN(auto all, store.Distinct(store::Table::kNamedEntity, {"name"}, meta));
  std::vector<std::string> excluded;
  for (const auto& row : all) {
    const auto& name = std::get<std::string>(row.at("name"));
    if (std::find(matching.begin(), matching.end(), name) == matching.end()) {
      excluded.push_back(name);
    }
  }
  if (!excluded.empty()) q->filters.push_back({store::Filter::Op::kValueNotIn, "name", excluded});
  return Status::Ok();
}

}  // namespace

Result<fa::NamedEntity> Admin::GetNamedEntity(const fa::NamedEntityGetRequest& req) {
  FB_ASSIGN_OR_RETURN(store::Table table, EntityTable(req.resource_type()));
  const auto& id = req.id();
  FB_RETURN_IF_ERROR(CheckProjectDomain(id.project(), id.domain()));
  store::ListQuery q;
  q.where = {{"project", id.project()}, {"domain", id.domain()}, {"name", id.name()}};
  q.limit = 1;
  FB_ASSIGN_OR_RETURN(int64_t count, options_.store->Count(table, q));
  if (count == 0) {
    return Status::NotFound("no entity named " + id.project() + ":" + id.domain() + ":" + id.name());
  }
  fa::NamedEntity out;
  out.set_resource_type(req.resource_type());
  *out.mutable_id() = id;
  FB_ASSIGN_OR_RETURN(*out.mutable_metadata(), LoadMetadata(*options_.store, req.resource_type(), id));
  return out;
}

Result<fa::NamedEntityList> Admin::ListNamedEntities(const fa::NamedEntityListRequest& req) {
  FB_ASSIGN_OR_RETURN(store::Table table, EntityTable(req.resource_type()));
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), req.domain()));
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    ListEntity::kNamedEntity));
  q.where = {{"project", req.project()}, {"domain", req.domain()}};
  // As FlyteAdmin: without filters, the workflows and launch plans generated for single
  // task executions (.flytegen.*) are left out.
  if (req.filters().empty()) {
    q.filters.push_back({store::Filter::Op::kNotLike, "name", {".flytegen%"}});
  }
  bool none = false;
  FB_RETURN_IF_ERROR(ApplyMetadataFilters(*options_.store, req.resource_type(), req, &q, &none));
  if (none) return fa::NamedEntityList();
  FB_ASSIGN_OR_RETURN(auto rows, options_.store->Distinct(table, {"name"}, q));
  fa::NamedEntityList out;
  for (const auto& row : rows) {
    fa::NamedEntity* e = out.add_entities();
    e->set_resource_type(req.resource_type());
    e->mutable_id()->set_project(req.project());
    e->mutable_id()->set_domain(req.domain());
    e->mutable_id()->set_name(std::get<std::string>(row.at("name")));
    FB_ASSIGN_OR_RETURN(*e->mutable_metadata(),
                        LoadMetadata(*options_.store, req.resource_type(), e->id()));
  }
  if (static_cast<int64_t>(rows.size()) == q.limit) out.set_token(std::to_string(q.offset + q.limit));
  return out;
}

Result<fa::NamedEntityUpdateResponse> Admin::UpdateNamedEntity(const fa::NamedEntityUpdateRequest& req) {
  fa::NamedEntityGetRequest get;
  get.set_resource_type(req.resource_type());
  *get.mutable_id() = req.id();
  FB_RETURN_IF_ERROR(GetNamedEntity(get).status());
  store::Record rec;
  rec.columns = MetaKey(req.resource_type(), req.id());
  rec.columns["state"] = static_cast<int64_t>(req.metadata().state());
  rec.columns["description"] = req.metadata().description();
  rec.data = Deterministic(req.metadata());
  FB_RETURN_IF_ERROR(options_.store->Put(store::Table::kNamedEntity, rec));
  return fa::NamedEntityUpdateResponse();
}

}  // namespace flytebox::admin
