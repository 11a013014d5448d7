# The replication core's wire and stored formats (actors/replica), included by
# tests/fuzz/CMakeLists.txt.
hamesh_fuzz_target(replica_frame_fuzz hamesh_replica_core)
