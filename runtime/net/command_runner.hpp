#pragma once
// Runs an operator's command (a notify hook, a resource agent) without a shell, in the
// background, killing it when it outlives its timeout. The caller is told how it ended.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace hamesh::net {

struct command_outcome {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;  // valid when it exited; -1 when killed by a signal or not started
  std::string error;   // why it could not start
};

// Runs it on the calling thread; when `output` is set, stdout and stderr land there (the
// first 64 KiB). argv[0] is the program, looked up in PATH when it has no slash.
command_outcome run_command_blocking(const std::vector<std::string>& argv,
                                     std::chrono::nanoseconds timeout, std::string* output);

// argv[0] is the program. `done` runs on a background thread.
void run_command(std::vector<std::string> argv, std::chrono::nanoseconds timeout,
                 std::function<void(command_outcome)> done);

}  // namespace hamesh::net
