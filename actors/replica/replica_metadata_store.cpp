#include "actors/replica/replica_metadata_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hamesh::replica {
namespace {

std::string errno_text(const char* call, const std::string& path) {
  return std::string(call) + " " + path + ": " + std::strerror(errno);
}

// The whole file, or nullopt when it does not exist; `error` on any other failure.
std::optional<std::string> read_file(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) error = errno_text("open", path);
    return std::nullopt;
  }
  std::string out;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno_text("read", path);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(chunk, size_t(n));
  }
  ::close(fd);
  return out;
}

bool write_all(int fd, std::string_view bytes, off_t at) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(size_t(n));
    at += n;
  }
  return true;
}

}  // namespace

replica_metadata_store::replica_metadata_store(std::string metadata_path)
    : metadata_path_(std::move(metadata_path)), bitmap_path_(metadata_path_ + ".bitmap") {}

replica_metadata_store::~replica_metadata_store() {
  if (bitmap_fd_ >= 0) ::close(bitmap_fd_);
}

replica_metadata_store::loaded replica_metadata_store::load(uint64_t volume_size,
                                                            uint64_t region_size) {
  loaded out;
  std::string error;
  auto meta = read_file(metadata_path_, error);
  if (!error.empty()) {
    out.error = error;
    return out;
  }
  if (!meta) {
    out.fresh = true;
  } else {
    auto m = decode_replica_metadata(*meta);
    if (!m.metadata) {
      // Guessing a generation could hand stale data to a client: refuse to start.
      out.error = metadata_path_ + ": " + m.bad_because;
      return out;
    }
    out.metadata = *m.metadata;
  }
  auto bits = read_file(bitmap_path_, error);
  if (!error.empty()) {
    out.error = error;
    return out;
  }
  if (bits) {
    out.bitmap = decode_dirty_bitmap(*bits, volume_size, region_size);
  } else if (out.fresh) {
    out.bitmap.bitmap = dirty_bitmap(volume_size, region_size);  // nothing written yet
  } else {
    out.bitmap.untrusted_because = bitmap_path_ + " is missing";
  }
  return out;
}

std::string replica_metadata_store::save_metadata(const replica_metadata& m) {
  auto tmp = metadata_path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_text("open", tmp);
  bool ok = write_all(fd, m.encode(), 0) && ::fdatasync(fd) == 0;
  std::string error = ok ? "" : errno_text("write", tmp);
  ::close(fd);
  if (!ok) return error;
  if (::rename(tmp.c_str(), metadata_path_.c_str()) != 0) return errno_text("rename", tmp);
  // The rename is durable only once the folder is.
  auto dir = std::filesystem::path(metadata_path_).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

std::string replica_metadata_store::save_bitmap(std::string_view encoded) {
  if (bitmap_fd_ < 0) {
    bitmap_fd_ = ::open(bitmap_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (bitmap_fd_ < 0) return errno_text("open", bitmap_path_);
  }
  if (!write_all(bitmap_fd_, encoded, 0) || ::ftruncate(bitmap_fd_, off_t(encoded.size())) != 0 ||
      ::fdatasync(bitmap_fd_) != 0)
    return errno_text("write", bitmap_path_);
  ++bitmap_writes_;
  return "";
}

}  // namespace hamesh::replica
