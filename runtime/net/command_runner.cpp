#include "runtime/net/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace hamesh::net {

command_outcome run_command_blocking(const std::vector<std::string>& argv,
                                     std::chrono::nanoseconds timeout, std::string* output) {
  command_outcome out;
  if (argv.empty()) {
    out.error = "empty command";
    return out;
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (output && ::pipe2(pipe_fds, O_CLOEXEC) == 0) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  }
  pid_t pid = 0;
  // posix_spawnp: a bare program name is looked up in PATH, as a shell would.
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    out.error = std::string("cannot run ") + argv[0] + ": " + std::strerror(rc);
    return out;
  }
  out.started = true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (pipe_fds[0] >= 0) {
      // Keep reading so that a chatty command never blocks on a full pipe.
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (::poll(&p, 1, 5) > 0) {
        char buf[4096];
        auto n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n > 0 && output->size() < (1 << 16)) output->append(buf, size_t(n));
        if (n == 0) {
          ::close(pipe_fds[0]);
          pipe_fds[0] = -1;
        }
      }
    }
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      out.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    if (pipe_fds[0] < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (pipe_fds[0] >= 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0)
      if (output->size() < (1 << 16)) output->append(buf, size_t(n));
    ::close(pipe_fds[0]);
  }
  if (!out.timed_out && WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  return out;
}

void run_command(std::vector<std::string> argv, std::chrono::nanoseconds timeout,
                 std::function<void(command_outcome)> done) {
  std::thread([argv = std::move(argv), timeout, done = std::move(done)] {
    done(run_command_blocking(argv, timeout, nullptr));
  }).detach();
}

}  // namespace hamesh::net
