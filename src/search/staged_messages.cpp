#include "search/staged_messages.h"

namespace parley::search {

Status StagedMessages::add(IndexedMessage m) {
  staged_.push_back(std::move(m));
  // Writing early is always safe; only a late write is not.
  if (staged_.size() >= max_) (void)write_staged();
  return ok_status();
}

Status StagedMessages::flush() {
  auto done = write_staged();
  if (std::exchange(lost_batch_, false) && done)
    return make_error(Errc::unavailable, "a batch of the search index was not written");
  return done;
}

Status StagedMessages::write_staged() {
  if (staged_.empty()) return ok_status();
  auto batch = std::move(staged_);
  staged_.clear();
  auto written = write_(batch);
  if (!written) lost_batch_ = true;  // until the next flush reports it
  return written;
}

}  // namespace parley::search
