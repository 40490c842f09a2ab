#include "embedded/admin/admin.h"
#include "embedded/admin/entities.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

Status ValidateTemplate(const fc::TaskTemplate& t) {
  if (t.type().empty()) return Status::InvalidArgument("task template: missing type");
  FB_RETURN_IF_ERROR(ValidateVariableNames(t.interface(), "task " + t.id().name()));
  if (t.has_container()) {
    if (t.container().image().empty()) {
      return Status::InvalidArgument("task " + t.id().name() + ": container image is required");
    }
    bool has_io = t.interface().inputs().variables_size() > 0 ||
                  t.interface().outputs().variables_size() > 0;
    if (has_io && t.container().command().empty() && t.container().args().empty()) {
      return Status::InvalidArgument("task " + t.id().name() +
                                     ": a container task with inputs or outputs needs a "
                                     "command or args");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<fa::TaskCreateResponse> Admin::CreateTask(const fa::TaskCreateRequest& req) {
  FB_RETURN_IF_ERROR(RequireFullId(req.id(), "task id"));
  if (req.id().resource_type() != fc::TASK && req.id().resource_type() != fc::UNSPECIFIED) {
    return Status::InvalidArgument("task id: resource_type must be TASK");
  }
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.id().project(), req.id().domain()));
  if (!req.has_spec() || !req.spec().has_template_()) {
    return Status::InvalidArgument("task " + IdString(req.id()) + ": spec.template is required");
  }
  fa::Task task;
  *task.mutable_id() = req.id();
  task.mutable_id()->set_resource_type(fc::TASK);
  fc::TaskTemplate* tmpl = task.mutable_closure()->mutable_compiled_task()->mutable_template_();
  *tmpl = req.spec().template_();
  *tmpl->mutable_id() = task.id();
  FB_RETURN_IF_ERROR(ValidateTemplate(*tmpl));
  if (req.spec().has_description()) {
    task.set_short_description(req.spec().description().short_description());
  }
  int64_t now = ToMicros(options_.clock->Now());
  *task.mutable_closure()->mutable_created_at() = ToTimestamp(now);

  store::Record rec;
  rec.columns = IdKey(task.id());
  rec.data = Deterministic(task);
  rec.created_at = now;
  std::string mine = Deterministic(*tmpl);
  FB_RETURN_IF_ERROR(CreateVersioned(
      *options_.store, store::Table::kTask, task.id(), rec, "task",
      [&](const store::Record& existing) -> Result<bool> {
        FB_ASSIGN_OR_RETURN(fa::Task old, ParseRecord<fa::Task>(existing));
        return Deterministic(old.closure().compiled_task().template_()) == mine;
      }));
  if (req.spec().has_description())
    FB_RETURN_IF_ERROR(SaveDescription(task.id(), req.spec().description()));
  return fa::TaskCreateResponse();
}

Result<fa::Task> Admin::GetTask(const fa::ObjectGetRequest& req) {
  FB_ASSIGN_OR_RETURN(auto rec, GetVersioned(*options_.store, store::Table::kTask, req.id(), "task"));
  return ParseRecord<fa::Task>(rec);
}

Result<fc::TaskTemplate> Admin::LoadTaskTemplate(const fc::Identifier& id) {
  FB_ASSIGN_OR_RETURN(auto rec, GetVersioned(*options_.store, store::Table::kTask, id, "task"));
  FB_ASSIGN_OR_RETURN(fa::Task task, ParseRecord<fa::Task>(rec));
  return task.closure().compiled_task().template_();
}

Result<fa::TaskList> Admin::ListTasks(const fa::ResourceListRequest& req) {
  FB_ASSIGN_OR_RETURN(auto list, ListVersioned(*options_.store, store::Table::kTask, req));
  fa::TaskList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_tasks(), ParseRecord<fa::Task>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::NamedEntityIdentifierList> Admin::ListTaskIds(
    const fa::NamedEntityIdentifierListRequest& req) {
  return ListIds(*options_.store, store::Table::kTask, req);
}

}  // namespace flytebox::admin
