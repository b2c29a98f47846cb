#pragma once
// Binds media to messages when, and only when, they commit: a Store that
// passes everything to the wrapped one and, after each apply(), tells the
// MediaLibrary which committed messages carry media (bind) and which
// deleted messages did (unbind). The service stays unaware of media
// bindings; the composition root puts this between it and the store:
//   media::BindingStore s(store, library);   // the service writes through s
// Runs on the caller's thread (the group committer's writer), before the
// sender's ack and the fan-out: a member who sees the message can read its
// media. A binding that fails to write after the commit is logged and
// counted; the message stands (media is then readable by its uploader
// only, until the send is repeated).
//
// Depends on the store interface headers only (store/forwarding_store.h), not
// on a backend.
#include "media/media_library.h"
#include "store/forwarding_store.h"

namespace parley::media {

class BindingStore final : public store::ForwardingStore {
 public:
  BindingStore(store::Store& inner, MediaLibrary& library)
      : ForwardingStore(inner), library_(library) {}

  std::vector<store::WriteResult> apply(std::span<const store::WriteOp> ops) override;

 private:
  MediaLibrary& library_;
};

}  // namespace parley::media
