#include "embedded/executor/raw_container.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "embedded/executor/templating.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
namespace fs = std::filesystem;

Status WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) return Status::Internal("cannot write " + path.string());
  return Status::Ok();
}

// A container's file; a symbolic link is refused, since it could point anywhere on the host.
Result<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    return Status::FailedPrecondition(path.filename().string() +
                                      " is a symbolic link; write the file itself");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.filename().string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


// A blob's bytes, from the sandbox's object store only.
Status CopyBlobIn(const fc::Blob& blob, blob::BlobStore& blobs, const fs::path& to) {
  auto key = blobs.KeyOf(blob.uri());
  if (key.ok()) {
    if (blob.metadata().type().dimensionality() == fc::BlobType::MULTIPART) {
      return GetFolder(*key, to.string(), blobs);
    }
    FB_ASSIGN_OR_RETURN(std::string data, blobs.Get(*key));
    return WriteFile(to, data);
  }
  // Never a path of the machine: an execution's inputs would otherwise copy any file the
  // engine can read (keys, the state folder's credentials) into a task's reach.
  return Status::InvalidArgument("input blob " + blob.uri() +
                                 " is not in the sandbox's object store (" + key.status().message() +
                                 "); upload it first (flytekit does so for local files)");
}

Result<fc::Literal> ParseSimple(fc::SimpleType type, const std::string& raw, const std::string& name) {
  fc::Literal lit;
  auto* p = lit.mutable_scalar()->mutable_primitive();
  std::string text(strings::TrimSpace(raw));
  try {
    switch (type) {
      case fc::INTEGER: p->set_integer(std::stoll(text)); break;
      case fc::FLOAT: p->set_float_value(std::stod(text)); break;
      case fc::STRING: p->set_string_value(text); break;
      case fc::BOOLEAN: p->set_boolean(text == "true" || text == "True" || text == "1"); break;
      case fc::DATETIME: {
        std::tm tm{};
        if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) throw std::invalid_argument(text);
        p->mutable_datetime()->set_seconds(timegm(&tm));
        break;
      }
      default:
        return Status::FailedPrecondition("output '" + name + "' has a type raw containers cannot return");
    }
  } catch (const std::exception&) {
    return Status::FailedPrecondition("output '" + name + "': '" + text + "' is not a valid " +
                                      fc::SimpleType_Name(type));
  }
  return lit;
}

// A variable name used as a file name inside the attempt's folders; the admin refuses
// others at registration, this guards inputs given at launch and older records.
Status CheckFileName(const std::string& name, const char* what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return Status::InvalidArgument(std::string(what) + " name '" + name +
                                   "' cannot be a file name (no '/', '.' or '..')");
  }
  return Status::Ok();
}

}  // namespace

RawIoRun RawIoRunOf(const fc::DataLoadingConfig& config, const std::string& dir,
                    const std::string& staging) {
  RawIoRun r;
  r.input_path = config.input_path().empty() ? "/var/flyte/inputs" : config.input_path();
  r.output_path = config.output_path().empty() ? "/var/flyte/outputs" : config.output_path();
  r.dir = dir;
  r.staging = staging;
  return r;
}

std::vector<std::string> LocalRawArgv(const RawIoRun& io, std::vector<std::string> argv) {
  for (auto& arg : argv) {
    for (const auto& [from, to] :
         {std::pair{io.input_path, io.inputs()}, std::pair{io.output_path, io.outputs()}}) {
      for (size_t pos = arg.find(from); pos != std::string::npos;
           pos = arg.find(from, pos + to.size())) {
        arg.replace(pos, from.size(), to);
      }
    }
  }
  return argv;
}

Status PrepareRawIo(const fc::LiteralMap& inputs, blob::BlobStore& blobs, const RawIo& io) {
  std::error_code ec;
  fs::create_directories(io.inputs(), ec);
  fs::create_directories(io.outputs(), ec);
  if (ec) return Status::Internal("cannot create " + io.dir + ": " + ec.message());
  for (const auto& [name, lit] : inputs.literals()) {
    FB_RETURN_IF_ERROR(CheckFileName(name, "input"));
    fs::path to = fs::path(io.inputs()) / name;
    if (lit.has_scalar() && lit.scalar().has_blob()) {
      FB_RETURN_IF_ERROR(CopyBlobIn(lit.scalar().blob(), blobs, to));
    } else {
      FB_RETURN_IF_ERROR(WriteFile(to, LiteralText(lit)));
    }
  }
  return WriteFile(fs::path(io.inputs()) / "inputs.pb", inputs.SerializeAsString());
}

