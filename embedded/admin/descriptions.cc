// Description entities: the long description, source code link and tags that flytekit sends
// in a task's or workflow's spec at registration, kept per entity version next to the
// entity (in the object store, one small protobuf each) and read back by the Get and List
// calls.
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

std::string DescriptionKey(const fc::Identifier& id) {
  return "metadata/descriptions/" + fc::ResourceType_Name(id.resource_type()) + "/" + id.project() +
         "/" + id.domain() + "/" + id.name() + "/" + id.version() + ".pb";
}

Status RequireTaskOrWorkflow(fc::ResourceType type) {
  if (type != fc::TASK && type != fc::WORKFLOW) {
    return Status::InvalidArgument(
        "resource_type must be TASK or WORKFLOW for description entities");
  }
  return Status::Ok();
}

}  // namespace

Status Admin::SaveDescription(const fc::Identifier& id, const fa::DescriptionEntity& description) {
  fa::DescriptionEntity d = description;
  *d.mutable_id() = id;
  return options_.blobs->Put(DescriptionKey(id), Deterministic(d));
}

Result<fa::DescriptionEntity> Admin::GetDescriptionEntity(const fa::ObjectGetRequest& req) {
  const auto& id = req.id();
  FB_RETURN_IF_ERROR(RequireTaskOrWorkflow(id.resource_type()));
  if (id.project().empty() || id.domain().empty() || id.name().empty() || id.version().empty()) {
    return Status::InvalidArgument("id needs project, domain, name and version");
  }
  auto data = options_.blobs->Get(DescriptionKey(id));
  if (!data.ok() && data.status().code() == Code::kNotFound) {
    return Status::NotFound("no description entity for " +
                            fc::ResourceType_Name(id.resource_type()) + " " + id.project() + "/" +
                            id.domain() + "/" + id.name() + "@" + id.version());
  }
  if (!data.ok()) return data.status();
  fa::DescriptionEntity out;
  if (!out.ParseFromString(*data))
    return Status::Internal("stored description entity is unreadable");
  return out;
}

// The entity's versions as ListTasks / ListWorkflows page them, each with its description
// (versions registered without one are left out).
Result<fa::DescriptionEntityList> Admin::ListDescriptionEntities(
    const fa::DescriptionEntityListRequest& req) {
  FB_RETURN_IF_ERROR(RequireTaskOrWorkflow(req.resource_type()));
  fa::ResourceListRequest list;
  *list.mutable_id() = req.id();
  list.set_limit(req.limit());
  list.set_token(req.token());
  list.set_filters(req.filters());
  if (req.has_sort_by()) *list.mutable_sort_by() = req.sort_by();
  std::vector<fc::Identifier> ids;
  std::string token;
  if (req.resource_type() == fc::TASK) {
    FB_ASSIGN_OR_RETURN(fa::TaskList tasks, ListTasks(list));
    for (const auto& t : tasks.tasks()) ids.push_back(t.id());
    token = tasks.token();
  } else {
    FB_ASSIGN_OR_RETURN(fa::WorkflowList wfs, ListWorkflows(list));
    for (const auto& w : wfs.workflows()) ids.push_back(w.id());
    token = wfs.token();
  }
  fa::DescriptionEntityList out;
  for (auto& id : ids) {
    id.set_resource_type(req.resource_type());
    fa::ObjectGetRequest get;
    *get.mutable_id() = id;
    auto d = GetDescriptionEntity(get);
    if (d.ok()) {
      *out.add_descriptionentities() = std::move(d).value();
    } else if (d.status().code() != Code::kNotFound) {
      return d.status();
    }
  }
  out.set_token(token);
  return out;
}

}  // namespace flytebox::admin
