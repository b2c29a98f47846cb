#include "media/binding_store.h"

#include "common/log.h"
#include "media/media_metrics.h"

namespace parley::media {

std::vector<store::WriteResult> BindingStore::apply(std::span<const store::WriteOp> ops) {
  // A deleted message keeps no media (store.h): what a delete will unbind
  // must be read before it is applied. Deletes are rare; sends are not read.
  std::vector<std::string> deleting(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto* edit = std::get_if<store::EditMessage>(&ops[i]);
    if (!edit || !edit->remove) continue;
    if (auto m = inner().message(edit->conversation_id, edit->message_id); m && !m->deleted)
      deleting[i] = media_id_of(m->media);
  }

  auto results = inner().apply(ops);

  static const auto log = component_logger("media");
  for (std::size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (!results[i]) continue;  // not committed: nothing to bind or unbind
    Status done = ok_status();
    std::string_view message_id;
    if (const auto* sent = std::get_if<store::AppendResult>(&*results[i])) {
      const store::Message& m = sent->message;
      // A repeated send answers with the original: bound already, unless
      // that binding was lost; binding again is harmless (idempotent). A
      // repeat of a send since deleted must not bind it again.
      if (m.media.empty() || m.deleted) continue;
      message_id = m.message_id;
      done = library_.bind_message(media_id_of(m.media), m.conversation_id, m.message_id);
    } else if (!deleting[i].empty() && std::holds_alternative<store::EditResult>(*results[i])) {
      const auto& edit = std::get<store::EditMessage>(ops[i]);
      message_id = edit.message_id;
      done = library_.unbind_message(deleting[i], edit.conversation_id, edit.message_id);
    }
    if (!done) {
      // Ids only. The message stands; its media stays readable by (or
      // hidden from) members as before until a later bind or unbind.
      metric::binding_failures.inc();
      log->error("media binding of message {} after its commit failed: {}", message_id,
                 done.error().message);
    }
  }
  return results;
}

}  // namespace parley::media
