#pragma once
// Width and height of an image, read from its header: no decoding, so an
// upload costs a few byte reads however large the picture claims to be.
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::media {

struct ImageSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// PNG, JPEG, GIF and WebP (VP8, VP8L, VP8X). nullopt when the header is cut
// short, malformed or says zero; `content_type` is the sniffed type.
std::optional<ImageSize> image_size(std::string_view content_type, std::string_view bytes);

}  // namespace parley::media
