#include "actors/proxy/mail/login_request.hpp"

#include <utility>

namespace hamesh::proxy::mail {

std::optional<login_request> make_login_request(login_request::mechanism how, std::string authzid,
                                                std::string authcid, std::string password,
                                                mail_errc& why) {
  std::optional<mail_user> user = parse_mail_user(authzid.empty() ? authcid : authzid);
  if (!user || (!authzid.empty() && !parse_mail_user(authcid))) {
    why = mail_errc::bad_username;
    return std::nullopt;
  }
  if (password.empty()) {
    why = mail_errc::empty_password;
    return std::nullopt;
  }
  login_request request;
  request.how = how;
  request.user = std::move(*user);
  request.authcid = std::move(authcid);
  request.authzid = std::move(authzid);
  request.password = std::move(password);
  return request;
}

}  // namespace hamesh::proxy::mail
