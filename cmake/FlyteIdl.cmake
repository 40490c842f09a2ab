# Builds the Flyte IDL (messages + gRPC services) into one static library, `flyteidl`,
# from the pinned npm packages in idl/ (installed by scripts/install-deps.sh).
# Only the proto files the engine serves, and what they import, are compiled.

set(FLYTEBOX_IDL_MODULES "${PROJECT_SOURCE_DIR}/idl/node_modules" CACHE PATH
    "node_modules folder holding @flyteorg/flyteidl and google-proto-files")
set(_flyte_src "${FLYTEBOX_IDL_MODULES}/@flyteorg/flyteidl/protos")
set(_google_src "${FLYTEBOX_IDL_MODULES}/google-proto-files")
if(NOT EXISTS "${_flyte_src}/flyteidl/service/admin.proto" OR
   NOT EXISTS "${_google_src}/google/api/annotations.proto")
  message(FATAL_ERROR "The Flyte IDL protos are missing under ${FLYTEBOX_IDL_MODULES}. "
                      "Run scripts/install-deps.sh (or `npm ci` in idl/) first.")
endif()

find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
# The system's python3 (standard library only), not whichever Python runs the build: a wheel
# build (pip, scikit-build-core) runs in a throwaway environment and may share this tree.
find_program(FLYTEBOX_IDL_PYTHON NAMES python3 HINTS /usr/bin REQUIRED)

set(_flyte_protos
  admin/cluster_assignment admin/common admin/description_entity admin/event
  admin/execution admin/launch_plan admin/matchable_resource admin/node_execution
  admin/project admin/project_attributes admin/project_domain_attributes admin/schedule
  admin/signal admin/task admin/task_execution admin/version admin/workflow
  admin/workflow_attributes
  core/artifact_id core/catalog core/compiler core/condition core/dynamic_job core/errors
  core/execution core/execution_envs core/identifier core/interface core/literals
  core/metrics core/security core/tasks core/types core/workflow
  event/event plugins/array_job)
set(_flyte_services admin auth dataproxy identity signal)

set(_proto_dir "${CMAKE_BINARY_DIR}/idl/protos")
set(_gen_dir "${CMAKE_BINARY_DIR}/idl/gen")
file(MAKE_DIRECTORY "${_proto_dir}" "${_gen_dir}")

set(_rel_files "")
foreach(p IN LISTS _flyte_protos)
  list(APPEND _rel_files "flyteidl/${p}.proto")
endforeach()
foreach(s IN LISTS _flyte_services)
  list(APPEND _rel_files "flyteidl/service/${s}.proto")
endforeach()

set(_stripped "")
set(_originals "")
foreach(f IN LISTS _rel_files)
  list(APPEND _stripped "${_proto_dir}/${f}")
  list(APPEND _originals "${_flyte_src}/${f}")
endforeach()
add_custom_command(
  OUTPUT ${_stripped}
  COMMAND "${FLYTEBOX_IDL_PYTHON}" "${PROJECT_SOURCE_DIR}/idl/strip_openapi.py"
          "${_flyte_src}" "${_proto_dir}" ${_rel_files}
  DEPENDS ${_originals} "${PROJECT_SOURCE_DIR}/idl/strip_openapi.py"
  COMMENT "Preparing Flyte IDL protos")

set(_srcs "")
set(_hdrs "")
# One protoc call per file keeps rebuilds local; gRPC stubs only for services.
function(_flytebox_protoc rel include_dir with_grpc)
  string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
  set(outs "${_gen_dir}/${stem}.pb.cc" "${_gen_dir}/${stem}.pb.h")
  set(args "--cpp_out=${_gen_dir}")
  if(with_grpc)
    list(APPEND outs "${_gen_dir}/${stem}.grpc.pb.cc" "${_gen_dir}/${stem}.grpc.pb.h")
    list(APPEND args "--grpc_out=${_gen_dir}" "--plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}")
  endif()
  add_custom_command(
    OUTPUT ${outs}
    COMMAND protobuf::protoc ${args} -I "${_proto_dir}" -I "${_google_src}" "${include_dir}/${rel}"
    DEPENDS "${include_dir}/${rel}" ${_stripped}
    COMMENT "protoc ${rel}")
  set(_srcs ${_srcs} ${outs} PARENT_SCOPE)
endfunction()

foreach(f IN LISTS _rel_files)
  string(FIND "${f}" "flyteidl/service/" is_service)
  if(is_service EQUAL 0)
    _flytebox_protoc("${f}" "${_proto_dir}" ON)
  else()
    _flytebox_protoc("${f}" "${_proto_dir}" OFF)
  endif()
endforeach()
foreach(f google/api/annotations.proto google/api/http.proto)
  _flytebox_protoc("${f}" "${_google_src}" OFF)
endforeach()

add_library(flyteidl STATIC ${_srcs})
target_include_directories(flyteidl SYSTEM PUBLIC "${_gen_dir}")
target_link_libraries(flyteidl PUBLIC protobuf::libprotobuf gRPC::grpc++)
# Generated code is not ours to warn about.
target_compile_options(flyteidl PRIVATE -w)
