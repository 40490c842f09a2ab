#include <array>
#include <map>

#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

// The MatchableResource a MatchingAttributes holds: its oneof field number minus one.
Result<int64_t> ResourceTypeOf(const fa::MatchingAttributes& attrs) {
  int field = static_cast<int>(attrs.target_case());
  if (field == 0) return Status::InvalidArgument("matching_attributes holds no attribute");
  return static_cast<int64_t>(field - 1);
}

store::Columns AttrKey(const std::string& project, const std::string& domain,
                       const std::string& workflow, int64_t type) {
  return {{"project", project}, {"domain", domain}, {"workflow", workflow}, {"resource_type", type}};
}

// PLUGIN_OVERRIDE updates merge into what is stored, as FlyteAdmin merges them: an override
// replaces the stored one of its task type, the other task types' stay (ordered by type).
Result<fa::MatchingAttributes> MergePluginOverrides(store::MetadataStore& store,
                                                    const store::Columns& key,
                                                    const fa::MatchingAttributes& attrs) {
  auto rec = store.Get(store::Table::kAttributes, key);
  if (!rec.ok() && rec.status().code() == Code::kNotFound) return attrs;
  if (!rec.ok()) return rec.status();
  FB_ASSIGN_OR_RETURN(auto stored, ParseRecord<fa::MatchingAttributes>(*rec));
  std::map<std::string, fa::PluginOverride> by_type;
  for (const auto& o : stored.plugin_overrides().overrides()) by_type[o.task_type()] = o;
  for (const auto& o : attrs.plugin_overrides().overrides()) by_type[o.task_type()] = o;
  fa::MatchingAttributes merged;
  auto* out = merged.mutable_plugin_overrides();
  for (auto& [type, o] : by_type) *out->add_overrides() = std::move(o);
  return merged;
}

Status PutAttributes(store::MetadataStore& store, store::Columns key,
                     const fa::MatchingAttributes& given) {
  fa::MatchingAttributes attrs = given;
  if (given.has_plugin_overrides()) {
    FB_ASSIGN_OR_RETURN(attrs, MergePluginOverrides(store, key, given));
  }
  store::Record rec;
  rec.columns = std::move(key);
  rec.data = Deterministic(attrs);
  return store.Put(store::Table::kAttributes, rec);
}

Result<fa::MatchingAttributes> GetAttributes(store::MetadataStore& store, const store::Columns& key,
                                             const std::string& where) {
  auto rec = store.Get(store::Table::kAttributes, key);
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound("no attributes of that resource type set for " + where);
  }
  if (!rec.ok()) return rec.status();
  return ParseRecord<fa::MatchingAttributes>(*rec);
}

// Where attributes were found: the level's domain and workflow ("" above that level).
struct Found {
  std::string domain, workflow;
  fa::MatchingAttributes attrs;
};

// The most specific attributes at or above {project, domain, workflow}, as FlyteAdmin's Get
// answers: the workflow's, else the project-domain's, else the project's. A level left ""
// in `at` is skipped.
Result<Found> MostSpecific(store::MetadataStore& store, const std::array<std::string, 3>& at,
                           int64_t type, const std::string& where) {
  const auto& [project, domain, workflow] = at;
  const std::vector<std::pair<std::string, std::string>> levels = {
      {domain, workflow}, {domain, ""}, {"", ""}};
  for (size_t i = workflow.empty() ? (domain.empty() ? 2 : 1) : 0; i < levels.size(); ++i) {
    const auto& [d, w] = levels[i];
    auto got = GetAttributes(store, AttrKey(project, d, w, type), where);
    if (got.ok()) return Found{d, w, std::move(got).value()};
    if (got.status().code() != Code::kNotFound) return got.status();
  }
  return Status::NotFound("no attributes of that resource type set for " + where + " or above it");
}

