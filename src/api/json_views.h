#pragma once
// How store objects look in REST bodies (docs/protocol.md, "REST").
#include <optional>
#include <string>
#include <vector>

#include "presence/presence.h"
#include "protocol/json_writer.h"
#include "store/store.h"

namespace parley::api {

void write_conversation(protocol::JsonWriter& w, const store::Conversation& c);
void write_message(protocol::JsonWriter& w, const store::Message& m);

std::string conversation_body(const store::Conversation& c);
std::string conversation_list_body(const std::vector<store::ConversationSummary>& list,
                                   const std::string& next_cursor);
std::string message_page_body(const store::MessagePage& page);
std::string ack_body(const store::Message& m);
std::string presence_body(const std::vector<std::string>& users,
                          const std::vector<std::optional<presence::PresenceState>>& states);

}  // namespace parley::api
