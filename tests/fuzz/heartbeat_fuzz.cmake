# The heartbeat core's fuzz target (issue #9); included by tests/fuzz/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/heartbeat_fuzz.cmake OPTIONAL)
hamesh_fuzz_target(heartbeat_message_fuzz hamesh_heartbeat_core)
