// Flyte's type system: castability between LiteralTypes and the type of a literal value.
// The rules follow flytepropeller's compiler (validators/typing.go, validators/utils.go in
// Flyte 1.16); where they are surprising, the comment says so, because FlyteAdmin answers
// the same way and flytekit relies on it.
#include "embedded/compiler/types.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace flytebox::compiler {
namespace {

using flyteidl::core::BlobType;
using flyteidl::core::Literal;
using flyteidl::core::LiteralType;
using flyteidl::core::Scalar;
using flyteidl::core::SchemaType;
using flyteidl::core::SimpleType;
using flyteidl::core::StructuredDatasetType;
using google::protobuf::util::MessageDifferencer;

// flytekit tags msgpack-encoded binaries (dataclasses, dicts, Pydantic models) with this.
constexpr char kMessagePackTag[] = "msgpack";

bool IsNone(const LiteralType& t) {
  return t.type_case() == LiteralType::kSimple && t.simple() == flyteidl::core::NONE;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool CastsFrom(const LiteralType& downstream, const LiteralType& upstream);

// Flyte: two STRUCTs with JSON schemas in `metadata` are castable when the schemas are equal
// or the upstream one is a "supertype" (json-schema-compare). We approximate the latter:
// every property the downstream schema declares exists upstream with an equal definition.
// Without a schema on either side any STRUCT is accepted (old flytekit omitted it).
bool StructCastsFrom(const LiteralType& downstream, const LiteralType& upstream) {
  if (!upstream.has_metadata() || !downstream.has_metadata()) return true;
  if (MessageDifferencer::Equals(upstream.metadata(), downstream.metadata())) return true;
  const auto& up_fields = upstream.metadata().fields();
  const auto& down_fields = downstream.metadata().fields();
  auto up_props = up_fields.find("properties");
  auto down_props = down_fields.find("properties");
  if (up_props == up_fields.end() || down_props == down_fields.end()) return false;
  if (!up_props->second.has_struct_value() || !down_props->second.has_struct_value()) {
    return false;
  }
  const auto& ups = up_props->second.struct_value().fields();
  for (const auto& [name, definition] : down_props->second.struct_value().fields()) {
    auto it = ups.find(name);
    if (it == ups.end() || !MessageDifferencer::Equals(it->second, definition)) return false;
  }
  return true;
}

// Simple types, enums and types with no kind set: equal after dropping the top-level
// metadata, annotation and structure; enum and string convert both ways; a structure tag on
// the upstream type must equal the downstream one (flytekit tags union variants).
bool TrivialCastsFrom(const LiteralType& downstream, const LiteralType& upstream) {
  if (upstream.has_enum_type() && downstream.type_case() == LiteralType::kSimple &&
      downstream.simple() == flyteidl::core::STRING) {
    return true;
  }
  if (downstream.has_enum_type() && upstream.type_case() == LiteralType::kSimple &&
      upstream.simple() == flyteidl::core::STRING) {
    return true;
  }
  const std::string& up_tag = upstream.structure().tag();
  if (!up_tag.empty() && downstream.structure().tag() != up_tag) return false;
  if (upstream.type_case() == LiteralType::kSimple &&
      downstream.type_case() == LiteralType::kSimple &&
      upstream.simple() == flyteidl::core::STRUCT &&
      downstream.simple() == flyteidl::core::STRUCT) {
    return StructCastsFrom(downstream, upstream);
  }
  LiteralType up = upstream;
  LiteralType down = downstream;
  for (LiteralType* t : {&up, &down}) {
    t->clear_metadata();
    t->clear_annotation();
    t->clear_structure();
  }
  return MessageDifferencer::Equals(up, down);
}

bool BlobCastsFrom(const BlobType& downstream, const LiteralType& upstream) {
  if (!upstream.has_blob()) return false;
  // Flyte ignores dimensionality: a single-part blob binds to a multipart input and back.
  const std::string& up_format = upstream.blob().format();
  return up_format.empty() || downstream.format().empty() || up_format == downstream.format();
}

bool SchemaColumnMatches(SchemaType::SchemaColumn::SchemaColumnType column, SimpleType simple) {
  using Column = SchemaType::SchemaColumn;
  switch (column) {
    case Column::INTEGER:
      return simple == flyteidl::core::INTEGER;
    case Column::FLOAT:
      return simple == flyteidl::core::FLOAT;
    case Column::STRING:
      return simple == flyteidl::core::STRING;
    case Column::BOOLEAN:
      return simple == flyteidl::core::BOOLEAN;
    case Column::DATETIME:
      return simple == flyteidl::core::DATETIME;
    case Column::DURATION:
      return simple == flyteidl::core::DURATION;
    default:
      return false;
  }
}

// Downstream columns must be a subset (by name, with matching type) of the upstream ones,
// unless either side declares no columns.
bool SchemaFromSchema(const SchemaType& up, const SchemaType& down) {
  if (up.columns().empty() || down.columns().empty()) return true;
  std::map<std::string, SchemaType::SchemaColumn::SchemaColumnType> by_name;
  for (const auto& c : up.columns()) by_name[c.name()] = c.type();
  for (const auto& c : down.columns()) {
    auto it = by_name.find(c.name());
    if (it == by_name.end() || it->second != c.type()) return false;
  }
  return true;
}

bool SchemaFromDataset(const StructuredDatasetType& up, const SchemaType& down) {
  if (up.columns().empty() || down.columns().empty()) return true;
  std::map<std::string, SimpleType> by_name;
  for (const auto& c : up.columns()) by_name[c.name()] = c.literal_type().simple();
  for (const auto& c : down.columns()) {
    auto it = by_name.find(c.name());
    if (it == by_name.end() || !SchemaColumnMatches(c.type(), it->second)) return false;
  }
  return true;
}

bool DatasetFromSchema(const SchemaType& up, const StructuredDatasetType& down) {
  if (up.columns().empty() || down.columns().empty()) return true;
  std::map<std::string, SchemaType::SchemaColumn::SchemaColumnType> by_name;
  for (const auto& c : up.columns()) by_name[c.name()] = c.type();
  for (const auto& c : down.columns()) {
    auto it = by_name.find(c.name());
    if (it == by_name.end() || !SchemaColumnMatches(it->second, c.literal_type().simple())) {
      return false;
    }
  }
  return true;
}

bool DatasetFromDataset(const StructuredDatasetType& up, const StructuredDatasetType& down) {
  if (!up.format().empty() && !down.format().empty() &&
      !EqualsIgnoreCase(up.format(), down.format())) {
    return false;
  }
  if (up.columns().empty() || down.columns().empty()) return true;
  std::map<std::string, const LiteralType*> by_name;
  for (const auto& c : up.columns()) by_name[c.name()] = &c.literal_type();
  for (const auto& c : down.columns()) {
    auto it = by_name.find(c.name());
    if (it == by_name.end() || !CastsFrom(c.literal_type(), *it->second)) return false;
  }
  return true;
}

// A Flyte schema can only be stored as parquet.
bool SchemaCastsFrom(const SchemaType& downstream, const LiteralType& upstream) {
  if (upstream.has_schema()) return SchemaFromSchema(upstream.schema(), downstream);
  if (!upstream.has_structured_dataset_type()) return false;
  const std::string& format = upstream.structured_dataset_type().format();
  if (!format.empty() && !EqualsIgnoreCase(format, "parquet")) return false;
  return SchemaFromDataset(upstream.structured_dataset_type(), downstream);
}

// Structured datasets are nullable: NONE binds to them.
bool DatasetCastsFrom(const StructuredDatasetType& downstream, const LiteralType& upstream) {
  if (IsNone(upstream)) return true;
  if (upstream.has_schema()) {
    if (!downstream.format().empty() && !EqualsIgnoreCase(downstream.format(), "parquet")) {
      return false;
    }
    return DatasetFromSchema(upstream.schema(), downstream);
  }
  if (!upstream.has_structured_dataset_type()) return false;
  return DatasetFromDataset(upstream.structured_dataset_type(), downstream);
}

// Upstream union: every upstream variant must fit some downstream variant. Otherwise exactly
// one downstream variant may accept the upstream type; several make it ambiguous (false).
bool UnionCastsFrom(const flyteidl::core::UnionType& downstream, const LiteralType& upstream) {
  if (upstream.has_union_type()) {
    for (const auto& u : upstream.union_type().variants()) {
      bool found = std::any_of(downstream.variants().begin(), downstream.variants().end(),
                               [&](const LiteralType& d) { return IsCastable(u, d); });
      if (!found) return false;
    }
    return true;
  }
  int accepting = 0;
  for (const auto& d : downstream.variants()) {
    if (IsCastable(upstream, d)) ++accepting;
  }
  return accepting == 1;
}

// Dispatches on the downstream type, as Flyte's getTypeChecker does. Note that nested types
// (collection elements, map values, dataset columns) go through here, without unwrapping a
// one-variant upstream union: only IsCastable does that.
bool CastsFrom(const LiteralType& downstream, const LiteralType& upstream) {
  switch (downstream.type_case()) {
    case LiteralType::kCollectionType:
      // An empty upstream collection (element type NONE) fits any collection.
      if (!upstream.has_collection_type()) return false;
      if (IsNone(upstream.collection_type())) return true;
      return CastsFrom(downstream.collection_type(), upstream.collection_type());
    case LiteralType::kMapValueType:
      if (!upstream.has_map_value_type()) return false;
      if (IsNone(upstream.map_value_type())) return true;
      return CastsFrom(downstream.map_value_type(), upstream.map_value_type());
    case LiteralType::kBlob:
      return BlobCastsFrom(downstream.blob(), upstream);
    case LiteralType::kSchema:
      return SchemaCastsFrom(downstream.schema(), upstream);
    case LiteralType::kUnionType:
      return UnionCastsFrom(downstream.union_type(), upstream);
    case LiteralType::kStructuredDatasetType:
      return DatasetCastsFrom(downstream.structured_dataset_type(), upstream);
    default:
      if (IsNone(downstream)) return IsNone(upstream);
      return TrivialCastsFrom(downstream, upstream);
  }
}

LiteralType Simple(SimpleType simple) {
  LiteralType t;
  t.set_simple(simple);
  return t;
}

std::string TypeKey(const LiteralType& t) {
  std::string key;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(t, &key);
  return key;
}

std::optional<LiteralType> PrimitiveType(const flyteidl::core::Primitive& p) {
  switch (p.value_case()) {
    case flyteidl::core::Primitive::kInteger:
      return Simple(flyteidl::core::INTEGER);
    case flyteidl::core::Primitive::kFloatValue:
      return Simple(flyteidl::core::FLOAT);
    case flyteidl::core::Primitive::kStringValue:
      return Simple(flyteidl::core::STRING);
    case flyteidl::core::Primitive::kBoolean:
      return Simple(flyteidl::core::BOOLEAN);
    case flyteidl::core::Primitive::kDatetime:
      return Simple(flyteidl::core::DATETIME);
    case flyteidl::core::Primitive::kDuration:
      return Simple(flyteidl::core::DURATION);
    default:
      return Simple(flyteidl::core::NONE);  // as Flyte: an empty primitive is NONE
  }
}

// Several distinct element types become one union; element types that are themselves
// collections of unions are flattened into a collection of one union (as Flyte does).
LiteralType MultipleTypeUnion(const std::vector<LiteralType>& types) {
  LiteralType variants_union;
  bool nested = false;
  for (const auto& t : types) {
    if (t.has_collection_type() && t.collection_type().has_union_type()) {
      nested = true;
      for (const auto& v : t.collection_type().union_type().variants()) {
        *variants_union.mutable_union_type()->add_variants() = v;
      }
    } else {
      *variants_union.mutable_union_type()->add_variants() = t;
    }
  }
  if (!nested) return variants_union;
  LiteralType collection;
  *collection.mutable_collection_type() = std::move(variants_union);
  return collection;
}

// The element type of a collection or map literal.
std::optional<LiteralType> ElementsType(const std::vector<const Literal*>& literals) {
  std::map<std::string, LiteralType> distinct;  // sorted by key: a stable union order
  std::optional<LiteralType> empty_collection;
  for (const Literal* l : literals) {
    std::optional<LiteralType> t = LiteralTypeOf(*l);
    if (!t) return std::nullopt;
    if (l->has_collection() && l->collection().literals().empty()) {
      empty_collection = std::move(t);
      continue;
    }
    distinct.emplace(TypeKey(*t), std::move(*t));
  }
  if (distinct.empty()) {
    return empty_collection ? *empty_collection : Simple(flyteidl::core::NONE);
  }
  if (distinct.size() == 1) return distinct.begin()->second;
  std::vector<LiteralType> types;
  for (auto& [key, t] : distinct) types.push_back(std::move(t));
  return MultipleTypeUnion(types);
}

std::string SimpleName(SimpleType simple) {
  switch (simple) {
    case flyteidl::core::NONE:
      return "none";
    case flyteidl::core::INTEGER:
      return "int";
    case flyteidl::core::FLOAT:
      return "float";
    case flyteidl::core::STRING:
      return "str";
    case flyteidl::core::BOOLEAN:
      return "bool";
    case flyteidl::core::DATETIME:
      return "datetime";
    case flyteidl::core::DURATION:
      return "duration";
    case flyteidl::core::BINARY:
      return "binary";
    case flyteidl::core::ERROR:
      return "error";
    case flyteidl::core::STRUCT:
      return "struct";
    default:
      return "simple(" + std::to_string(static_cast<int>(simple)) + ")";
  }
}

std::string Joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

}  // namespace

bool IsCastable(const LiteralType& upstream, const LiteralType& downstream) {
  // A one-variant upstream union may also bind as its only variant.
  if (upstream.has_union_type() && upstream.union_type().variants_size() == 1 &&
      CastsFrom(downstream, upstream.union_type().variants(0))) {
    return true;
  }
  return CastsFrom(downstream, upstream);
}

std::optional<LiteralType> LiteralTypeOf(const Scalar& scalar) {
  LiteralType t;
  switch (scalar.value_case()) {
    case Scalar::kPrimitive:
      return PrimitiveType(scalar.primitive());
    case Scalar::kBlob:
      if (!scalar.blob().has_metadata()) return std::nullopt;
      *t.mutable_blob() = scalar.blob().metadata().type();
      return t;
    case Scalar::kBinary:
      return Simple(scalar.binary().tag() == kMessagePackTag ? flyteidl::core::STRUCT
                                                             : flyteidl::core::BINARY);
    case Scalar::kSchema:
      *t.mutable_schema() = scalar.schema().type();
      return t;
    case Scalar::kStructuredDataset:
      // Without metadata Flyte infers a dataset type that casts to nothing.
      if (!scalar.structured_dataset().has_metadata()) return std::nullopt;
      *t.mutable_structured_dataset_type() =
          scalar.structured_dataset().metadata().structured_dataset_type();
      return t;
    case Scalar::kNoneType:
      return Simple(flyteidl::core::NONE);
    case Scalar::kError:
      return Simple(flyteidl::core::ERROR);
    case Scalar::kGeneric:
      return Simple(flyteidl::core::STRUCT);
    case Scalar::kUnion:
      *t.mutable_union_type()->add_variants() = scalar.union_().type();
      return t;
    default:
      return std::nullopt;
  }
}

std::optional<LiteralType> LiteralTypeOf(const Literal& value) {
  std::vector<const Literal*> elements;
  LiteralType t;
  switch (value.value_case()) {
    case Literal::kScalar:
      return LiteralTypeOf(value.scalar());
    case Literal::kCollection: {
      for (const auto& l : value.collection().literals()) elements.push_back(&l);
      std::optional<LiteralType> element = ElementsType(elements);
      if (!element) return std::nullopt;
      *t.mutable_collection_type() = std::move(*element);
      return t;
    }
    case Literal::kMap: {
      for (const auto& [key, l] : value.map().literals()) elements.push_back(&l);
      std::optional<LiteralType> element = ElementsType(elements);
      if (!element) return std::nullopt;
      *t.mutable_map_value_type() = std::move(*element);
      return t;
    }
    case Literal::kOffloadedMetadata:
      if (!value.offloaded_metadata().has_inferred_type()) return std::nullopt;
      return value.offloaded_metadata().inferred_type();
    default:
      return std::nullopt;
  }
}

Status CheckLiteral(const Literal& value, const LiteralType& type, const std::string& what) {
  std::optional<LiteralType> actual = LiteralTypeOf(value);
  if (!actual) {
    return Status::InvalidArgument(what + ": value of unknown kind, expected " + TypeName(type));
  }
  if (!IsCastable(*actual, type)) {
    return Status::InvalidArgument(what + ": expected " + TypeName(type) + ", got " +
                                   TypeName(*actual));
  }
  return Status::Ok();
}

std::string TypeName(const LiteralType& type) {
  std::vector<std::string> parts;
  switch (type.type_case()) {
    case LiteralType::kSimple:
      return SimpleName(type.simple());
    case LiteralType::kCollectionType:
      return "list<" + TypeName(type.collection_type()) + ">";
    case LiteralType::kMapValueType:
      return "map<str, " + TypeName(type.map_value_type()) + ">";
    case LiteralType::kBlob: {
      std::string name =
          type.blob().dimensionality() == BlobType::MULTIPART ? "multipart-blob" : "blob";
      return type.blob().format().empty() ? name : name + "(" + type.blob().format() + ")";
    }
    case LiteralType::kSchema:
      for (const auto& c : type.schema().columns()) parts.push_back(c.name());
      return "schema(" + Joined(parts, ", ") + ")";
    case LiteralType::kEnumType:
      parts.assign(type.enum_type().values().begin(), type.enum_type().values().end());
      return "enum{" + Joined(parts, ", ") + "}";
    case LiteralType::kStructuredDatasetType: {
      const auto& sd = type.structured_dataset_type();
      for (const auto& c : sd.columns())
        parts.push_back(c.name() + ": " + TypeName(c.literal_type()));
      std::string name = "structured_dataset";
      if (!sd.format().empty()) name += "(" + sd.format() + ")";
      if (!parts.empty()) name += "{" + Joined(parts, ", ") + "}";
      return name;
    }
    case LiteralType::kUnionType:
      for (const auto& v : type.union_type().variants()) parts.push_back(TypeName(v));
      return "union<" + Joined(parts, " | ") + ">";
    default:
      return "unknown";
  }
}

}  // namespace flytebox::compiler
