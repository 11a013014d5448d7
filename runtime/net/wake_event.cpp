#include "runtime/net/wake_event.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace hamesh::net {

wake_event::wake_event() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

wake_event::~wake_event() {
  if (fd_ >= 0) ::close(fd_);
}

void wake_event::wake() const {
  uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof one);  // a full counter still wakes the loop
}

void wake_event::clear() const {
  uint64_t count;
  (void)!::read(fd_, &count, sizeof count);  // nonblocking: nothing pending is fine
}

}  // namespace hamesh::net
