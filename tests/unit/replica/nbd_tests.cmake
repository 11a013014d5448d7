# The NBD export (actors/replica/nbd_*, file_block_device): the session's tables, the file
# device, the engine over loopback with a device completing from another thread; and the
# integration test with real NBD clients (qemu-io, nbdinfo, nbdcopy, nbdfuse + ext4).
hamesh_unit_test(unit_nbd replica
  unit/replica/nbd_server_session_test.cpp
  unit/replica/nbd_transmission_test.cpp
  unit/replica/file_block_device_test.cpp
  unit/replica/nbd_export_engine_test.cpp)
target_link_libraries(unit_nbd PRIVATE hamesh_nbd_engine)

hamesh_integration_test(nbd_export_test replica ${CMAKE_BINARY_DIR}/bin)
# Exits 77 (skipped) when a required NBD client is not installed.
set_tests_properties(nbd_export_test PROPERTIES SKIP_RETURN_CODE 77)
