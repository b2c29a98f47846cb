#include "media/multipart.h"

#include <gtest/gtest.h>

namespace parley::media {
namespace {

std::string body(const std::string& boundary, const std::string& parts) {
  return parts + "--" + boundary + "--\r\n";
}

std::string part(const std::string& boundary, const std::string& disposition,
                 const std::string& content) {
  return "--" + boundary + "\r\nContent-Disposition: " + disposition +
         "\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n";
}

TEST(Multipart, BoundaryOnlyForFormData) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;boundary=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
  EXPECT_FALSE(multipart_boundary("image/png").has_value());
  EXPECT_FALSE(multipart_boundary("").has_value());
}

TEST(Multipart, FindsTheFilePartAndSkipsFields) {
  const std::string b = "----x42";
  // Bytes that look like a delimiter but are not this one, and a NUL.
  std::string content =
      std::string("\x89PNG\r\n\x1A\n\r\n--not-the-boundary") + std::string("\0bytes", 6);
  auto text = body(b, part(b, "form-data; name=\"caption\"", "hi") +
                          part(b, "form-data; name=\"file\"; filename=\"cat.png\"", content));
  auto p = parse_multipart(text, b);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->bytes, content);
  EXPECT_EQ(p->filename, "cat.png");
}

TEST(Multipart, FilenameStarWinsAndQuotesAreUndone) {
  const std::string b = "B";
  auto text = body(b, part(b, "form-data; name=\"f\"; filename=\"a\\\"b.txt\"", "x"));
  EXPECT_EQ(parse_multipart(text, b)->filename, "a\"b.txt");
  text = body(b, part(b, "form-data; name=f; filename=plain.txt; filename*=UTF-8''caf%C3%A9.txt",
                      "x"));
  EXPECT_EQ(parse_multipart(text, b)->filename, "caf\xC3\xA9.txt");
}

TEST(Multipart, PreambleIsSkipped) {
  const std::string b = "B";
  auto text = "preamble\r\n" + body(b, part(b, "form-data; name=f; filename=x", "data"));
  EXPECT_EQ(parse_multipart(text, b)->bytes, "data");
}

TEST(Multipart, MalformedBodiesAreBadRequest) {
  const std::string b = "B";
  auto code = [&](const std::string& text) {
    auto r = parse_multipart(text, b);
    return r.ok() ? std::string("ok") : std::string(wire_name(r.error().code));
  };
  EXPECT_EQ(code(""), "bad_request");
  EXPECT_EQ(code("no boundary here"), "bad_request");
  EXPECT_EQ(code(body(b, part(b, "form-data; name=only-a-field", "x"))), "bad_request");
  EXPECT_EQ(code(body(b, part(b, "form-data; name=a; filename=1", "x") +
                             part(b, "form-data; name=b; filename=2", "y"))),
            "bad_request");
  EXPECT_EQ(code("--B\r\nContent-Disposition: form-data; filename=x\r\n\r\nunterminated"),
            "bad_request");
  EXPECT_EQ(code("--B\r\nContent-Disposition: form-data; filename=x"), "bad_request");
  EXPECT_EQ(parse_multipart("x", "").ok(), false);
}

}  // namespace
}  // namespace parley::media
