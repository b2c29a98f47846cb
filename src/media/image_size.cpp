#include "media/image_size.h"

namespace parley::media {
namespace {

std::uint32_t byte(std::string_view b, std::size_t i) { return static_cast<unsigned char>(b[i]); }
std::uint32_t be16(std::string_view b, std::size_t i) { return byte(b, i) << 8 | byte(b, i + 1); }
std::uint32_t le16(std::string_view b, std::size_t i) { return byte(b, i) | byte(b, i + 1) << 8; }
std::uint32_t le24(std::string_view b, std::size_t i) { return le16(b, i) | byte(b, i + 2) << 16; }
std::uint32_t be32(std::string_view b, std::size_t i) { return be16(b, i) << 16 | be16(b, i + 2); }
std::uint32_t le32(std::string_view b, std::size_t i) { return le16(b, i) | le16(b, i + 2) << 16; }

std::optional<ImageSize> checked(std::uint32_t w, std::uint32_t h) {
  if (w == 0 || h == 0) return std::nullopt;
  return ImageSize{w, h};
}

// The IHDR chunk must come first: signature (8), length (4), "IHDR" (4).
std::optional<ImageSize> png(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  const std::uint32_t w = be32(b, 16), h = be32(b, 20);
  if (w > 0x7FFFFFFF || h > 0x7FFFFFFF) return std::nullopt;  // the PNG limit
  return checked(w, h);
}

// The logical screen descriptor right after the signature.
std::optional<ImageSize> gif(std::string_view b) {
  if (b.size() < 10) return std::nullopt;
  return checked(le16(b, 6), le16(b, 8));
}

// Walks the marker segments to the first start-of-frame (SOF0..SOF15 but
// DHT 0xC4, JPG 0xC8 and DAC 0xCC), whose header holds height then width.
std::optional<ImageSize> jpeg(std::string_view b) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (byte(b, i) != 0xFF) return std::nullopt;
    const std::uint32_t marker = byte(b, i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI.
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      i += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // EOI or scan before SOF
    const std::uint32_t length = be16(b, i + 2);
    if (length < 2) return std::nullopt;
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                     marker != 0xCC;
    if (sof) {
      if (length < 7 || i + 9 > b.size()) return std::nullopt;
      return checked(be16(b, i + 7), be16(b, i + 5));
    }
    i += 2 + length;
  }
  return std::nullopt;
}

// RIFF header (12), then the first chunk: "VP8 ", "VP8L" or "VP8X".
std::optional<ImageSize> webp(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") {  // extended: canvas size minus one, 24 bits each
    return checked(le24(b, 24) + 1, le24(b, 27) + 1);
  }
  if (chunk == "VP8L") {  // lossless: signature 0x2F, then 14 bits each, minus one
    if (byte(b, 20) != 0x2F) return std::nullopt;
    const std::uint32_t bits = le32(b, 21);
    return checked((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (chunk == "VP8 ") {  // lossy: frame tag (3), start code 9D 01 2A, 14 bits each
    if (byte(b, 23) != 0x9D || byte(b, 24) != 0x01 || byte(b, 25) != 0x2A) return std::nullopt;
    return checked(le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> image_size(std::string_view content_type, std::string_view bytes) {
  if (content_type == "image/png") return png(bytes);
  if (content_type == "image/gif") return gif(bytes);
  if (content_type == "image/jpeg") return jpeg(bytes);
  if (content_type == "image/webp") return webp(bytes);
  return std::nullopt;
}

}  // namespace parley::media
