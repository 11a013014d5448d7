#include "runtime/net/command_runner.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace hamesh::net {

void run_command(std::vector<std::string> argv, std::chrono::nanoseconds timeout,
                 std::function<void(command_outcome)> done) {
  std::thread([argv = std::move(argv), timeout, done = std::move(done)] {
    command_outcome out;
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
    if (rc != 0) {
      out.error = std::string("cannot run ") + argv[0] + ": " + std::strerror(rc);
      return done(out);
    }
    out.started = true;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        out.timed_out = true;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!out.timed_out && WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
    done(out);
  }).detach();
}

}  // namespace hamesh::net
