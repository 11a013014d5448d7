# The NBD server session (actors/replica/nbd_server_session): included by this folder's
# CMakeLists.txt in a fuzz build.
hamesh_fuzz_target(nbd_request_fuzz hamesh_nbd_core)
