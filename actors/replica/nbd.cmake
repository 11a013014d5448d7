# The NBD export of a replicated volume (issue #8): the pure protocol core (fuzzed), and the
# epoll engine with the file-backed block device. Included from this folder's CMakeLists.txt.
add_library(hamesh_nbd_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/nbd_errc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nbd_server_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nbd_server_session_transmission.cpp
)
target_link_libraries(hamesh_nbd_core PUBLIC hamesh_core hamesh_warnings)

# Linux only, CAF-free: what an actor shell (or the runner below) owns.
add_library(hamesh_nbd_engine STATIC
  ${CMAKE_CURRENT_LIST_DIR}/nbd_export_engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nbd_export_connection.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_block_device.cpp
)
target_link_libraries(hamesh_nbd_engine PUBLIC hamesh_nbd_core hamesh_net Threads::Threads)

# tools/bench: the export of one file from the command line, and the sync-write benchmark.
add_executable(nbd_export_runner ${PROJECT_SOURCE_DIR}/tools/bench/nbd_export_runner.cpp)
target_link_libraries(nbd_export_runner PRIVATE hamesh_nbd_engine)
set_target_properties(nbd_export_runner PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
add_executable(nbd_sync_write_bench ${PROJECT_SOURCE_DIR}/tools/bench/nbd_sync_write_bench.cpp)
target_link_libraries(nbd_sync_write_bench PRIVATE hamesh_nbd_engine)
set_target_properties(nbd_sync_write_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
