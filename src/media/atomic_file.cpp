#include "media/atomic_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/ids.h"

namespace parley::media {
namespace fs = std::filesystem;
namespace {

Error io_error(std::string_view what, int err) {
  return make_error(Errc::internal, std::string(what) + ": " + std::strerror(err));
}

// Closes on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release_and_close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok_status();
}

// The rename is durable only once the directory entry is on disk.
Status sync_directory(const fs::path& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0) return io_error("open directory", errno);
  if (::fsync(d.get()) != 0) return io_error("fsync directory", errno);
  return ok_status();
}

}  // namespace

Status write_file_atomically(const fs::path& path, std::string_view bytes, const fs::path& tmp_dir) {
  std::error_code ec;
  fs::create_directories(tmp_dir, ec);
  if (ec) return make_error(Errc::internal, "create " + tmp_dir.string() + ": " + ec.message());
  fs::create_directories(path.parent_path(), ec);
  if (ec) return make_error(Errc::internal, "create " + path.parent_path().string() + ": " + ec.message());

  const fs::path tmp = tmp_dir / (new_id("w_") + ".tmp");
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (fd.get() < 0) return io_error("create temp file", errno);
  auto fail = [&tmp](Error e) -> Status {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return e;
  };
  if (auto s = write_all(fd.get(), bytes); !s) return fail(s.error());
  if (::fsync(fd.get()) != 0) return fail(io_error("fsync", errno));
  if (fd.release_and_close() != 0) return fail(io_error("close", errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(io_error("rename", errno));
  return sync_directory(path.parent_path());
}

Result<std::string> read_file(const fs::path& path, std::uint64_t offset, std::uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return make_error(Errc::not_found, "no such file");
    return io_error("open", errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("stat", errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset >= size) return std::string();
  std::string out(static_cast<std::size_t>(std::min(size - offset, max_bytes)), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", errno);
    }
    if (n == 0) break;  // shorter than stat said: another writer cannot do that, but be safe
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace parley::media
