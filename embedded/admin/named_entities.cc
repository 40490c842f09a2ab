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
