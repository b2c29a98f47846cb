#pragma once
// A stored message as the wire shows it: one conversion for every view.
#include "protocol/server_frames.h"
#include "store/store.h"

namespace parley::service {

inline protocol::MessageFields message_fields(const store::Message& m) {
  protocol::MessageFields f;
  f.conversation_id = m.conversation_id;
  f.seq = m.seq;
  f.message_id = m.message_id;
  f.sender_id = m.sender_id;
  f.client_msg_id = m.client_msg_id;
  f.content = m.content;
  f.kind = m.kind;
  f.reply_to = m.reply_to;
  f.ts = m.ts;
  f.version = m.version;
  f.deleted = m.deleted;
  f.media = m.media;
  return f;
}

}  // namespace parley::service
