#include "media/media_routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "media/atomic_file.h"
#include "media/disk_blob_store.h"
#include "media/disk_media_catalog.h"
#include "media/media_test_support.h"

namespace parley::media {
namespace {

using namespace test_support;
namespace json = boost::json;
using gateway::HttpRequest;
using gateway::HttpResponse;

class MediaRoutesTest : public ::testing::Test {
 protected:
  HttpResponse call(const std::string& user, HttpRequest req) {
    auto target = parse_target(req.target);
    EXPECT_TRUE(target.has_value());
    std::optional<HttpResponse> out;
    bool mine = routes_.handle(api::AuthedRequest{user, req, *target},
                               [&out](HttpResponse r) { out = std::move(r); });
    EXPECT_TRUE(mine);
    EXPECT_TRUE(out.has_value());
    if (out && out->stream) out->body = drain(*out->stream);
    return out.value_or(HttpResponse{0, ""});
  }
  // A streamed body as the gateway reads it: small pieces until the end.
  static std::string drain(gateway::BodySource& source, std::size_t piece = 7) {
    auto all = read_all(source, piece);
    EXPECT_TRUE(all.has_value());
    EXPECT_EQ(all.value_or("").size(), source.size()) << "size() announces what read() gives";
    return all.value_or("");
  }
  HttpResponse get(const std::string& user, const std::string& id, std::string range = "",
                   std::string inm = "") {
    HttpRequest r;
    r.method = "GET";
    r.target = "/api/media/" + id;
    r.range = std::move(range);
    r.if_none_match = std::move(inm);
    return call(user, std::move(r));
  }
  std::string upload(const std::string& user, const std::string& bytes) {
    auto r = call(user, HttpRequest{"POST", "/api/media?name=a.txt", "", "text/plain", "", "", bytes});
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(json::parse(r.body).at("media_id").as_string());
  }
  static std::string header(const HttpResponse& r, std::string_view name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  TempDir dir_;
  DiskBlobStore blobs_{dir_.path()};
  DiskMediaCatalog catalog_{dir_.path()};
  MediaLibrary library_{blobs_, catalog_,
                        [](const std::string& u, const std::string& c) { return u == "bob" && c == "c1"; },
                        MediaOptions{1000}};
  MediaRoutes routes_{library_};
};

TEST_F(MediaRoutesTest, RawUploadAndDownload) {
  const std::string id = upload("alice", "0123456789");
  auto r = get("alice", id);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "0123456789");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(header(r, "ETag"), "\"" + sha256_hex("0123456789") + "\"");
  EXPECT_EQ(header(r, "Cache-Control"), "private, max-age=86400");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Content-Disposition"),
            "attachment; filename=\"a.txt\"; filename*=UTF-8''a.txt");
}

TEST_F(MediaRoutesTest, MultipartUpload) {
  const std::string body = "--XX\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"dot.png\"\r\nContent-Type: image/png\r\n\r\n" +
                           png(5, 7) + "\r\n--XX--\r\n";
  auto r = call("alice",
                HttpRequest{"POST", "/api/media", "", "multipart/form-data; boundary=XX", "", "", body});
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("name").as_string(), "dot.png");
  EXPECT_EQ(o.at("width").as_int64(), 5);
  auto d = get("alice", std::string(o.at("media_id").as_string()));
  EXPECT_EQ(d.body, png(5, 7));
  EXPECT_EQ(d.content_type, "image/png");
  EXPECT_EQ(header(d, "Content-Disposition").substr(0, 7), "inline;");
}

TEST_F(MediaRoutesTest, UploadErrors) {
  auto r = call("alice", HttpRequest{"POST", "/api/media", "", "image/png", "", "", "<html>"});
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("unsupported_media_type"), std::string::npos);
  r = call("alice", HttpRequest{"POST", "/api/media", "", "text/plain", "", "", std::string(1001, 'a')});
  EXPECT_EQ(r.status, 413);
  r = call("alice", HttpRequest{"POST", "/api/media", "", "text/plain", "", "", ""});
  EXPECT_EQ(r.status, 400);
  r = call("alice", HttpRequest{"POST", "/api/media", "", "multipart/form-data; boundary=B", "",
                                "", "garbage"});
  EXPECT_EQ(r.status, 400);
  r = call("alice", HttpRequest{"DELETE", "/api/media/x", "", "", "", "", ""});
  EXPECT_EQ(r.status, 405);
}

TEST_F(MediaRoutesTest, RangesAndConditionalRequests) {
  const std::string id = upload("alice", "0123456789");
  auto r = get("alice", id, "bytes=2-4");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "234");
  EXPECT_EQ(header(r, "Content-Range"), "bytes 2-4/10");
  r = get("alice", id, "bytes=-3");
  EXPECT_EQ(r.body, "789");
  r = get("alice", id, "bytes=10-");
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(header(r, "Content-Range"), "bytes */10");
  r = get("alice", id, "bytes=5-2");  // malformed: ignored
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 10u);
  const std::string etag = "\"" + sha256_hex("0123456789") + "\"";
  r = get("alice", id, "", etag);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "ETag"), etag);
  r = get("alice", id, "", "\"other\"");
  EXPECT_EQ(r.status, 200);
}

