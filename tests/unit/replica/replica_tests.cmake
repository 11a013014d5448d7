# The replication core (actors/replica, issue #8), included by tests/CMakeLists.txt.
hamesh_unit_test(unit_replica replica
  unit/replica/generation_ids_test.cpp
  unit/replica/split_brain_policy_test.cpp
  unit/replica/dirty_bitmap_test.cpp
  unit/replica/replica_frame_codec_test.cpp
  unit/replica/replica_core_test.cpp
  unit/replica/replica_resync_test.cpp)
target_link_libraries(unit_replica PRIVATE hamesh_replica_core)

# Two nodes on loopback with a replicated volume, real NBD clients (qemu-io and a raw client).
hamesh_integration_test(replica_pair_test replica ${CMAKE_BINARY_DIR}/bin)
# ext4 on a volume across a primary crash (root: FUSE and loop devices; exits 77 elsewhere).
hamesh_integration_test(replica_ext4_test "replica;root" ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(replica_ext4_test PROPERTIES SKIP_RETURN_CODE 77)
