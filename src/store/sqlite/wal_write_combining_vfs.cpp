#include "store/sqlite/wal_write_combining_vfs.h"

#include "store/sqlite/sqlite_library.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

namespace parley::store::sqlite {

namespace {

constexpr const char* kName = "parley_wal_combining";
// A group commit of a few hundred pages is 1-2 MiB; anything larger (a
// migration, a spilled transaction) goes out in pieces of this size.
constexpr std::size_t kMaxBuffered = 8u << 20;
// The unix VFS writes at most 128 KiB - 1 per call: it masks the length
// with 0x1ffff, so a larger write can come out as a zero-length one, which
// it reports as "disk full". Hand it pieces that fit.
constexpr std::size_t kMaxWrite = 64u << 10;
// A WAL file grows in steps of this many zero bytes, written ahead of the
// frames. A commit that appends past the end of the file changes its size,
// so its fdatasync must also commit the file system's journal; one into
// bytes already written does not. On this machine's ext4 that is 0.95 ms
// against 0.43 ms per light-load commit (a fresh WAL against one grown by
// an earlier run). PostgreSQL zero-fills its WAL segments for the same
// reason. SQLite reads a WAL only up to its first invalid frame, so a zero
// tail is like the old frames a reused WAL keeps after a checkpoint.
constexpr sqlite3_int64 kGrowBy = 256 << 10;
const char kZeros[kMaxWrite] = {};

sqlite3_vfs* inner_vfs() { return static_cast<sqlite3_vfs*>(sqlite3_vfs_find(nullptr)); }

// Placed by SQLite's allocation: our header, then the inner VFS's file.
struct CombiningFile {
  sqlite3_file base;  // must be first: SQLite sees this
  sqlite3_file* inner = nullptr;
  bool combine = false;
  sqlite3_int64 start = 0;  // file offset of pending[0]
  std::string pending;
  sqlite3_int64 grown_to = -1;  // the size this file was grown to; -1: not known yet

  const sqlite3_io_methods& io() const { return *inner->pMethods; }

  int flush() {
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < pending.size() && rc == SQLITE_OK; done += kMaxWrite) {
      std::size_t n = std::min(kMaxWrite, pending.size() - done);
      rc = io().xWrite(inner, pending.data() + done, static_cast<int>(n),
                       start + static_cast<sqlite3_int64>(done));
    }
    const sqlite3_int64 end = start + static_cast<sqlite3_int64>(pending.size());
    // A lost write fails whatever comes next (the commit's sync); the frames
    // are then not part of any commit, so nothing may keep them.
    pending.clear();
    if (rc == SQLITE_OK) grow_past(end);
    return rc;
  }

  // Best effort: if the zeros cannot be written, appends just cost more.
  void grow_past(sqlite3_int64 end) {
    if (grown_to < 0 && io().xFileSize(inner, &grown_to) != SQLITE_OK) grown_to = -1;
    if (grown_to < 0 || end <= grown_to) return;
    const sqlite3_int64 to = (end + kGrowBy - 1) / kGrowBy * kGrowBy;
    for (sqlite3_int64 at = end; at < to;) {
      const auto n = static_cast<int>(std::min<sqlite3_int64>(kMaxWrite, to - at));
      if (io().xWrite(inner, kZeros, n, at) != SQLITE_OK) break;
      at += n;
      grown_to = at;
    }
  }
};

constexpr std::size_t header_size() {
  return (sizeof(CombiningFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
         alignof(std::max_align_t);
}

CombiningFile* self(sqlite3_file* f) { return reinterpret_cast<CombiningFile*>(f); }

// Every method but xWrite writes the buffer out first, so the file holds
// everything SQLite wrote whenever anything can observe it (and zeros after).
int flushed(sqlite3_file* f) { return self(f)->flush(); }

int x_close(sqlite3_file* f) {
  CombiningFile* c = self(f);
  int flush_rc = c->flush();
  int rc = c->io().xClose(c->inner);
  c->~CombiningFile();
  return flush_rc != SQLITE_OK ? flush_rc : rc;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xRead(self(f)->inner, out, amount, offset);
}

int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  CombiningFile* c = self(f);
  auto n = static_cast<std::size_t>(amount);
  if (!c->combine) return c->io().xWrite(c->inner, data, amount, offset);
  bool appends = !c->pending.empty() &&
                 offset == c->start + static_cast<sqlite3_int64>(c->pending.size());
  if (!appends || c->pending.size() + n > kMaxBuffered) {
    if (int rc = c->flush(); rc != SQLITE_OK) return rc;
  }
  // SQLite writes a WAL frame (page size at most 64 KiB) or less at a time,
  // so one write never outgrows the buffer by much; a larger one is buffered
  // too and goes out in pieces like the rest.
  if (c->pending.empty()) c->start = offset;
  c->pending.append(static_cast<const char*>(data), n);
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  self(f)->grown_to = -1;  // asked again at the next write
  return self(f)->io().xTruncate(self(f)->inner, size);
}

int x_sync(sqlite3_file* f, int flags) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xSync(self(f)->inner, flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xFileSize(self(f)->inner, size);
}

int x_lock(sqlite3_file* f, int level) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xLock(self(f)->inner, level);
}

int x_unlock(sqlite3_file* f, int level) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xUnlock(self(f)->inner, level);
}

int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return self(f)->io().xCheckReservedLock(self(f)->inner, out);
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xFileControl(self(f)->inner, op, arg);
}

