// Authentication and the hello frame.
#include "support.h"

namespace bb {
namespace {

class AuthTest : public BlackboxTest {
 protected:
  // Expects the upgrade with `token` carried as told to be refused with HTTP 401 + JSON error.
  void expect_ws_401(const std::string& tok, TokenVia via, const std::string& what) {
    WsClient ws;
    auto r = ws.connect(port(), tok, via);
    EXPECT_FALSE(r.ok) << what << ": upgrade accepted";
    EXPECT_EQ(r.http_status, 401) << what << ": " << r.error << " " << r.body;
    // Same through a raw HTTP request, to look at the body.
    Headers h;
    std::string target = "/ws";
    if (via == TokenVia::header) h.push_back({"Authorization", "Bearer " + tok});
    if (via == TokenVia::query) target += "?token=" + url_encode(tok);
    if (via == TokenVia::subprotocol) h.push_back({"Sec-WebSocket-Protocol", "parley, " + tok});
    auto res = http().raw_upgrade(target, h);
    EXPECT_EQ(res.status, 401) << what << ": " << res.error << " " << res.body;
    EXPECT_EQ(res.error_code(), "unauthorized") << what << ": body " << res.body;
  }
};

TEST_F(AuthTest, HelloFrameHasAllFields) {
  WsClient ws;
  auto r = ws.connect(port(), token("alice"));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_status, 101);
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello) << "no frame";
  EXPECT_EQ(str(*hello, "type"), "hello") << dump(*hello);
  EXPECT_EQ(str(*hello, "user_id"), "alice") << dump(*hello);
  EXPECT_FALSE(str(*hello, "session_id").empty()) << dump(*hello);
  auto hb = num(*hello, "heartbeat_ms");
  ASSERT_TRUE(hb) << "heartbeat_ms not an integer: " << dump(*hello);
  EXPECT_GT(*hb, 0);
  auto rt = num(*hello, "retransmit_ms");
  ASSERT_TRUE(rt) << "retransmit_ms not an integer: " << dump(*hello);
  EXPECT_GT(*rt, 0);
  auto mr = num(*hello, "max_replay");
  ASSERT_TRUE(mr) << "max_replay not an integer: " << dump(*hello);
  EXPECT_EQ(*mr, 1000) << "max_replay default is 1000";
  auto st = num(*hello, "server_time");
  ASSERT_TRUE(st) << "server_time not an integer: " << dump(*hello);
  EXPECT_NEAR(static_cast<double>(*st), static_cast<double>(unix_now_ms()), 60000.0)
      << "server_time is not ms since the epoch";
  // Nothing else is expected on a fresh connection before we speak: a ping is answered next.
  EXPECT_TRUE(ws.ping_pong());
}

TEST_F(AuthTest, EachConnectionHasItsOwnSession) {
  WsClient a, b;
  ASSERT_TRUE(a.connect(port(), token("alice")).ok);
  ASSERT_TRUE(b.connect(port(), token("alice")).ok);
  auto ha = a.next_frame(5s), hb = b.next_frame(5s);
  ASSERT_TRUE(ha && hb);
  EXPECT_NE(str(*ha, "session_id"), str(*hb, "session_id"));
}

TEST_F(AuthTest, TokenInQueryString) {
  WsClient ws;
  auto r = ws.connect(port(), token("bob"), TokenVia::query);
  ASSERT_TRUE(r.ok) << r.error << " HTTP " << r.http_status << " " << r.body;
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(str(*hello, "type"), "hello");
  EXPECT_EQ(str(*hello, "user_id"), "bob");
}

TEST_F(AuthTest, TokenInSubprotocolIsAnsweredWithParley) {
  WsClient ws;
  auto r = ws.connect(port(), token("carol"), TokenVia::subprotocol);
  ASSERT_TRUE(r.ok) << r.error << " HTTP " << r.http_status << " " << r.body;
  EXPECT_EQ(r.subprotocol, "parley");
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(str(*hello, "type"), "hello");
  EXPECT_EQ(str(*hello, "user_id"), "carol");
}

TEST_F(AuthTest, HandCraftedValidTokenIsAccepted) {
  // Guards the negative tests below: our own HS256 signer produces tokens the server accepts.
  WsClient ws;
  auto r = ws.connect(port(), craft_hs256("dave", 3600, server().secret()));
  ASSERT_TRUE(r.ok) << r.error << " HTTP " << r.http_status << " " << r.body;
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(str(*hello, "user_id"), "dave");
}

TEST_F(AuthTest, MissingTokenIs401BeforeUpgrade) {
  WsClient ws;
  auto r = ws.connect(port(), "", TokenVia::none);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 401) << r.error;
  auto res = http().raw_upgrade("/ws");
  EXPECT_EQ(res.status, 401) << res.error;
  EXPECT_EQ(res.error_code(), "unauthorized") << res.body;
  EXPECT_NE(res.header("content-type").find("json"), std::string::npos) << res.header("content-type");
}

TEST_F(AuthTest, GarbageTokenIs401OnEveryTransport) {
  for (auto via : {TokenVia::header, TokenVia::query, TokenVia::subprotocol})
    expect_ws_401("not-a-jwt", via, "garbage token via " + std::to_string(static_cast<int>(via)));
}

TEST_F(AuthTest, WrongSecretIs401) {
  std::string tok = mint_token("alice", "some-other-secret");
  for (auto via : {TokenVia::header, TokenVia::query, TokenVia::subprotocol})
    expect_ws_401(tok, via, "wrong secret via " + std::to_string(static_cast<int>(via)));
}