Status DeleteAttributes(store::MetadataStore& store, const store::Columns& key,
                        const std::string& where) {
  auto rec = store.Get(store::Table::kAttributes, key);
  if (!rec.ok()) {
    if (rec.status().code() == Code::kNotFound) {
      return Status::NotFound("no attributes of that resource type set for " + where);
    }
    return rec.status();
  }
  return store.Delete(store::Table::kAttributes, key);
}

}  // namespace

Result<fa::ProjectDomainAttributesUpdateResponse> Admin::UpdateProjectDomainAttributes(
    const fa::ProjectDomainAttributesUpdateRequest& req) {
  const auto& a = req.attributes();
  FB_RETURN_IF_ERROR(CheckProjectDomain(a.project(), a.domain()));
  FB_ASSIGN_OR_RETURN(int64_t type, ResourceTypeOf(a.matching_attributes()));
  FB_RETURN_IF_ERROR(PutAttributes(*options_.store, AttrKey(a.project(), a.domain(), "", type),
                                   a.matching_attributes()));
  return fa::ProjectDomainAttributesUpdateResponse();
}

Result<fa::ProjectDomainAttributesGetResponse> Admin::GetProjectDomainAttributes(
    const fa::ProjectDomainAttributesGetRequest& req) {
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), req.domain()));
  FB_ASSIGN_OR_RETURN(auto found,
                      MostSpecific(*options_.store, {req.project(), req.domain(), ""},
                                   req.resource_type(), req.project() + "/" + req.domain()));
  fa::ProjectDomainAttributesGetResponse out;
  out.mutable_attributes()->set_project(req.project());
  out.mutable_attributes()->set_domain(found.domain);
  *out.mutable_attributes()->mutable_matching_attributes() = std::move(found.attrs);
  return out;
}

Result<fa::ProjectDomainAttributesDeleteResponse> Admin::DeleteProjectDomainAttributes(
    const fa::ProjectDomainAttributesDeleteRequest& req) {
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), req.domain()));
  FB_RETURN_IF_ERROR(DeleteAttributes(*options_.store,
                                      AttrKey(req.project(), req.domain(), "", req.resource_type()),
                                      req.project() + "/" + req.domain()));
  return fa::ProjectDomainAttributesDeleteResponse();
}

Result<fa::ProjectAttributesUpdateResponse> Admin::UpdateProjectAttributes(
    const fa::ProjectAttributesUpdateRequest& req) {
  const auto& a = req.attributes();
  FB_RETURN_IF_ERROR(CheckProjectDomain(a.project(), "development"));
  FB_ASSIGN_OR_RETURN(int64_t type, ResourceTypeOf(a.matching_attributes()));
  FB_RETURN_IF_ERROR(PutAttributes(*options_.store, AttrKey(a.project(), "", "", type),
                                   a.matching_attributes()));
  return fa::ProjectAttributesUpdateResponse();
}

Result<fa::ProjectAttributesGetResponse> Admin::GetProjectAttributes(
    const fa::ProjectAttributesGetRequest& req) {
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), "development"));
  auto attrs = GetAttributes(*options_.store, AttrKey(req.project(), "", "", req.resource_type()),
                             req.project());
  // As FlyteAdmin answers WORKFLOW_EXECUTION_CONFIG: the stored config over the server's
  // defaults, the defaults alone when the project has none. Flytebox's server-level defaults
  // are all unset (max parallelism 0: no limit), so merging them changes nothing.
  if (!attrs.ok() && attrs.status().code() == Code::kNotFound &&
      req.resource_type() == fa::WORKFLOW_EXECUTION_CONFIG) {
    attrs = fa::MatchingAttributes();
    attrs->mutable_workflow_execution_config();
  }
  if (!attrs.ok()) return attrs.status();
  fa::ProjectAttributesGetResponse out;
  out.mutable_attributes()->set_project(req.project());
  *out.mutable_attributes()->mutable_matching_attributes() = std::move(attrs).value();
  return out;
}

