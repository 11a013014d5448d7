#pragma once
// An eventfd that wakes an epoll (or poll) loop from another thread: the loop watches fd()
// for input and calls clear() when it fires; any thread calls wake(). Wake-ups before the
// loop looks add up to one. Closed with the object. CAF-free.
namespace hamesh::net {

class wake_event {
 public:
  wake_event();
  ~wake_event();
  wake_event(const wake_event&) = delete;
  wake_event& operator=(const wake_event&) = delete;

  bool ok() const { return fd_ >= 0; }  // false: eventfd failed (errno says why)
  int fd() const { return fd_; }
  void wake() const;
  void clear() const;

 private:
  int fd_;
};

}  // namespace hamesh::net
