#include "runtime/metrics/metrics_server.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"
#include "runtime/metrics/prometheus_text.hpp"
#include "runtime/metrics/request_head.hpp"

namespace hamesh::metrics {
namespace {

// A scrape that takes longer than this gets 504: Prometheus' own default timeout is 10 s.
constexpr auto scrape_timeout = std::chrono::seconds(5);

struct server_state {
  std::string path;
  std::string listen;
  caf::actor node;
  std::map<caf::io::connection_handle, std::string> pending;  // bytes of unfinished heads
  uint64_t scrapes = 0;
  uint64_t bad_requests = 0;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::io::stateful_broker<server_state>*;

void respond(self_ptr self, caf::io::connection_handle hdl, int status, const std::string& reason,
             const std::string& content_type, const std::string& body) {
  std::string head =
      "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + content_type +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  auto& buf = self->wr_buf(hdl);
  buf.insert(buf.end(), head.begin(), head.end());
  buf.insert(buf.end(), body.begin(), body.end());
  self->flush(hdl);
  self->close(hdl);
}

caf::behavior metrics_server(self_ptr self, std::string path, std::string host, uint16_t port,
                             caf::actor node) {
  auto& st = self->state;
  st.path = std::move(path);
  st.node = std::move(node);
  st.log = logging::get(st.path);
  auto doorman = self->add_tcp_doorman(port, host.c_str(), true);
  if (!doorman) {
    st.log->error("cannot listen on {}:{}: {}", host, port, describe(doorman.error()));
    self->quit(doorman.error());
    return {};
  }
  st.listen = host + ":" + std::to_string(doorman->second);
  st.log->info("serving /metrics on http://{}/metrics", st.listen);
  return {
      [=](const caf::io::new_connection_msg& msg) {
        self->state.pending[msg.handle];
        self->configure_read(msg.handle, caf::io::receive_policy::at_most(4096));
      },
      [=](caf::io::new_data_msg& msg) {
        auto& st = self->state;
        auto& buf = st.pending[msg.handle];
        buf.append(msg.buf.begin(), msg.buf.end());
        auto head = parse_request_head(buf);
        if (head.status == request_head::result::need_more) return;
        auto hdl = msg.handle;
        st.pending.erase(hdl);
        self->halt(hdl);  // nothing more is read from a scrape connection
        if (head.status == request_head::result::bad) {
          ++st.bad_requests;
          const char* reason = head.error_status == 414   ? "URI Too Long"
                               : head.error_status == 431 ? "Request Header Fields Too Large"
                                                          : "Bad Request";
          respond(self, hdl, head.error_status, reason, "text/plain", std::string(reason) + "\n");
          return;
        }
        if (head.method != "GET" && head.method != "HEAD") {
          respond(self, hdl, 405, "Method Not Allowed", "text/plain", "use GET\n");
          return;
        }
        if (head.target != "/metrics") {
          respond(self, hdl, 404, "Not Found", "text/plain", "try /metrics\n");
          return;
        }
        ++st.scrapes;
        bool head_only = head.method == "HEAD";
        self->request(st.node, scrape_timeout, state_atom_v, std::string())
            .then(
                [=](actor_state& tree) {
                  auto body = render_prometheus(tree);
                  if (head_only) body.clear();
                  respond(self, hdl, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
                },
                [=](caf::error& err) {
                  respond(self, hdl, 504, "Gateway Timeout", "text/plain",
                          "state query failed: " + describe(err) + "\n");
                });
      },
      [=](const caf::io::connection_closed_msg& msg) { self->state.pending.erase(msg.handle); },
      [=](const caf::io::acceptor_closed_msg&) {
        self->quit(caf::make_error(caf::sec::runtime_error, "metrics listener closed"));
      },
      [=](state_atom, const std::string&) {
        auto& st = self->state;
        actor_state s;
        s.fields_json =
            nlohmann::json{
                {"listen", st.listen},
                {"scrapes", st.scrapes},
                {"bad_requests", st.bad_requests},
                {"metrics",
                 {metric("metrics_scrapes_total", "counter", "Scrapes of /metrics answered.",
                         st.scrapes),
                  metric("metrics_bad_requests_total", "counter",
                         "Malformed requests to the metrics endpoint.", st.bad_requests)}}}
                .dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_metrics_server(caf::local_actor* parent, const std::string& path,
                                const std::string& host, uint16_t port) {
  auto node = caf::actor_cast<caf::actor>(parent);
  return parent->system().middleman().spawn_broker(metrics_server, path, host, port, node);
}

}  // namespace hamesh::metrics
