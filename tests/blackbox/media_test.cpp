// Media: uploads (raw and multipart), sniffing, limits, image messages, and
// downloads with access control, Range, ETag and ?token=.
#include "media/media_test_support.h"
#include "support.h"

namespace bb {
namespace {

using parley::media::test_support::png;  // a PNG header the server can sniff

class MediaTest : public BlackboxTest {
 protected:
  // Small, so that 413 needs no 25 MiB upload.
  std::string server_config() override { return R"({"max_media_bytes": 4096})"; }

  HttpResponse upload(const std::string& user, const std::string& bytes,
                      const std::string& content_type, const std::string& query = "") {
    return http().request("POST", "/api/media" + query, token(user), bytes,
                          {{"Content-Type", content_type}});
  }

  json::object upload_ok(const std::string& user, const std::string& bytes,
                         const std::string& content_type = "application/octet-stream") {
    auto r = upload(user, bytes, content_type, "?name=cat.png");
    require(r.status == 201, "upload: " + std::to_string(r.status) + " " + r.body);
    return obj(*r.json);
  }

  HttpResponse download(const std::string& user, const std::string& id, const Headers& headers = {}) {
    return http().request("GET", "/api/media/" + id, token(user), std::nullopt, headers);
  }

  json::object send_image(WsClient& ws, const std::string& conv, const json::object& media) {
    return send_message(ws, conv, "look", std::nullopt, {{"kind", "image"}, {"media", media}});
  }
};

TEST_F(MediaTest, RawUploadIsSniffedAndDescribed) {
  // The declared type is wrong on purpose: the bytes decide.
  auto r = upload("alice", png(40, 30), "text/plain", "?name=dir%2Fcat.png");
  ASSERT_EQ(r.status, 201) << r.body;
  auto& o = obj(*r.json);
  const std::string id = str(o, "media_id");
  EXPECT_EQ(id.substr(0, 3), "md_");
  EXPECT_EQ(str(o, "url"), "/api/media/" + id);
  EXPECT_EQ(str(o, "content_type"), "image/png");
  EXPECT_EQ(num(o, "size"), static_cast<std::int64_t>(png(40, 30).size()));
  EXPECT_EQ(num(o, "width"), 40);
  EXPECT_EQ(num(o, "height"), 30);
  EXPECT_EQ(str(o, "name"), "cat.png");
}

TEST_F(MediaTest, MultipartUploadTakesTheFilePart) {
  const std::string body =
      "--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n"
      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nplain words\r\n--b0undary--\r\n";
  auto r = upload("alice", body, "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(r.status, 201) << r.body;
  auto& o = obj(*r.json);
  EXPECT_EQ(str(o, "content_type"), "text/plain; charset=utf-8");
  EXPECT_EQ(str(o, "name"), "notes.txt");
  EXPECT_EQ(num(o, "size"), 11);
  EXPECT_FALSE(has(o, "width"));
  auto d = download("alice", str(o, "media_id"));
  EXPECT_EQ(d.body, "plain words");
}

TEST_F(MediaTest, DisguisedContentIsRefusedWith415) {
  auto html = upload("alice", "<!DOCTYPE html><script>alert(1)</script>", "image/png");
  EXPECT_EQ(html.status, 415) << html.body;
  EXPECT_EQ(html.error_code(), "unsupported_media_type");
  auto exe = upload("alice", std::string("MZ\x90\0\x03\0\0\0", 8), "image/jpeg");
  EXPECT_EQ(exe.status, 415) << exe.body;
  auto svg = upload("alice", "<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml");
  EXPECT_EQ(svg.status, 415) << svg.body;
}

TEST_F(MediaTest, OverTheConfiguredLimitIs413) {
  auto r = upload("alice", std::string(4097, 'a'), "text/plain");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.error_code(), "too_large");
  EXPECT_EQ(upload("alice", std::string(4096, 'a'), "text/plain").status, 201);
  // Uploads get more than max_body_bytes (1 MiB) would allow elsewhere...
  auto big = http().request("POST", "/api/conversations", token("alice"), std::string(2 << 20, ' '));
  EXPECT_EQ(big.status, 413);
}

TEST_F(MediaTest, UploadNeedsAToken) {
  auto r = http().request("POST", "/api/media", "", png(1, 1), {{"Content-Type", "image/png"}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(MediaTest, ImageMessageCarriesTheServersMediaAndMembersCanFetchIt) {
  const std::string conv = create_group("alice", {"bob"});
  const std::string bytes = png(64, 48);
  auto up = upload_ok("alice", bytes);
  const std::string id = str(up, "media_id");
  // Before any message carries it, only the uploader can read it.
  EXPECT_EQ(download("alice", id).status, 200);
  EXPECT_EQ(download("bob", id).status, 404);

  auto a = connect("alice");
  auto b = connect("bob");
  // The client's size and type are ignored: the server's record decides.
  auto ack = send_image(*a, conv,
                        {{"media_id", id}, {"name", "holiday.png"}, {"size", 1},
                         {"content_type", "text/html"}, {"width", 9999}});
  auto m = expect_message(*b, conv, str(ack, "client_msg_id"));
  EXPECT_EQ(str(m, "kind"), "image");
  ASSERT_TRUE(has(m, "media")) << dump(m);
  auto& media = obj(m.at("media"));
  EXPECT_EQ(str(media, "media_id"), id);
  EXPECT_EQ(str(media, "name"), "holiday.png");
  EXPECT_EQ(num(media, "size"), static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(str(media, "content_type"), "image/png");
  EXPECT_EQ(num(media, "width"), 64);
  EXPECT_EQ(num(media, "height"), 48);
  EXPECT_EQ(str(media, "url"), "/api/media/" + id);

  // REST history shows the same object.
  auto msgs = history_messages("bob", conv);
  ASSERT_EQ(msgs.size(), 1u);
  ASSERT_TRUE(has(msgs[0], "media")) << dump(msgs[0]);
  EXPECT_EQ(dump(msgs[0].at("media")), dump(m.at("media")));

  // A member fetches it; someone outside gets 404, as for an unknown id.
  auto got = download("bob", id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, bytes);
  EXPECT_EQ(got.header("content-type"), "image/png");
  EXPECT_EQ(got.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(got.header("cache-control"), "private, max-age=86400");
  EXPECT_EQ(got.header("content-disposition").substr(0, 7), "inline;");
  auto stranger = download("mallory", id);
  EXPECT_EQ(stranger.status, 404);
  EXPECT_EQ(stranger.error_code(), "not_found");
  EXPECT_EQ(download("mallory", "md_000000000000000000000000").status, 404);
}

TEST_F(MediaTest, AMemberWhoLeavesLosesAccess) {
  const std::string conv = create_group("alice", {"bob"});
  auto id = str(upload_ok("alice", png(2, 2)), "media_id");
  auto a = connect("alice");
  send_image(*a, conv, {{"media_id", id}});
  EXPECT_EQ(download("bob", id).status, 200);
  auto r = http().del("/api/conversations/" + conv + "/members/bob", token("alice"));
  ASSERT_TRUE(r.status == 204 || r.status == 200) << r.status << " " << r.body;
  EXPECT_EQ(download("bob", id).status, 404);
}

TEST_F(MediaTest, MediaMustBeTheSendersOwnUpload) {
  const std::string conv = create_group("alice", {"bob"});
  auto id = str(upload_ok("alice", png(2, 2)), "media_id");
  auto pdf = str(upload_ok("bob", "%PDF-1.4 tiny"), "media_id");
  auto b = connect("bob");
  auto frame = [&](const std::string& kind, const std::string& media_id) {
    return json::object{{"type", "send"}, {"conversation_id", conv},
                        {"client_msg_id", unique_id("m")}, {"content", ""},
                        {"kind", kind}, {"media", {{"media_id", media_id}}}};
  };
  expect_error(*b, frame("image", id), "bad_request");  // alice's upload
  expect_error(*b, frame("image", "md_000000000000000000000000"), "bad_request");
  expect_error(*b, frame("image", pdf), "bad_request");  // not an image
  expect_error(*b, frame("text", pdf), "bad_request");   // media only on image/file
  // Bob cannot read alice's upload through his failed attempts.
  EXPECT_EQ(download("bob", id).status, 404);
  // A file message with his own PDF works, over REST too.
  auto r = http().post("/api/conversations/" + conv + "/messages", token("bob"),
                       json::object{{"client_msg_id", unique_id("m")}, {"content", "report"},
                                    {"kind", "file"}, {"media", {{"media_id", pdf}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto pdf_get = download("alice", pdf);
  EXPECT_EQ(pdf_get.status, 200);
  EXPECT_EQ(pdf_get.header("content-type"), "application/pdf");
  EXPECT_EQ(pdf_get.header("content-disposition").substr(0, 11), "attachment;");
}

TEST_F(MediaTest, RangeRequestsAndConditionalGets) {
  const std::string bytes = png(8, 8);
  auto id = str(upload_ok("alice", bytes), "media_id");
  auto part = download("alice", id, {{"Range", "bytes=0-7"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes.substr(0, 8));
  EXPECT_EQ(part.header("content-range"), "bytes 0-7/" + std::to_string(bytes.size()));
  auto tail = download("alice", id, {{"Range", "bytes=-4"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, bytes.substr(bytes.size() - 4));
  auto past = download("alice", id, {{"Range", "bytes=100000-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.header("content-range"), "bytes */" + std::to_string(bytes.size()));

  auto full = download("alice", id);
  const std::string etag = full.header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = download("alice", id, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(download("alice", id, {{"If-None-Match", "\"stale\""}}).status, 200);
}

TEST_F(MediaTest, BrowsersMayPutTheTokenInTheQuery) {
  const std::string conv = create_group("alice", {"bob"});
  auto id = str(upload_ok("alice", png(3, 3)), "media_id");
  auto a = connect("alice");
  send_image(*a, conv, {{"media_id", id}});
  auto r = http().get("/api/media/" + id + "?token=" + url_encode(token("bob")));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(http().get("/api/media/" + id + "?token=nonsense").status, 401);
  EXPECT_EQ(http().get("/api/media/" + id).status, 401);
  // Only downloads: other routes still need the header.
  EXPECT_EQ(http().get("/api/conversations?token=" + url_encode(token("bob"))).status, 401);
  auto post = http().request("POST", "/api/media?token=" + url_encode(token("bob")), "",
                             png(1, 1), {{"Content-Type", "image/png"}});
  EXPECT_EQ(post.status, 401);
}

}  // namespace
}  // namespace bb
