#pragma once
// Reading and checking a POST /api/devices body: what each platform needs,
// with an error that says what is wrong.
#include <string_view>

#include "common/result.h"
#include "push/device.h"
#include "push/endpoint_policy.h"

namespace parley::push {

// The device described by body (user, id and time left empty), or
// bad_request naming the field at fault.
Result<Device> parse_device_request(std::string_view body, const EndpointPolicy& policy,
                                    bool webpush_enabled);

}  // namespace parley::push
