#pragma once
// One event as one JSON object, the form it takes on the wire (JetStream
// message data) and in files (the events-file worker):
//   {"id":"...","type":"message.created","conversation_id":"...","seq":18,"body":{...}}
// body is embedded as the JSON object it is, not as a string.
#include <string>
#include <string_view>

#include "common/result.h"
#include "eventlog/event_log.h"

namespace parley::eventlog {

std::string encode_event(const Event& e);

// bad_request when text is not such an object (body must be an object).
Result<Event> decode_event(std::string_view text);

}  // namespace parley::eventlog