TEST_F(AuthTest, TamperedSignatureIs401) {
  std::string tok = token("alice");
  // Flip a character in the middle of the signature (the last char may carry padding bits).
  auto dot = tok.rfind('.');
  ASSERT_NE(dot, std::string::npos);
  std::size_t i = dot + 1 + (tok.size() - dot - 1) / 2;
  tok[i] = tok[i] == 'A' ? 'B' : 'A';
  expect_ws_401(tok, TokenVia::header, "tampered signature");
}

TEST_F(AuthTest, TamperedPayloadIs401) {
  // Re-sign nothing: swap the payload for another user's, keep alice's signature.
  std::string a = token("alice"), m = token("mallory");
  auto a1 = a.find('.'), a2 = a.rfind('.');
  auto m1 = m.find('.'), m2 = m.rfind('.');
  std::string forged = a.substr(0, a1) + m.substr(m1, m2 - m1) + a.substr(a2);
  expect_ws_401(forged, TokenVia::header, "payload swapped");
}

TEST_F(AuthTest, ExpiredTokenIs401) {
  expect_ws_401(craft_hs256("alice", -120, server().secret()), TokenVia::header, "expired (crafted)");
  // The CLI may also mint expired tokens with a negative ttl; use it when it does.
  auto r = run_command({parley_binary(), "token", "alice", "--jwt-secret", server().secret(), "--ttl", "-1s"});
  if (r.exit_status == 0 && !r.out.empty()) {
    std::string tok = r.out;
    while (!tok.empty() && (tok.back() == '\n' || tok.back() == '\r')) tok.pop_back();
    expect_ws_401(tok, TokenVia::header, "expired (parley token --ttl -1s)");
  }
}

TEST_F(AuthTest, TokenWithoutExpIs401) {
  auto tok = craft_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, {{"sub", "alice"}, {"iat", unix_now_s()}},
                       server().secret());
  expect_ws_401(tok, TokenVia::header, "no exp claim");
}

TEST_F(AuthTest, AlgNoneIs401) {
  auto tok = craft_jwt({{"alg", "none"}, {"typ", "JWT"}},
                       {{"sub", "alice"}, {"exp", unix_now_s() + 3600}}, server().secret());
  expect_ws_401(tok, TokenVia::header, "alg none (signed anyway)");
  auto dot = tok.rfind('.');
  expect_ws_401(tok.substr(0, dot + 1), TokenVia::header, "alg none, empty signature");
}

TEST_F(AuthTest, InvalidSubjectIs401) {
  expect_ws_401(craft_hs256("bad user!", 3600, server().secret()), TokenVia::header, "sub with space");
  expect_ws_401(craft_hs256("", 3600, server().secret()), TokenVia::header, "empty sub");
  expect_ws_401(craft_hs256(std::string(129, 'a'), 3600, server().secret()), TokenVia::header,
                "sub of 129 chars");
}

TEST_F(AuthTest, SubjectWithAllAllowedCharactersIsAccepted) {
  std::string user = "Az09_.@:-x";
  WsClient ws;
  auto r = ws.connect(port(), craft_hs256(user, 3600, server().secret()));
  ASSERT_TRUE(r.ok) << r.error << " HTTP " << r.http_status << " " << r.body;
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(str(*hello, "user_id"), user);
  std::string longest(128, 'u');
  WsClient ws2;
  auto r2 = ws2.connect(port(), craft_hs256(longest, 3600, server().secret()));
  EXPECT_TRUE(r2.ok) << "128-char user id refused: " << r2.error << " HTTP " << r2.http_status;
}

TEST_F(AuthTest, RestWithoutOrWithBadTokenIs401) {
  auto r = http().get("/api/conversations");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.error_code(), "unauthorized") << r.body;
  auto r2 = http().get("/api/conversations", "garbage");
  EXPECT_EQ(r2.status, 401) << r2.body;
  EXPECT_EQ(r2.error_code(), "unauthorized") << r2.body;
  auto r3 = http().get("/api/conversations", mint_token("alice", "some-other-secret"));
  EXPECT_EQ(r3.status, 401) << r3.body;
  EXPECT_EQ(r3.error_code(), "unauthorized") << r3.body;
  auto r4 = http().get("/api/conversations", craft_hs256("alice", -120, server().secret()));
  EXPECT_EQ(r4.status, 401) << r4.body;
  EXPECT_EQ(r4.error_code(), "unauthorized") << r4.body;
}

TEST_F(AuthTest, HealthzIsOk) {
  auto r = http().get("/healthz");
  EXPECT_EQ(r.status, 200) << r.error;
  ASSERT_TRUE(r.json && r.json->is_object()) << r.body;
  EXPECT_EQ(str(r.json->as_object(), "status"), "ok");
}

}  // namespace
}  // namespace bb

namespace bb {
namespace {

// Cross-site WebSocket hijacking: a page of another origin is refused even
// with a valid token; the server's own origin and non-browsers are not.
TEST_F(AuthTest, ForeignBrowserOriginIsRefused) {
  auto bearer = Headers{{"Authorization", "Bearer " + token("alice")}};
  auto foreign = bearer;
  foreign.push_back({"Origin", "https://evil.example"});
  auto res = http().raw_upgrade("/ws", foreign);
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_EQ(res.error_code(), "forbidden") << res.body;

  auto own = bearer;
  own.push_back({"Origin", "http://127.0.0.1:" + std::to_string(port())});
  EXPECT_EQ(http().raw_upgrade("/ws", own).status, 101);
  EXPECT_EQ(http().raw_upgrade("/ws", bearer).status, 101);  // no Origin: not a browser
}

}  // namespace
}  // namespace bb