// Links are not followed (a link loop or a link out of the folder is refused), and no
// filesystem error escapes as a throw.
Status PutFolder(const std::string& folder, const std::string& base, blob::BlobStore& blobs) {
  const fs::path dir(folder);
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(st)) {
      return Status::FailedPrecondition("output folder " + dir.string() +
                                        " holds a symbolic link (" + it->path().string() +
                                        "); write the files themselves");
    }
    if (!fs::is_regular_file(st)) continue;
    FB_ASSIGN_OR_RETURN(std::string data, ReadFile(it->path()));
    std::string rel = it->path().lexically_relative(dir).string();
    FB_RETURN_IF_ERROR(blobs.Put(base + "/" + rel, data));
  }
  if (ec) return Status::FailedPrecondition("reading output folder " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

Status GetFolder(const std::string& base, const std::string& dir, blob::BlobStore& blobs) {
  const std::string prefix = base + "/";
  FB_ASSIGN_OR_RETURN(std::vector<std::string> keys, blobs.List(prefix));
  for (const std::string& key : keys) {
    fs::path rel = fs::path(key.substr(prefix.size())).lexically_normal();
    if (rel.empty() || rel.is_absolute() || *rel.begin() == "..") {
      return Status::FailedPrecondition("'" + key.substr(prefix.size()) + "' under " + base +
                                        " is not a path inside its folder");
    }
    fs::path to = fs::path(dir) / rel;
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    FB_ASSIGN_OR_RETURN(std::string data, blobs.Get(key));
    FB_RETURN_IF_ERROR(WriteFile(to, data));
  }
  return Status::Ok();
}

Result<fc::LiteralMap> CollectRawOutputs(const fc::TypedInterface& iface, blob::BlobStore& blobs,
                                         const RawIo& io, const std::string& output_prefix) {
  auto error = ReadFile(fs::path(io.outputs()) / "_ERROR");
  if (error.ok()) return Status::FailedPrecondition(std::string(strings::TrimSpace(*error)));
  fc::LiteralMap out;
  for (const auto& [name, var] : iface.outputs().variables()) {
    FB_RETURN_IF_ERROR(CheckFileName(name, "output"));
    fs::path from = fs::path(io.outputs()) / name;
    std::error_code ec;
    fs::file_status st = fs::symlink_status(from, ec);
    if (ec || !fs::exists(st)) {
      return Status::NotFound("the container wrote no output '" + name + "' (expected " +
                              from.string() + ")");
    }
    // A link could point anywhere on the host: outputs are the container's own files.
    if (fs::is_symlink(st)) {
      return Status::FailedPrecondition("output '" + name + "' is a symbolic link (" +
                                        from.string() + "); write the file itself");
    }
    fc::Literal lit;
    if (var.type().has_blob()) {
      auto* b = lit.mutable_scalar()->mutable_blob();
      *b->mutable_metadata()->mutable_type() = var.type().blob();
      FB_ASSIGN_OR_RETURN(std::string base, blobs.KeyOf(output_prefix + "/" + name));
      if (fs::is_directory(st)) {
        FB_RETURN_IF_ERROR(PutFolder(from.string(), base, blobs));
      } else {
        FB_ASSIGN_OR_RETURN(std::string data, ReadFile(from));
        FB_RETURN_IF_ERROR(blobs.Put(base, data));
      }
      b->set_uri(blobs.NativeUri(base));
    } else if (var.type().has_simple()) {
      FB_ASSIGN_OR_RETURN(std::string text, ReadFile(from));
      FB_ASSIGN_OR_RETURN(lit, ParseSimple(var.type().simple(), text, name));
    } else {
      return Status::FailedPrecondition("output '" + name + "' has a type raw containers cannot return");
    }
    (*out.mutable_literals())[name] = std::move(lit);
  }
  return out;
}

}  // namespace flytebox::executor
