# layers.cmake: the source folders are layers, and the build enforces it.
#
#   core < field < expr < model < (cells) < sim < run < cli (and sweep)
#   io beside them, on core and field's grid.h only
#
# Each folder src/<layer> is a CMake OBJECT library rs_<layer> that sees
#   - its own public headers and those of the layers it depends on, through a
#     per-layer include directory build/layers/<layer>/regensim/ of symbolic
#     links to include/regensim/<header>, and
#   - its own private headers (src/<layer>/*.h, included as "<layer>/x.h")
#     through build/layers/<layer>/private/<layer> -> src/<layer>,
# and nothing else of the project. An #include that points upward, or into
# another layer's private headers, therefore fails to compile. The test
# `layers` (tests/layers_test.sh) states the same rule over the include
# lines, so a reader sees it without building. libregensim is the union of
# the layers' objects.
#
# rs_layer(NAME [SOURCES ...] [HEADERS h.h ...] [DEPENDS layer ...]
#          [EXTRA_HEADERS h.h ...] [LIBS target ...])
#   HEADERS        public headers (include/regensim/) this layer owns
#   DEPENDS        layers below it whose public headers it may include
#   EXTRA_HEADERS  single public headers of other layers it may include
#                  (io: grid.h) without seeing the rest of their layer
#   LIBS           external libraries it compiles against
set(RS_LAYER_DIR ${PROJECT_BINARY_DIR}/layers)
set(RS_LAYERS "")

function(_rs_layer_link src dst)
  get_filename_component(_dir ${dst} DIRECTORY)
  file(MAKE_DIRECTORY ${_dir})
  file(CREATE_LINK ${src} ${dst} SYMBOLIC)
endfunction()

# The path of a public header: generated ones (version.h) live in the
# build tree.
function(_rs_header_path h out)
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/regensim/${h})
    set(${out} ${PROJECT_SOURCE_DIR}/include/regensim/${h} PARENT_SCOPE)
  else()
    set(${out} ${PROJECT_BINARY_DIR}/include/regensim/${h} PARENT_SCOPE)
  endif()
endfunction()

function(rs_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;HEADERS;DEPENDS;EXTRA_HEADERS;LIBS" ${ARGN})
  set(pub ${RS_LAYER_DIR}/${name}/public)
  set(priv ${RS_LAYER_DIR}/${name}/private)
  file(REMOVE_RECURSE ${RS_LAYER_DIR}/${name})
  foreach(h ${L_HEADERS})
    _rs_header_path(${h} path)
    _rs_layer_link(${path} ${pub}/regensim/${h})
  endforeach()
  if(EXISTS ${PROJECT_SOURCE_DIR}/src/${name})
    _rs_layer_link(${PROJECT_SOURCE_DIR}/src/${name} ${priv}/${name})
  endif()
  # Headers borrowed from another layer get a directory of their own, so
  # the rest of that layer stays out of sight.
  if(L_EXTRA_HEADERS)
    set(extra ${RS_LAYER_DIR}/${name}/borrowed)
    foreach(h ${L_EXTRA_HEADERS})
      _rs_header_path(${h} path)
      _rs_layer_link(${path} ${extra}/regensim/${h})
    endforeach()
  endif()
  add_library(rs_${name} OBJECT ${L_SOURCES})
  target_include_directories(rs_${name} INTERFACE ${pub} PRIVATE ${pub} ${priv})
  if(L_EXTRA_HEADERS)
    target_include_directories(rs_${name} PRIVATE ${extra})
  endif()
  foreach(d ${L_DEPENDS})
    target_link_libraries(rs_${name} PUBLIC rs_${d})
  endforeach()
  target_link_libraries(rs_${name} PRIVATE ${L_LIBS})
  target_compile_definitions(rs_${name} PRIVATE RS_BUILDING_LIBRARY)
  set_target_properties(rs_${name} PROPERTIES C_VISIBILITY_PRESET hidden
                        POSITION_INDEPENDENT_CODE ${BUILD_SHARED_LIBS})
  set(RS_LAYERS ${RS_LAYERS} ${name} PARENT_SCOPE)
endfunction()