Result<fa::ProjectAttributesDeleteResponse> Admin::DeleteProjectAttributes(
    const fa::ProjectAttributesDeleteRequest& req) {
  FB_RETURN_IF_ERROR(DeleteAttributes(*options_.store,
                                      AttrKey(req.project(), "", "", req.resource_type()),
                                      req.project()));
  return fa::ProjectAttributesDeleteResponse();
}

Result<fa::WorkflowAttributesUpdateResponse> Admin::UpdateWorkflowAttributes(
    const fa::WorkflowAttributesUpdateRequest& req) {
  const auto& a = req.attributes();
  FB_RETURN_IF_ERROR(CheckProjectDomain(a.project(), a.domain()));
  if (a.workflow().empty()) return Status::InvalidArgument("attributes.workflow is required");
  FB_ASSIGN_OR_RETURN(int64_t type, ResourceTypeOf(a.matching_attributes()));
  FB_RETURN_IF_ERROR(PutAttributes(*options_.store,
                                   AttrKey(a.project(), a.domain(), a.workflow(), type),
                                   a.matching_attributes()));
  return fa::WorkflowAttributesUpdateResponse();
}

Result<fa::WorkflowAttributesGetResponse> Admin::GetWorkflowAttributes(
    const fa::WorkflowAttributesGetRequest& req) {
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.project(), req.domain()));
  FB_ASSIGN_OR_RETURN(
      auto found,
      MostSpecific(*options_.store, {req.project(), req.domain(), req.workflow()},
                   req.resource_type(), req.project() + "/" + req.domain() + "/" + req.workflow()));
  fa::WorkflowAttributesGetResponse out;
  out.mutable_attributes()->set_project(req.project());
  out.mutable_attributes()->set_domain(found.domain);
  out.mutable_attributes()->set_workflow(found.workflow);
  *out.mutable_attributes()->mutable_matching_attributes() = std::move(found.attrs);
  return out;
}

Result<fa::WorkflowAttributesDeleteResponse> Admin::DeleteWorkflowAttributes(
    const fa::WorkflowAttributesDeleteRequest& req) {
  FB_RETURN_IF_ERROR(DeleteAttributes(
      *options_.store, AttrKey(req.project(), req.domain(), req.workflow(), req.resource_type()),
      req.project() + "/" + req.domain() + "/" + req.workflow()));
  return fa::WorkflowAttributesDeleteResponse();
}

// Every level's attributes of one resource type: project (domain ""), project-domain and
// workflow level, ordered by their keys.
Result<fa::ListMatchableAttributesResponse> Admin::ListMatchableAttributes(
    const fa::ListMatchableAttributesRequest& req) {
  if (!fa::MatchableResource_IsValid(req.resource_type())) {
    return Status::InvalidArgument("resource_type " + std::to_string(req.resource_type()) +
                                   " is not a MatchableResource");
  }
  fa::ListMatchableAttributesResponse out;
  store::ListQuery q;
  q.where = {{"resource_type", static_cast<int64_t>(req.resource_type())}};
  q.sort_key = "project";
  q.ascending = true;
  q.limit = 1000;
  while (true) {
    FB_ASSIGN_OR_RETURN(auto page, options_.store->List(store::Table::kAttributes, q));
    for (const auto& r : page.records) {
      auto* c = out.add_configurations();
      FB_ASSIGN_OR_RETURN(*c->mutable_attributes(), ParseRecord<fa::MatchingAttributes>(r));
      auto text = [&](const char* col) {
        auto it = r.columns.find(col);
        const std::string* v =
            it == r.columns.end() ? nullptr : std::get_if<std::string>(&it->second);
        return v ? *v : std::string();
      };
      c->set_project(text("project"));
      c->set_domain(text("domain"));
      c->set_workflow(text("workflow"));
      c->set_org(req.org());
    }
    if (page.next_token.empty()) break;
    q.offset += static_cast<int64_t>(page.records.size());
  }
  return out;
}

}  // namespace flytebox::admin