int x_sector_size(sqlite3_file* f) { return self(f)->io().xSectorSize(self(f)->inner); }

int x_device_characteristics(sqlite3_file* f) {
  return self(f)->io().xDeviceCharacteristics(self(f)->inner);
}

int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return self(f)->io().xShmMap(self(f)->inner, region, size, extend, out);
}

int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return self(f)->io().xShmLock(self(f)->inner, offset, n, flags);
}

void x_shm_barrier(sqlite3_file* f) { self(f)->io().xShmBarrier(self(f)->inner); }

int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return self(f)->io().xShmUnmap(self(f)->inner, delete_flag);
}

int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  if (int rc = flushed(f); rc != SQLITE_OK) return rc;
  return self(f)->io().xFetch(self(f)->inner, offset, amount, out);
}

int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return self(f)->io().xUnfetch(self(f)->inner, offset, p);
}

// One method table per io_methods version, so SQLite never calls a method
// the inner file does not have.
const sqlite3_io_methods* methods_for(int version) {
  static const auto tables = [] {
    struct Tables {
      sqlite3_io_methods v[4];
    } t{};
    for (int i = 1; i <= 3; ++i) {
      t.v[i] = sqlite3_io_methods{i,
                                  x_close,
                                  x_read,
                                  x_write,
                                  x_truncate,
                                  x_sync,
                                  x_file_size,
                                  x_lock,
                                  x_unlock,
                                  x_check_reserved_lock,
                                  x_file_control,
                                  x_sector_size,
                                  x_device_characteristics,
                                  i >= 2 ? x_shm_map : nullptr,
                                  i >= 2 ? x_shm_lock : nullptr,
                                  i >= 2 ? x_shm_barrier : nullptr,
                                  i >= 2 ? x_shm_unmap : nullptr,
                                  i >= 3 ? x_fetch : nullptr,
                                  i >= 3 ? x_unfetch : nullptr};
    }
    return t;
  }();
  return &tables.v[std::clamp(version, 1, 3)];
}

sqlite3_vfs* inner_of(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
           int* out_flags) {
  auto* c = new (file) CombiningFile{};
  c->inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + header_size());
  c->combine = (flags & SQLITE_OPEN_WAL) != 0;
  sqlite3_vfs* inner = inner_of(vfs);
  int rc = inner->xOpen(inner, name, c->inner, flags, out_flags);
  if (rc != SQLITE_OK || c->inner->pMethods == nullptr) {
    // SQLite calls xClose only when pMethods is set; the inner open has
    // already cleaned up after itself.
    if (rc == SQLITE_OK && c->inner->pMethods == nullptr) rc = SQLITE_CANTOPEN;
    c->~CombiningFile();
    file->pMethods = nullptr;
    return rc;
  }
  c->base.pMethods = methods_for(c->inner->pMethods->iVersion);
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return inner_of(v)->xDelete(inner_of(v), name, sync_dir);
}
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return inner_of(v)->xAccess(inner_of(v), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return inner_of(v)->xFullPathname(inner_of(v), name, n, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* name) {
  return inner_of(v)->xDlOpen(inner_of(v), name);
}
void x_dl_error(sqlite3_vfs* v, int n, char* out) { inner_of(v)->xDlError(inner_of(v), n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return inner_of(v)->xDlSym(inner_of(v), h, sym);
}
void x_dl_close(sqlite3_vfs* v, void* h) { inner_of(v)->xDlClose(inner_of(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) {
  return inner_of(v)->xRandomness(inner_of(v), n, out);
}
int x_sleep(sqlite3_vfs* v, int us) { return inner_of(v)->xSleep(inner_of(v), us); }
int x_current_time(sqlite3_vfs* v, double* out) {
  return inner_of(v)->xCurrentTime(inner_of(v), out);
}
int x_get_last_error(sqlite3_vfs* v, int n, char* out) {
  return inner_of(v)->xGetLastError ? inner_of(v)->xGetLastError(inner_of(v), n, out) : 0;
}
int x_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
  return inner_of(v)->xCurrentTimeInt64(inner_of(v), out);
}

}  // namespace

const char* wal_write_combining_vfs() {
  static std::once_flag once;
  static sqlite3_vfs vfs{};
  std::call_once(once, [] {
    configure_library();  // before sqlite3_vfs_find initialises SQLite
    sqlite3_vfs* inner = inner_vfs();
    // Version 2 at most: the system-call overrides of version 3 are for
    // tests of the inner VFS and are not forwarded.
    vfs.iVersion = std::min(inner->iVersion, 2);
    vfs.szOsFile = static_cast<int>(header_size()) + inner->szOsFile;
    vfs.mxPathname = inner->mxPathname;
    vfs.zName = kName;
    vfs.pAppData = inner;
    vfs.xOpen = x_open;
    vfs.xDelete = x_delete;
    vfs.xAccess = x_access;
    vfs.xFullPathname = x_full_pathname;
    vfs.xDlOpen = x_dl_open;
    vfs.xDlError = x_dl_error;
    vfs.xDlSym = x_dl_sym;
    vfs.xDlClose = x_dl_close;
    vfs.xRandomness = x_randomness;
    vfs.xSleep = x_sleep;
    vfs.xCurrentTime = x_current_time;
    vfs.xGetLastError = x_get_last_error;
    if (vfs.iVersion >= 2) vfs.xCurrentTimeInt64 = x_current_time_int64;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  });
  return kName;
}

}  // namespace parley::store::sqlite