TEST_F(MediaRoutesTest, DownloadsAreStreamedNotHeld) {
  const std::string id = upload("alice", "0123456789");
  auto target = parse_target("/api/media/" + id);
  HttpRequest req{"GET", "/api/media/" + id, "", "", "bytes=3-", "", ""};
  std::optional<HttpResponse> out;
  routes_.handle(api::AuthedRequest{"alice", req, *target}, [&](HttpResponse r) { out = std::move(r); });
  ASSERT_TRUE(out && out->stream);
  EXPECT_TRUE(out->body.empty()) << "the bytes come from the stream, not a string";
  EXPECT_EQ(out->stream->size(), 7u);
  EXPECT_EQ(drain(*out->stream, 3), "3456789");
}

TEST_F(MediaRoutesTest, ALostBlobIsAnInternalErrorBeforeAnyByte) {
  const std::string id = upload("alice", "0123456789");
  std::filesystem::remove(blobs_.path_of(sha256_hex("0123456789")));
  EXPECT_EQ(get("alice", id).status, 500);
  EXPECT_EQ(get("alice", id, "bytes=1-2").status, 500);
}

TEST_F(MediaRoutesTest, StrangersGetNotFound) {
  const std::string id = upload("alice", "secret");
  EXPECT_EQ(get("bob", id).status, 404);  // not sent anywhere yet
  ASSERT_TRUE(library_.attach("alice", "c1", "file", id, "").ok());
  EXPECT_EQ(get("bob", id).status, 404) << "attached, not yet committed";
  ASSERT_TRUE(library_.bind_message(id, "c1", "m1").ok());
  EXPECT_EQ(get("bob", id).status, 200);
  EXPECT_EQ(get("carol", id).status, 404);
  EXPECT_EQ(get("carol", "md_nope").status, 404);
}

TEST_F(MediaRoutesTest, OtherPathsAreNotMine) {
  HttpRequest req{"GET", "/api/conversations", "", "", "", "", ""};
  auto target = parse_target(req.target);
  EXPECT_FALSE(routes_.handle(api::AuthedRequest{"alice", req, *target}, [](HttpResponse) {}));
}

TEST_F(MediaRoutesTest, BodyLimitAndQueryTokenOnlyWhereNeeded) {
  auto t = [](std::string_view s) { return *parse_target(s); };
  EXPECT_EQ(routes_.body_limit("POST", t("/api/media")), 1000u + 64 * 1024);
  EXPECT_EQ(routes_.body_limit("POST", t("/api/conversations")), 0u);
  EXPECT_EQ(routes_.body_limit("GET", t("/api/media")), 0u);
  HttpRequest get{"GET", "/api/media/x", "", "", "", "", ""};
  EXPECT_TRUE(routes_.token_in_query(get, t("/api/media/x")));
  EXPECT_FALSE(routes_.token_in_query(get, t("/api/conversations/x")));
  HttpRequest post{"POST", "/api/media", "", "", "", "", ""};
  EXPECT_FALSE(routes_.token_in_query(post, t("/api/media")));
}

TEST(MediaHeaders, EtagMatching) {
  EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("*", "\"a\""));
  EXPECT_FALSE(etag_matches("\"b\"", "\"a\""));
  EXPECT_FALSE(etag_matches("a", "\"a\""));
}

TEST(MediaHeaders, DispositionNamesAreSafe) {
  MediaRecord r;
  r.name = "r\xC3\xA9sum\xC3\xA9 \"1\";.pdf";
  EXPECT_EQ(content_disposition(r),
            "attachment; filename=\"r__sum__ _1__.pdf\"; "
            "filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22%3B.pdf");
  r.width = r.height = 1;
  EXPECT_EQ(content_disposition(r).substr(0, 7), "inline;");
}

}  // namespace
}  // namespace parley::media

namespace parley::media {
namespace {

// With an offload (cluster mode: the request lane), an upload and a
// download run there, after the handler returned, on copies of the request:
// what the handler was given may be gone by then.
TEST(MediaRoutesOffload, UploadAndDownloadRunThroughTheOffloadOnCopies) {
  test_support::TempDir dir;
  DiskBlobStore blobs{dir.path()};
  DiskMediaCatalog catalog{dir.path()};
  MediaLibrary library{blobs, catalog, [](const std::string&, const std::string&) { return false; },
                       MediaOptions{1000}};
  std::vector<std::pair<std::function<gateway::HttpResponse()>,
                        std::function<void(gateway::HttpResponse)>>>
      offloaded;
  MediaRoutes routes{library, [&](auto work, auto done) {
                       offloaded.emplace_back(std::move(work), std::move(done));
                     }};
  std::optional<gateway::HttpResponse> answer;
  auto call = [&](gateway::HttpRequest req) {
    auto target = parse_target(req.target);
    const std::string user = "alice";
    EXPECT_TRUE(routes.handle(api::AuthedRequest{user, req, *target},
                              [&](gateway::HttpResponse r) { answer = std::move(r); }));
  };  // req, target and user end here: the work must not refer to them

  call(gateway::HttpRequest{"POST", "/api/media?name=a.txt", "", "text/plain", "", "", "hello"});
  EXPECT_FALSE(answer) << "answered on the loop, not through the offload";
  ASSERT_EQ(offloaded.size(), 1u);
  offloaded[0].second(offloaded[0].first());
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 201) << answer->body;
  const std::string id(boost::json::parse(answer->body).at("media_id").as_string());

  answer.reset();
  gateway::HttpRequest get;
  get.method = "GET";
  get.target = "/api/media/" + id;
  call(std::move(get));
  EXPECT_FALSE(answer);
  ASSERT_EQ(offloaded.size(), 2u);
  offloaded[1].second(offloaded[1].first());
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  ASSERT_TRUE(answer->stream);
  EXPECT_EQ(test_support::read_all(*answer->stream, 64).value_or(""), "hello");
}

}  // namespace
}  // namespace parley::media
