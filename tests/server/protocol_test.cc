// The link protocol: handshake, login, and bad input (SPEC S3, S4, A3, B5).
#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

uint64_t WallMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::vector<uint8_t> Header(uint32_t n) {
  uint32_t be = htonl(n);
  std::vector<uint8_t> h(4);
  std::memcpy(h.data(), &be, 4);
  return h;
}

// S3: Hello -> HelloAck{1, heartbeat, max_frame}; Login -> LoginResult{0}.
TEST(Protocol, HelloThenLoginSucceeds_S3) {
  RtmdProcess rtmd({"--heartbeat-ms", "700", "--max-frame", "50000"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  FramePtr ack = c.Hello(1, 1000);
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->body_case, RTM__WIRE__FRAME__BODY_HELLO_ACK);
  EXPECT_EQ(ack->request_id, c.last_request_id());
  EXPECT_EQ(ack->hello_ack->version, 1u);
  EXPECT_EQ(ack->hello_ack->heartbeat_ms, 700u);
  EXPECT_EQ(ack->hello_ack->max_frame, 50000u);

  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>("app");
  l.user_id = const_cast<char*>("alice");
  l.token = const_cast<char*>("");
  l.instance_id = 42;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  uint64_t before = WallMs();
  FramePtr r = c.Request(f);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->body_case, RTM__WIRE__FRAME__BODY_LOGIN_RESULT);
  EXPECT_EQ(r->request_id, f.request_id);
  EXPECT_EQ(r->login_result->code, RTM_LOGIN_ERR_OK);
  EXPECT_FALSE(r->login_result->resumed);
  EXPECT_GE(r->login_result->server_ts + 1000, before);
  EXPECT_LE(r->login_result->server_ts, WallMs() + 1000);
}

// Every answer echoes the request_id of its request.
TEST(Protocol, AnswersEchoRequestIds) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  Rtm__Wire__Join j = RTM__WIRE__JOIN__INIT;
  j.channel = const_cast<char*>("room");
  for (uint32_t id : {7u, 123456u, 3u}) {
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = id;
    f.body_case = RTM__WIRE__FRAME__BODY_JOIN;
    f.join = &j;
    ASSERT_TRUE(c.SendFrame(f));
    FramePtr r = c.Expect(RTM__WIRE__FRAME__BODY_RESULT);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->request_id, id);
  }
}

// B5: an unknown protocol version gets Close{VERSION} and the link closes.
TEST(Protocol, WrongVersionIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  EXPECT_FALSE(c.Hello(2));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_VERSION));
}

