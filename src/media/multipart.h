#pragma once
// The one file of a multipart/form-data upload (RFC 7578), as browsers send
// a <form> or FormData: found in place, without copying the bytes.
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace parley::media {

struct FilePart {
  std::string_view bytes;  // points into the body given to parse_multipart
  std::string filename;    // as sent (filename* preferred); not yet sanitized
};

// The boundary parameter of a multipart/form-data Content-Type; nullopt for
// any other type (then the body is the file itself).
std::optional<std::string> multipart_boundary(std::string_view content_type);

// The single part that carries a filename; other (plain field) parts are
// skipped. bad_request when the body is malformed, has no file part or has
// more than one.
Result<FilePart> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace parley::media
