#include "embedded/admin/entities.h"

#include "embedded/admin/util.h"

namespace flytebox::admin {

Status CreateVersioned(store::MetadataStore& store, store::Table table,
                       const flyteidl::core::Identifier& id, const store::Record& record,
                       const std::string& what,
                       const std::function<Result<bool>(const store::Record&)>& same) {
  store::Record existing;
  Status st = store.Create(table, record, &existing);
  if (st.code() != Code::kAlreadyExists) return st;
  FB_ASSIGN_OR_RETURN(bool identical, same(existing));
  if (identical) {
    return Status::AlreadyExists(what + " " + IdString(id) + " already exists");
  }
  return Status::InvalidArgument(what + " " + IdString(id) +
                                 " already exists with a different definition: register "
                                 "the change under a new version");
}

Result<store::Record> GetVersioned(store::MetadataStore& store, store::Table table,
                                   const flyteidl::core::Identifier& id, const std::string& what) {
  FB_RETURN_IF_ERROR(RequireFullId(id, what + " id"));
  auto rec = store.Get(table, IdKey(id));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound(what + " " + IdString(id) + " does not exist");
  }
  return rec;
}

Result<store::ListResult> ListVersioned(store::MetadataStore& store, store::Table table,
                                        const flyteidl::admin::ResourceListRequest& req) {
  if (req.id().project().empty() || req.id().domain().empty()) {
    return Status::InvalidArgument("id.project and id.domain are required");
  }
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    EntityOf(table)));
  q.where = {{"project", req.id().project()}, {"domain", req.id().domain()}};
  if (!req.id().name().empty()) q.where["name"] = req.id().name();
  return store.List(table, q);
}

Result<flyteidl::admin::NamedEntityIdentifierList> ListIds(
    store::MetadataStore& store, store::Table table,
    const flyteidl::admin::NamedEntityIdentifierListRequest& req) {
  if (req.project().empty() || req.domain().empty()) {
    return Status::InvalidArgument("project and domain are required");
  }
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    EntityOf(table)));
  q.where = {{"project", req.project()}, {"domain", req.domain()}};
  FB_ASSIGN_OR_RETURN(auto rows, store.Distinct(table, {"project", "domain", "name"}, q));
  flyteidl::admin::NamedEntityIdentifierList out;
  for (const auto& row : rows) {
    auto* e = out.add_entities();
    e->set_project(std::get<std::string>(row.at("project")));
    e->set_domain(std::get<std::string>(row.at("domain")));
    e->set_name(std::get<std::string>(row.at("name")));
  }
  if (static_cast<int64_t>(rows.size()) == q.limit) {
    out.set_token(std::to_string(q.offset + q.limit));
  }
  return out;
}

}  // namespace flytebox::admin
