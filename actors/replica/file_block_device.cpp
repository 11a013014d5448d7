#include "actors/replica/file_block_device.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hamesh::replica {
namespace {

block_status from_errno(int e) {
  // proto.md "Error values": EDQUOT and EFBIG SHOULD be reported as ENOSPC.
  if (e == ENOSPC || e == EDQUOT || e == EFBIG) return block_status::no_space;
  if (e == EROFS || e == EPERM || e == EACCES) return block_status::read_only;
  if (e == EINVAL) return block_status::invalid;
  return block_status::io_error;
}

// All of [at, at + size) or the first error.
template <typename Call>
block_status whole(char* buffer, size_t size, uint64_t at, Call call) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = call(buffer + done, size - done, off_t(at + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return from_errno(errno);
    }
    if (n == 0) return block_status::io_error;  // the file shrank under us
    done += size_t(n);
  }
  return block_status::ok;
}

}  // namespace

std::unique_ptr<file_block_device> file_block_device::open(const settings& s, std::string& error) {
  int flags = (s.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  if (s.create && !s.read_only) flags |= O_CREAT;
  int fd = ::open(s.path.c_str(), flags, 0600);
  auto fail = [&](const char* what) {
    error = std::string(what) + " " + s.path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return nullptr;
  };
  if (fd < 0) return fail("open");
  struct stat st {};
  if (::fstat(fd, &st) < 0) return fail("fstat");
  uint64_t current = uint64_t(st.st_size);
  if (S_ISBLK(st.st_mode)) {
    off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) return fail("lseek");
    current = uint64_t(end);
  }
  uint64_t size = s.size ? s.size : current;
  if (size == 0) {
    errno = EINVAL;
    return fail("empty export (no --size and an empty file)");
  }
  if (current < size) {
    if (s.read_only || S_ISBLK(st.st_mode)) {
      errno = EINVAL;
      return fail("file smaller than the export size");
    }
    if (::ftruncate(fd, off_t(size)) < 0) return fail("ftruncate");
  }
  std::unique_ptr<file_block_device> device(new file_block_device(fd, size, s.read_only));
  if (s.direct) {
    int direct = ::open(s.path.c_str(), (s.read_only ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
    if (direct < 0) {
      error = "open " + s.path + " with O_DIRECT: " + std::strerror(errno) +
              (errno == EINVAL ? " (the file system has no direct I/O: set direct = false)" : "");
      return nullptr;
    }
    device->direct_fd_ = direct;
    device->direct_align_ = 4096;  // every logical block size up to 4 KiB, the page size
#ifdef STATX_DIOALIGN
    // Linux 6.1 says what the file system needs; older kernels leave the mask unset.
    struct statx sx {};
    if (::statx(direct, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
        (sx.stx_mask & STATX_DIOALIGN)) {
      if (sx.stx_dio_offset_align == 0) {
        // The file system says it has no direct I/O for this file after all.
        errno = EINVAL;
        error = "open " + s.path + " with O_DIRECT: the file system has no direct I/O for it" +
                " (set direct = false)";
        return nullptr;
      }
      device->direct_align_ =
          std::max<size_t>({sx.stx_dio_offset_align, sx.stx_dio_mem_align, 512});
    }
#endif
  }
  return device;
}

file_block_device::file_block_device(int fd, uint64_t size, bool read_only)
    : fd_(fd), size_(size), read_only_(read_only) {}

file_block_device::~file_block_device() {
  ::close(fd_);
  if (direct_fd_ >= 0) ::close(direct_fd_);
}

bool file_block_device::direct_fits(uint64_t offset, size_t length) const {
  return direct_fd_ >= 0 && length > 0 && offset % direct_align_ == 0 &&
         length % direct_align_ == 0;
}

char* file_block_device::aligned_buffer(size_t size) {
  if (size > buffer_size_) {
    void* p = nullptr;
    if (::posix_memalign(&p, std::max<size_t>(direct_align_, 4096), size) != 0) return nullptr;
    buffer_ = std::unique_ptr<char, void (*)(void*)>(static_cast<char*>(p), std::free);
    buffer_size_ = size;
  }
  return buffer_.get();
}

block_status file_block_device::durable_write(int fd, const char* bytes, size_t size, uint64_t at) {
  char* data = const_cast<char*>(bytes);  // only ever read: whole() serves reads too
  if (have_dsync_write_) {
    // One call that returns once this write is durable (what FUA asks), rather than a write
    // and an fdatasync of the whole file. Kernels before 4.7 refuse the flag.
    bool unsupported = false;
    block_status s = whole(data, size, at, [&](char* p, size_t n, off_t offset) {
      iovec v{p, n};
      ssize_t k = ::pwritev2(fd, &v, 1, offset, RWF_DSYNC);
      unsupported = k < 0 && (errno == EOPNOTSUPP || errno == ENOSYS);
      return k;
    });
    if (!unsupported) return s;
    have_dsync_write_ = false;
  }
  block_status s = whole(
      data, size, at, [&](char* p, size_t n, off_t offset) { return ::pwrite(fd, p, n, offset); });
  // Also after a direct write: the device may hold it in its volatile cache.
  return s == block_status::ok ? sync() : s;
}

block_status file_block_device::direct_write(std::string_view data, uint64_t offset) {
  char* b = aligned_buffer(data.size());
  if (b) {
    std::memcpy(b, data.data(), data.size());
    block_status s = durable_write(direct_fd_, b, data.size(), offset);
    // EINVAL is the direct path refusing (an alignment the kernel wants otherwise), not the
    // disk failing: this write and every later one go through the page cache instead.
    if (s != block_status::invalid) return s;
    ::close(direct_fd_);
    direct_fd_ = -1;
  }
  return durable_write(fd_, data.data(), data.size(), offset);
}

block_status file_block_device::write_at(std::string_view data, uint64_t offset, bool fua) {
  if (offset > size_ || data.size() > size_ - offset) return block_status::invalid;
  if (read_only_) return block_status::read_only;
  // Durable writes only: an ordinary write is cached until the next flush, so bulk writes
  // (a resync, a client's unflushed stream) are batched by writeback, not one device round
  // trip each.
  if (fua && direct_fits(offset, data.size())) return direct_write(data, offset);
  if (fua) return durable_write(fd_, data.data(), data.size(), offset);
  char* p = const_cast<char*>(data.data());
  return whole(p, data.size(), offset,
               [&](char* b, size_t n, off_t at) { return ::pwrite(fd_, b, n, at); });
}

block_device_info file_block_device::info() const {
  block_device_info i;
  i.size = size_;
  i.read_only = read_only_;
  i.supports_trim = true;
  i.supports_write_zeroes = true;
  // One descriptor, one page cache: fdatasync covers every connection's completed writes.
  i.flush_covers_all_writers = true;
  return i;
}

void file_block_device::submit(block_request request, block_completion_sink& sink) {
  block_completion done;
  done.id = request.id;
  done.status = run(request, done.data);
  if (done.status != block_status::ok) done.data.clear();
  sink.on_block_completion(std::move(done));
}

block_status file_block_device::sync() {
  while (::fdatasync(fd_) < 0) {
    if (errno != EINTR) return from_errno(errno);
  }
  return block_status::ok;
}

block_status file_block_device::run(block_request& r, std::string& data) {
  if (r.offset > size_ || r.length > size_ - r.offset) return block_status::invalid;
  bool writes = r.op != block_op::read && r.op != block_op::flush;
  if (writes && read_only_) return block_status::read_only;
  switch (r.op) {
    case block_op::read:
      data.resize(r.length);
      return whole(data.data(), data.size(), r.offset,
                   [&](char* p, size_t n, off_t at) { return ::pread(fd_, p, n, at); });
    case block_op::write: {
      if (r.data.size() != r.length) return block_status::invalid;
      return write_at(r.data, r.offset, r.fua);
    }
    case block_op::flush:
      return sync();
    case block_op::trim: {
      // A hint (proto.md "NBD_CMD_TRIM"): a file system without hole punching just keeps it.
      if (have_punch_hole_ && ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                          off_t(r.offset), off_t(r.length)) < 0) {
        if (errno != EOPNOTSUPP) return from_errno(errno);
        have_punch_hole_ = false;
      }
      return r.fua ? sync() : block_status::ok;
    }
    case block_op::write_zeroes: {
      block_status s = write_zeroes(r);
      if (s == block_status::ok && r.fua) s = sync();
      return s;
    }
  }
  return block_status::invalid;
}

block_status file_block_device::write_zeroes(const block_request& r) {
  // Without NO_HOLE a punched hole reads as zeroes and frees the space; with it the range
  // must stay allocated: ZERO_RANGE, else zeroes written out.
  if (r.may_punch_hole && have_punch_hole_) {
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(r.offset),
                    off_t(r.length)) == 0)
      return block_status::ok;
    if (errno != EOPNOTSUPP) return from_errno(errno);
    have_punch_hole_ = false;
  }
  if (have_zero_range_) {
    if (::fallocate(fd_, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off_t(r.offset),
                    off_t(r.length)) == 0)
      return block_status::ok;
    if (errno != EOPNOTSUPP) return from_errno(errno);
    have_zero_range_ = false;
  }
  std::string zeroes(std::min<uint64_t>(r.length, 1u << 20), '\0');
  for (uint64_t done = 0; done < r.length;) {
    size_t n = size_t(std::min<uint64_t>(zeroes.size(), r.length - done));
    block_status s = whole(zeroes.data(), n, r.offset + done,
                           [&](char* p, size_t k, off_t at) { return ::pwrite(fd_, p, k, at); });
    if (s != block_status::ok) return s;
    done += n;
  }
  return block_status::ok;
}

}  // namespace hamesh::replica
