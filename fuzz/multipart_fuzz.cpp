// multipart/form-data uploads (media/multipart.h): the boundary read from a
// Content-Type and the one file part found in the body.
// Input: a Content-Type line, '\n', then the body. The file part found must
// lie inside the body and hold no delimiter; a body rebuilt around it must
// give the same part back.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "media/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parley::media::multipart_boundary;
  using parley::media::parse_multipart;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view content_type = in.substr(0, nl);
  const std::string body(in.substr(nl + 1));  // its own allocation: ASan sees reads past it

  auto boundary = multipart_boundary(content_type);
  if (!boundary) return 0;
  auto part = parse_multipart(body, *boundary);
  if (!part) {
    FUZZ_CHECK(part.error().code == parley::Errc::bad_request);
    return 0;
  }
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  // A view into the body, not a copy.
  const char* begin = body.data();
  FUZZ_CHECK(part->bytes.data() >= begin &&
             part->bytes.data() + part->bytes.size() <= begin + body.size());
  const std::string delimiter = "\r\n--" + *boundary;
  FUZZ_CHECK(part->bytes.find(delimiter) == std::string_view::npos);

  // The same file in a canonical body of ours parses back to the same part,
  // when it can be written back plainly: a filename without quote,
  // backslash or CR/LF, a boundary of RFC 2046 characters (no CR, so the
  // closing delimiter cannot start inside the content).
  const bool plain_boundary = boundary->find_first_not_of(
                                  "0123456789abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ") == std::string::npos;
  if (plain_boundary && part->filename.find_first_of("\"\\\r\n") == std::string::npos) {
    const std::string rebuilt =
        "--" + *boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
        part->filename + "\"\r\n\r\n" + std::string(part->bytes) + "\r\n--" + *boundary + "--\r\n";
    auto again = parse_multipart(rebuilt, *boundary);
    FUZZ_CHECK(again);
    FUZZ_CHECK(again->bytes == part->bytes);
    FUZZ_CHECK(again->filename == part->filename);
  }
  return 0;
}
