#include "worker/events_file_worker.h"

#include <unistd.h>

#include <fstream>
#include <memory>

#include "eventlog/event_codec.h"

namespace parley::worker {

Result<std::unique_ptr<EventsFile>> EventsFile::open(const std::string& path) {
  std::set<std::string, std::less<>> ids;
  bool ends_with_newline = true;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      ends_with_newline = !in.eof();
      if (auto e = eventlog::decode_event(line); e) ids.insert(e->id);
    }
  }
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) return make_error(Errc::internal, "cannot open " + path + " for appending");
  // A torn last line must not glue itself to the next event.
  if (!ends_with_newline) std::fputc('\n', f);
  auto file = std::unique_ptr<EventsFile>(new EventsFile(f));
  file->ids_ = std::move(ids);
  return file;
}

EventsFile::~EventsFile() { std::fclose(f_); }

Status EventsFile::append(const eventlog::Event& e) {
  if (ids_.contains(e.id)) return ok_status();  // a redelivery
  std::string line = eventlog::encode_event(e);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0 ||
      ::fdatasync(::fileno(f_)) != 0) {
    return make_error(Errc::unavailable, "cannot write the events file");
  }
  ids_.insert(e.id);
  return ok_status();
}

WorkerSpec events_file_worker() {
  return WorkerSpec{
      "events-file", "appends each event once, as a JSON line, to --file",
      [](WorkerContext& ctx) -> Result<eventlog::Handler> {
        if (ctx.file.empty()) return make_error(Errc::bad_request, "events-file needs --file");
        auto file = EventsFile::open(ctx.file);
        if (!file) return file.error();
        std::shared_ptr<EventsFile> out = std::move(file).value();
        return eventlog::Handler([out](const eventlog::Event& e) { return out->append(e); });
      }};
}

}  // namespace parley::worker