// B5: the first frame must be Hello.
TEST(Protocol, LoginBeforeHelloIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  EXPECT_EQ(c.Login("app", "alice"), -1);
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

// B5: a request other than Hello/Login/Ping before a successful login.
TEST(Protocol, RequestBeforeLoginIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  ASSERT_TRUE(c.Ping());  // allowed
  EXPECT_EQ(c.Join("room"), -1);
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
  EXPECT_TRUE(rtmd.WaitForLog("join before login"));
}

// B5: a refused login does not log in: requests still close the link.
TEST(Protocol, RequestAfterRefusedLoginIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_EQ(c.HelloLogin("app", "null"), RTM_LOGIN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(c.PeerSend("bob", "hi"), -1);
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

// A3: user ids are checked at login (INVALID_ARGUMENT, 3); the link stays
// usable for another attempt.
TEST(Protocol, LoginWithInvalidUserIdIsRefused_A3) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  for (const std::string& bad : {std::string(""), std::string("null"), std::string(65, 'u'),
                                 std::string("a/b"), std::string("tab\there")})
    EXPECT_EQ(c.Login("app", bad), RTM_LOGIN_ERR_INVALID_ARGUMENT) << "'" << bad << "'";
  EXPECT_EQ(c.Login("app", std::string(64, 'u')), RTM_LOGIN_ERR_OK);
}

// A second login on a logged-in link: ALREADY_LOGIN (8).
TEST(Protocol, SecondLoginOnALinkIsRefused) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  EXPECT_EQ(c.Login("app", "bob"), RTM_LOGIN_ERR_ALREADY_LOGIN);
  EXPECT_EQ(c.Join("room"), 0);  // still alice, still logged in
}

// S4: with --app-id, a login with another app id gets INVALID_APP_ID (4).
TEST(Protocol, UnknownAppIdIsRefused_S4) {
  RtmdProcess rtmd({"--app-id", "good", "--app-id", "also-good"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  EXPECT_EQ(c.Login("other", "alice"), RTM_LOGIN_ERR_INVALID_APP_ID);
  EXPECT_EQ(c.Login("", "alice"), RTM_LOGIN_ERR_INVALID_APP_ID);
  EXPECT_EQ(c.Login("also-good", "alice"), RTM_LOGIN_ERR_OK);
  EXPECT_EQ(rtmd.Log().find("development mode"), std::string::npos);
}

// Without --app-id any app id is accepted, with a loud warning.
TEST(Protocol, NoAppIdIsADevelopmentModeWithAWarning) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  EXPECT_TRUE(rtmd.WaitForLog("WARN  WARNING: no --app-id"));
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice", "anything-at-all"));
}

// Logout: Result{0}, then the server closes the link.
TEST(Protocol, LogoutAnswersThenCloses) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  EXPECT_EQ(c.Logout(), RTM_LOGOUT_ERR_OK);
  EXPECT_TRUE(c.WaitClosed());
  // The user is offline now.
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(b.PeerSend("alice", "hi"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
}

// B5: a header announcing more than --max-frame closes the link with
// Close{TOO_LARGE}, decided from the header alone: the server does not
// grow by what was announced.
TEST(BadInput, OversizedHeaderIsClosedWithoutAllocating_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  long rss_before = rtmd.RssKb();
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  std::vector<uint8_t> bytes = Header(0x7ffffff0u);
  bytes.resize(4 + 256 * 1024, 0xab);  // some of the announced payload
  c.SendRaw(bytes.data(), bytes.size());  // may fail midway once closed
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE));
  EXPECT_TRUE(rtmd.WaitForLog("over the limit"));
  long rss_after = rtmd.RssKb();
  ASSERT_GT(rss_before, 0);
  EXPECT_LT(rss_after - rss_before, 16 * 1024) << "rtmd grew by " << rss_after - rss_before
                                               << " KiB";
}

// B5: one byte over --max-frame is refused; exactly the limit is not.
TEST(BadInput, FrameLimitIsExact_B5) {
  RtmdProcess rtmd({"--max-frame", "1000"});
  ASSERT_TRUE(rtmd.started());
  TestClient ok;
  ASSERT_TRUE(Online(ok, rtmd, "alice"));
  // A Ping padded to exactly 1000 bytes with an unknown field (ignored).
  std::vector<uint8_t> payload = {0x7a, 0x00};  // field 15 (ping), length 0
  // field 1000, wire type 2 (bytes): tag varint 0xc2 0x3e, length varint
  size_t pad = 1000 - payload.size() - 2 - 2;
  payload.insert(payload.end(), {0xc2, 0x3e, static_cast<uint8_t>(0x80 | (pad & 0x7f)),
                                 static_cast<uint8_t>(pad >> 7)});
  payload.resize(1000, 'x');
  std::vector<uint8_t> frame = Header(1000);
  frame.insert(frame.end(), payload.begin(), payload.end());
  ASSERT_TRUE(ok.SendRaw(frame.data(), frame.size()));
  EXPECT_EQ(ok.Join("still-here"), 0);

  TestClient big;
  ASSERT_TRUE(Online(big, rtmd, "bob"));
  frame = Header(1001);
  frame.resize(4 + 1001, 0);
  big.SendRaw(frame.data(), frame.size());
  EXPECT_TRUE(ClosedWith(big, RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE));
}

// A Ping frame (header and payload) whose payload is exactly size bytes,
// padded with an unknown field (ignored by the server).
std::vector<uint8_t> PaddedPing(size_t size) {
  std::vector<uint8_t> payload = {0x7a, 0x00};  // field 15 (ping), length 0
  std::vector<uint8_t> tag = {0xc2, 0x3e};      // field 1000, wire type 2 (bytes)
  // The pad's length varint takes 3 bytes for these sizes (16384 to 2 MiB).
  size_t pad = size - payload.size() - tag.size() - 3;
  payload.insert(payload.end(), tag.begin(), tag.end());
  payload.insert(payload.end(), {static_cast<uint8_t>(0x80 | (pad & 0x7f)),
                                 static_cast<uint8_t>(0x80 | ((pad >> 7) & 0x7f)),
                                 static_cast<uint8_t>(pad >> 14)});
  payload.resize(size, 'x');
  std::vector<uint8_t> frame = Header(static_cast<uint32_t>(size));
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

// Issue 13, item 9: a link that has not logged in takes frames of at most
// 8 KiB (a Login with the longest token fits), so it cannot make rtmd hold a
// partial frame of --max-frame (64 KiB); once logged in, --max-frame holds.
TEST(BadInput, BeforeLoginAFrameIsAtMost8KiB_Issue13Item9) {
  RtmdProcess rtmd({"--max-conns-per-ip", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  std::vector<uint8_t> bytes = Header(60000);
  bytes.resize(4 + 30000, 0xab);
  c.SendRaw(bytes.data(), bytes.size());  // may fail midway once closed
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE));
  EXPECT_TRUE(rtmd.WaitForLog("frame of 60000 bytes over the limit of 8192"));

  TestClient in;
  ASSERT_TRUE(Online(in, rtmd, "alice"));
  std::vector<uint8_t> ping = PaddedPing(60000);
  ASSERT_TRUE(in.SendRaw(ping.data(), ping.size()));
  EXPECT_EQ(in.Join("still-here"), 0);

  // What links that have not logged in cost with a partial frame each.
  constexpr int kLinks = 500;
  long before = rtmd.RssKb();
  std::vector<std::unique_ptr<TestClient>> links;
  std::vector<uint8_t> partial = Header(8192);
  partial.resize(4 + 8000, 0xab);
  for (int i = 0; i < kLinks; i++) {
    links.push_back(std::make_unique<TestClient>());
    ASSERT_TRUE(links.back()->Connect(rtmd.host(), rtmd.port()) && links.back()->Hello());
    ASSERT_TRUE(links.back()->SendRaw(partial.data(), partial.size()));
  }
  EXPECT_EQ(in.Join("after-the-links"), 0);  // every partial frame was read by now
  double per_link = (rtmd.RssKb() - before) * 1024.0 / kLinks;
  std::printf("%d links holding 8000 bytes of a frame each: %.0f bytes of rtmd's RSS each\n",
              kLinks, per_link);
  EXPECT_LT(per_link, 24 * 1024);
}

// B5: bytes that are not a Frame: Close{PROTOCOL}, logged with the peer
// address.
TEST(BadInput, MalformedPayloadIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  std::vector<uint8_t> frame = Header(6);
  frame.insert(frame.end(), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  ASSERT_TRUE(c.SendRaw(frame.data(), frame.size()));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
  EXPECT_TRUE(rtmd.WaitForLog("127.0.0.1:"));
  EXPECT_TRUE(rtmd.WaitForLog("malformed frame"));
}

// B5: a zero-length payload decodes to a frame with no body: refused.
TEST(BadInput, FrameWithNoBodyIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  std::vector<uint8_t> frame = Header(0);
  ASSERT_TRUE(c.SendRaw(frame.data(), frame.size()));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
  EXPECT_TRUE(rtmd.WaitForLog("frame with no body"));
}

// B5: a body only the server sends (here HelloAck) is unexpected.
TEST(BadInput, ServerBodyFromAClientIsClosed_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(Online(c, rtmd, "alice"));
  Rtm__Wire__HelloAck ack = RTM__WIRE__HELLO_ACK__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_HELLO_ACK;
  f.hello_ack = &ack;
  ASSERT_TRUE(c.SendFrame(f));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

// f encoded with request_id id, its header first, with every 0x7f byte (a
// marker in its strings) made a NUL.
std::vector<uint8_t> WithNuls(rtm__frame f, uint32_t id) {
  f.request_id = id;
  std::vector<uint8_t> buf(rtm__frame_encoded_size(&f));
  rtm__frame_encode(&f, buf.data());
  for (size_t i = RTM__FRAME_HEADER; i < buf.size(); i++)
    if (buf[i] == 0x7f)
      buf[i] = 0;
  return buf;
}

// A3 (issue 13, item 7): an id with a NUL inside is refused on the wire, not
// cut at the NUL: a login as "a\0b" is closed as a protocol error and does
// not take over "a"'s session; a message to "a\0b" is refused the same way
// and never reaches "a".
TEST(BadInput, NulInsideAnIdIsRefusedNotCut_A3) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "a"));

  TestClient impostor;
  ASSERT_TRUE(impostor.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(impostor.Hello());
  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>("app");
  l.user_id = const_cast<char*>("a\x7f" "b");
  l.token = const_cast<char*>("");
  l.instance_id = 2;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  std::vector<uint8_t> login = WithNuls(f, 7);
  ASSERT_TRUE(impostor.SendRaw(login.data(), login.size()));
  EXPECT_TRUE(ClosedWith(impostor, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
  EXPECT_TRUE(rtmd.WaitForLog("NUL byte inside a string"));

  TestClient s;
  ASSERT_TRUE(Online(s, rtmd, "sender"));
  Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
  m.type = 1;
  m.text = const_cast<char*>("for a?");
  Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
  ps.to = const_cast<char*>("a\x7f" "b");
  ps.message = &m;
  rtm__frame g = RTM__WIRE__FRAME__INIT;
  g.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
  g.peer_send = &ps;
  std::vector<uint8_t> send = WithNuls(g, 8);
  ASSERT_TRUE(s.SendRaw(send.data(), send.size()));
  EXPECT_TRUE(ClosedWith(s, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));

  // "a" is still online, was not kicked, and the first message it gets is
  // the one sent to it by its name.
  TestClient s2;
  ASSERT_TRUE(Online(s2, rtmd, "sender2"));
  EXPECT_EQ(s2.PeerSend("a", "for a"), 0);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "for a");
  EXPECT_STREQ(d->peer_deliver->from, "sender2");
}

// Issue 13, item 4: what a client sends is escaped in the log. A Close's
// detail (accepted before login) with a newline and an escape sequence
// cannot forge a line of its own nor reach the operator's terminal.
TEST(BadInput, CloseDetailCannotForgeALogLine) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  Rtm__Wire__Close cl = RTM__WIRE__CLOSE__INIT;
  cl.code = RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL;
  cl.detail = const_cast<char*>("bye\n2026-12-02T00:00:00.000Z ERROR forged\x1b[2J");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_CLOSE;
  f.close = &cl;
  ASSERT_TRUE(c.SendFrame(f));
  EXPECT_TRUE(rtmd.WaitForLog("bye\\x0a2026-12-02T00:00:00.000Z ERROR forged\\x1b[2J"));
  std::string log = rtmd.Log();
  EXPECT_EQ(log.find("\n2026-12-02T00:00:00.000Z"), std::string::npos);
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
}

// B5: a bad client is closed; other sessions carry on undisturbed.
TEST(BadInput, OtherSessionsAreUnaffected_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  for (int i = 0; i < 5; i++) {
    TestClient bad;
    ASSERT_TRUE(bad.Connect(rtmd.host(), rtmd.port()));
    std::vector<uint8_t> junk = Header(3);
    junk.insert(junk.end(), {0x0a, 0xff, 0x01});
    bad.SendRaw(junk.data(), junk.size());
    EXPECT_TRUE(bad.WaitClosed());
  }
  EXPECT_EQ(a.PeerSend("bob", "still there?"), 0);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "still there?");
  EXPECT_EQ(b.ChannelSend("room", "and here"), 0);
  EXPECT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER));
  EXPECT_TRUE(rtmd.Running());
}

// B5: a client that does not read what it is sent is dropped once its
// output passes --max-output, with a logged reason; the sender is fine.
// With --session-grace-ms 0 the dropped session ends, so the sender's next
// message is PEER_UNREACHABLE (with a grace it would be queued, S9).
TEST(BadInput, ClientThatDoesNotReadIsDropped_B5) {
  RtmdProcess rtmd({"--max-output", "65536", "--session-grace-ms", "0"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, sink;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(sink, rtmd, "sink"));
  std::string text(30000, 'x');
  int code = 0;
  // Loopback socket buffers absorb a few MB before rtmd's own queue grows.
  for (int i = 0; i < 5000 && code == 0; i++) code = a.PeerSend("sink", text);
  EXPECT_EQ(code, RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  EXPECT_TRUE(rtmd.WaitForLog("does not read"));
  EXPECT_EQ(a.Join("room"), 0);
}

}  // namespace
}  // namespace rtm_test
