#pragma once

namespace parley::store::sqlite {

// The name of an SQLite VFS that wraps the platform's default one and
// combines the many small writes SQLite makes to a WAL file into one write
// per commit. SQLite writes each WAL frame as two pwrite calls (a 24-byte
// header, then the page), so a group commit that dirties 300 pages made 600
// system calls; profiles of the durable benchmark showed the writer thread
// spending most of its time in the kernel on them.
//
// Safe because the buffered bytes reach the file before anything can depend
// on them: the buffer is written out before every other operation on the
// WAL file (read, sync, truncate, size, lock, close). A commit syncs the
// WAL before it publishes the new frames in the WAL index, so readers and
// checkpoints never look for frames still in the buffer, and a failed write
// surfaces as the sync's error, which fails (rolls back) that commit.
// This needs `PRAGMA synchronous = FULL` (what the store sets): NORMAL does
// not sync the WAL at commit, so the frames would stay in the buffer after
// the WAL index names them, and other connections reading them would report
// "database disk image is malformed" (seen in a session-9 experiment).
// A WAL file also grows ahead of its frames, 256 KiB of zeros at a time, so
// most commits' syncs do not change the file's size (see kGrowBy).
// Files other than WAL files pass straight through.
//
// Registered once on first call (thread-safe); never the default VFS.
const char* wal_write_combining_vfs();

}  // namespace parley::store::sqlite
