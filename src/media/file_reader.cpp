#include "media/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace parley::media {

Result<std::unique_ptr<FileReader>> FileReader::open(const std::filesystem::path& path,
                                                     std::uint64_t offset, std::uint64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return make_error(Errc::not_found, "no such file");
    return make_error(Errc::internal, std::string("open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(Errc::internal, std::string("stat: ") + std::strerror(err));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t size = offset >= file_size ? 0 : std::min(file_size - offset, length);
  // Sequential: the kernel may read ahead of us.
  ::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(size), POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<FileReader>(new FileReader(fd, offset, size));
}

FileReader::~FileReader() { ::close(fd_); }

Result<std::size_t> FileReader::read(char* out, std::size_t max) {
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(max, left_));
  if (want == 0) return std::size_t{0};
  for (;;) {
    const ssize_t n = ::pread(fd_, out, want, static_cast<off_t>(next_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::internal, std::string("read: ") + std::strerror(errno));
    // 0 before the end: the file shrank, which a blob never does; the
    // caller sees an early end.
    next_ += static_cast<std::uint64_t>(n);
    left_ -= static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
}

}  // namespace parley::media
