# The heartbeat pure core (issue #9, actors/heartbeat): included by tests/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/unit/heartbeat/heartbeat_tests.cmake OPTIONAL)
hamesh_unit_test(unit_heartbeat heartbeat
  unit/heartbeat/heartbeat_codec_test.cpp
  unit/heartbeat/replay_guard_test.cpp
  unit/heartbeat/heartbeat_intake_test.cpp
  unit/heartbeat/heartbeat_settings_test.cpp
  unit/heartbeat/heartbeat_sender_test.cpp
  unit/heartbeat/heartbeat_monitor_test.cpp
  unit/heartbeat/takeover_plan_test.cpp
  unit/heartbeat/pair_arbiter_test.cpp
  unit/heartbeat/heartbeat_config_test.cpp)
target_link_libraries(unit_heartbeat PRIVATE hamesh_heartbeat_core hamesh_config)
target_compile_definitions(unit_heartbeat PRIVATE MSGPACK_NO_BOOST)
# Heartbeats over the CAF mesh, on loopback (no privileges).
hamesh_integration_test(heartbeat_mesh_test heartbeat ${CMAKE_BINARY_DIR}/bin)
