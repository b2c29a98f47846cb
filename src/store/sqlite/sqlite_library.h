#pragma once
// Process-wide SQLite settings, applied once before SQLite initialises.
// Every opener in Parley calls it first: Db::open, and the WAL-combining
// VFS before it registers (registering initialises SQLite).
//
// Memory statistics are off. With them, SQLite takes one process-wide mutex
// on every allocation and free, and that mutex is shared by the writer, the
// outbox relay and each event-log consumer's thread. Parley never reads
// those counters.

namespace parley::store::sqlite {

void configure_library();

}  // namespace parley::store::sqlite
