#include "store/sqlite/sqlite_library.h"

#include <sqlite3.h>

#include <mutex>

namespace parley::store::sqlite {

void configure_library() {
  static std::once_flag once;
  // SQLITE_MISUSE when SQLite was initialised before (a test that opened a
  // database by itself): it then keeps its defaults, which are correct too.
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace parley::store::sqlite
