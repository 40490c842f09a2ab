#include "common/version.h"
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

constexpr const char* kDomains[] = {"development", "staging", "production"};

void AddDomains(fa::Project* p) {
  p->clear_domains();
  for (const char* d : kDomains) {
    auto* dom = p->add_domains();
    dom->set_id(d);
    dom->set_name(d);
  }
}

store::Record ProjectRecord(const fa::Project& p) {
  store::Record r;
  r.columns = {{"project", p.id()}, {"state", static_cast<int64_t>(p.state())}};
  r.data = Deterministic(p);
  return r;
}

}  // namespace

Admin::Admin(AdminOptions options) : options_(std::move(options)) {}

Status Admin::Seed() {
  fa::Project p;
  p.set_id(options_.default_project);
  p.set_name(options_.default_project);
  p.set_description("Default project of the Flytebox sandbox");
  AddDomains(&p);
  Status st = options_.store->Create(store::Table::kProject, ProjectRecord(p));
  if (st.code() == Code::kAlreadyExists) return Status::Ok();
  return st;
}

fa::GetDomainsResponse Admin::GetDomains() const {
  fa::GetDomainsResponse out;
  for (const char* d : kDomains) {
    auto* dom = out.add_domains();
    dom->set_id(d);
    dom->set_name(d);
  }
  return out;
}

fa::GetVersionResponse Admin::GetVersion() const {
  fa::GetVersionResponse out;
  auto* v = out.mutable_control_plane_version();
  v->set_version(std::string("v") + kFlyteIdlVersion);
  v->set_build(std::string("flytebox-") + kVersion);
  v->set_buildtime("");
  return out;
}

Status Admin::CheckProjectDomain(const std::string& project, const std::string& domain) {
  if (project.empty()) return Status::InvalidArgument("missing project");
  if (domain.empty()) return Status::InvalidArgument("missing domain");
  auto rec = options_.store->Get(store::Table::kProject, {{"project", project}});
  if (!rec.ok()) {
    if (rec.status().code() == Code::kNotFound) {
      return Status::InvalidArgument("project '" + project +
                                     "' does not exist: register it first "
                                     "(flytectl create project, or RegisterProject)");
    }
    return rec.status();
  }
  for (const char* d : kDomains) {
    if (domain == d) return Status::Ok();
  }
  return Status::InvalidArgument("domain '" + domain +
                                 "' is not one of development, staging, production");
}

Result<fa::ProjectRegisterResponse> Admin::RegisterProject(const fa::ProjectRegisterRequest& req) {
  fa::Project p = req.project();
  if (p.id().empty()) return Status::InvalidArgument("project.id is required");
  if (p.name().empty()) p.set_name(p.id());
  AddDomains(&p);
  Status st = options_.store->Create(store::Table::kProject, ProjectRecord(p));
  if (st.code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("project '" + p.id() + "' already exists");
  }
  FB_RETURN_IF_ERROR(st);
  return fa::ProjectRegisterResponse();
}

Result<fa::ProjectUpdateResponse> Admin::UpdateProject(const fa::Project& req) {
  if (req.id().empty()) return Status::InvalidArgument("project id is required");
  FB_ASSIGN_OR_RETURN(auto rec, options_.store->Get(store::Table::kProject, {{"project", req.id()}}));
  FB_ASSIGN_OR_RETURN(fa::Project p, ParseRecord<fa::Project>(rec));
  if (!req.name().empty()) p.set_name(req.name());
  p.set_description(req.description());
  *p.mutable_labels() = req.labels();
  p.set_state(req.state());
  FB_RETURN_IF_ERROR(options_.store->Update(store::Table::kProject, ProjectRecord(p)));
  return fa::ProjectUpdateResponse();
}

Result<fa::Project> Admin::GetProject(const fa::ProjectGetRequest& req) {
  if (req.id().empty()) return Status::InvalidArgument("project id is required");
  auto rec = options_.store->Get(store::Table::kProject, {{"project", req.id()}});
  if (!rec.ok()) {
    if (rec.status().code() == Code::kNotFound) {
      return Status::NotFound("project '" + req.id() + "' does not exist");
    }
    return rec.status();
  }
  return ParseRecord<fa::Project>(*rec);
}

Result<fa::Projects> Admin::ListProjects(const fa::ProjectListRequest& req) {
  uint32_t limit = req.limit() == 0 ? 100 : req.limit();
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(limit, req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    ListEntity::kProject));
  if (!req.has_sort_by()) {
    q.sort_key = "project";
    q.ascending = true;
  }
  FB_ASSIGN_OR_RETURN(store::ListResult list, options_.store->List(store::Table::kProject, q));
  fa::Projects out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_projects(), ParseRecord<fa::Project>(r));
  }
  out.set_token(list.next_token);
  return out;
}

}  // namespace flytebox::admin
