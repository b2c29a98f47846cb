// Message events as the outbox writes them (docs/protocol.md "message"), for
// the search tests.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string>

#include "eventlog/event_log.h"

namespace parley::search::test_support {

inline eventlog::Event message_event(const std::string& type, const std::string& conv,
                                     std::int64_t seq, std::int64_t version,
                                     const std::string& content, bool deleted = false) {
  boost::json::object body{{"conversation_id", conv},
                           {"seq", seq},
                           {"message_id", "m_" + conv + "_" + std::to_string(seq)},
                           {"sender_id", "alice"},
                           {"client_msg_id", nullptr},
                           {"content", deleted ? std::string() : content},
                           {"kind", "text"},
                           {"reply_to", nullptr},
                           {"ts", 1764170000000},
                           {"version", version},
                           {"deleted", deleted}};
  return eventlog::Event{conv + "/" + std::to_string(seq) + "/v" + std::to_string(version), type,
                         conv, seq, boost::json::serialize(body)};
}

}  // namespace parley::search::test_support
