# The pure replication core of replicated volumes (issue #8): generation ids and the sync
# decision, split-brain policies, the dirty bitmap, the wire frames and the state machine of
# one member. No sockets, threads or CAF: the engine and the actor drive it.
add_library(hamesh_replica_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/replica_errc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/region_checksum.cpp
  ${CMAKE_CURRENT_LIST_DIR}/generation_ids.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sync_decision.cpp
  ${CMAKE_CURRENT_LIST_DIR}/split_brain_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dirty_bitmap.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_metadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_frame_codec.cpp)
target_link_libraries(hamesh_replica_core PUBLIC hamesh_core hamesh_warnings OpenSSL::Crypto)
target_sources(hamesh_replica_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/replica_settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io_order.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_core.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_core_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_core_resync.cpp)
