# The mail proxy's pure core (actors/proxy/mail), included by tests/CMakeLists.txt.
hamesh_unit_test(unit_mail mail unit/mail/imap_command_reader_test.cpp
  unit/mail/imap_prelogin_test.cpp unit/mail/pop3_prelogin_test.cpp
  unit/mail/imap_backend_login_test.cpp unit/mail/pop3_backend_login_test.cpp
  unit/mail/mail_core_helpers_test.cpp unit/mail/base64_test.cpp
  unit/mail/mail_directory_test.cpp)
target_link_libraries(unit_mail PRIVATE hamesh_mail_core)
