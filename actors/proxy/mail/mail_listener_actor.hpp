#pragma once
// A [[proxy.mail]] listener's actor: owns its mail_engine (connections live there, on a
// thread of its own), feeds it the verdicts of the pairs' member probes, drains it on a
// graceful stop, and answers `hameshctl proxies` with connections by state, logins and each
// member's sessions. A reload (mail_update_atom) takes every change live: a new engine takes
// the listening socket over; the old one lets its clients finish their logins and keeps its
// proxied sessions (up to 10 minutes, then they are cut and reconnect).
#include <caf/fwd.hpp>

#include <string>

#include "actors/proxy/mail/mail_proxy_config.hpp"

namespace hamesh::proxy::mail {

caf::actor spawn_mail_listener(caf::local_actor* parent, const std::string& path,
                               const mail_listener_config& cfg);

}  // namespace hamesh::proxy::mail
