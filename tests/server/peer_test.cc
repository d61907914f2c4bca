// Peer messages: delivery, seq, acknowledgement, refusals (SPEC A3, A4, A6).
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

// B5: a message carrying a field the server does not know, encoded so that
// protobuf-c decodes it but cannot encode it back (field 0 with an overlong
// two-byte tag, found by the frame fuzzer), is delivered without that field:
// the receiver decodes its PeerDeliver and keeps its link.
TEST(Peer, UnknownFieldsAreNotForwarded_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  // Message{type 1, text "hi", field 0 (fixed64) with tag 0x81 0x00}.
  const uint8_t msg[] = {0x08, 0x01, 0x12, 0x02, 'h', 'i', 0x81, 0x00,
                         0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> ps = {0x0a, 0x03, 'b', 'o', 'b', 0x12, sizeof msg};
  ps.insert(ps.end(), msg, msg + sizeof msg);
  // Frame{request_id 77, peer_send (field 19)}.
  std::vector<uint8_t> frame = {0x08, 77, 0x9a, 0x01, static_cast<uint8_t>(ps.size())};
  frame.insert(frame.end(), ps.begin(), ps.end());
  std::vector<uint8_t> wire = {0, 0, 0, static_cast<uint8_t>(frame.size())};
  wire.insert(wire.end(), frame.begin(), frame.end());
  ASSERT_TRUE(a.SendRaw(wire.data(), wire.size()));
  FramePtr r = a.Expect(RTM__WIRE__FRAME__BODY_RESULT);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request_id, 77u);
  EXPECT_EQ(r->result->code, RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d) << "bob could not decode what he was sent";
  EXPECT_STREQ(d->peer_deliver->message->text, "hi");
  EXPECT_EQ(d->peer_deliver->message->base.n_unknown_fields, 0u);
  EXPECT_EQ(a.PeerSend("bob", "after"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d2 = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d2) << "bob's link did not survive";
  EXPECT_STREQ(d2->peer_deliver->message->text, "after");
}

// A6: OK when the peer is online; it receives PeerDeliver{from, message,
// seq} with seq 1, 2, 3 and a server timestamp, in the order sent (B1).
TEST(Peer, DeliveredInOrderWithSeq_A6) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  uint64_t before = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  for (const char* text : {"one", "two", "three"})
    ASSERT_EQ(a.PeerSend("bob", text), RTM_PEER_MESSAGE_ERR_OK);
  uint64_t seq = 0;
  for (const char* text : {"one", "two", "three"}) {
    FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->request_id, 0u);
    EXPECT_STREQ(d->peer_deliver->from, "alice");
    EXPECT_STREQ(d->peer_deliver->message->text, text);
    EXPECT_EQ(d->peer_deliver->message->type, 1u);
    EXPECT_FALSE(d->peer_deliver->message->offline);
    EXPECT_GE(d->peer_deliver->message->server_ts + 1000, before);
    EXPECT_EQ(d->peer_deliver->seq, ++seq);
  }
  EXPECT_TRUE(b.PeerAck(3));
  // seq is per receiving session: bob's own messages to alice start at 1.
  ASSERT_EQ(b.PeerSend("alice", "back"), 0);
  FramePtr d = a.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->peer_deliver->seq, 1u);
  EXPECT_STREQ(d->peer_deliver->from, "bob");
}

// Raw messages keep their bytes and description.
TEST(Peer, RawMessagesAreDeliveredIntact) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  uint8_t raw[] = {0, 1, 2, 255, 0};
  Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
  m.type = 2;
  m.raw.data = raw;
  m.raw.len = sizeof raw;
  m.description = const_cast<char*>("five bytes");
  Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
  ps.to = const_cast<char*>("bob");
  ps.message = &m;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
  f.peer_send = &ps;
  FramePtr r = a.Request(f);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->body_case, RTM__WIRE__FRAME__BODY_RESULT);
  EXPECT_EQ(r->result->code, 0);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->peer_deliver->message->type, 2u);
  ASSERT_EQ(d->peer_deliver->message->raw.len, sizeof raw);
  EXPECT_EQ(0, memcmp(d->peer_deliver->message->raw.data, raw, sizeof raw));
  EXPECT_STREQ(d->peer_deliver->message->description, "five bytes");
}

// A6: an offline peer is PEER_UNREACHABLE (3), with or without
// enable_offline (offline storage is not there yet).
TEST(Peer, OfflinePeerIsUnreachable_A6) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  EXPECT_EQ(a.PeerSend("nobody", "hi"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
}

// The texts of the PeerDelivers that arrive within a short wait, with
// " (offline)" for those flagged offline; each is acknowledged.
std::vector<std::string> Delivered(TestClient& c) {
  std::vector<std::string> got;
  while (FramePtr f = c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER, 300)) {
    const Rtm__Wire__Message* m = f->peer_deliver->message;
    got.push_back(std::string(f->peer_deliver->from) + ":" + m->text +
                  (m->offline ? " (offline)" : ""));
    c.PeerAck(f->peer_deliver->seq);
  }
  return got;
}

// A6: with offline messaging on, a message to a user who is not logged in
// is CACHED_BY_SERVER (4) and delivered, in order and flagged offline, at
// its next login, once; later messages are not flagged.
TEST(Peer, OfflineMessagesAreKeptAndDeliveredAtTheNextLogin_A6) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, c;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(c, rtmd, "carol"));
  EXPECT_EQ(a.PeerSend("bob", "one", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  EXPECT_EQ(a.PeerSend("bob", "lost"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
  EXPECT_EQ(c.PeerSend("bob", "two", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  EXPECT_EQ(a.PeerSend("bob", "three", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  {
    TestClient b;
    ASSERT_TRUE(Online(b, rtmd, "bob"));
    EXPECT_EQ(Delivered(b), (std::vector<std::string>{"alice:one (offline)", "carol:two (offline)",
                                                      "alice:three (offline)"}));
    EXPECT_EQ(a.PeerSend("bob", "now", true), RTM_PEER_MESSAGE_ERR_OK);
    EXPECT_EQ(Delivered(b), (std::vector<std::string>{"alice:now"}));
    EXPECT_EQ(b.Logout(), 0);
  }
  EXPECT_TRUE(rtmd.WaitForLog(
      "app/bob: delivered 0 peer messages kept from an ended session and 3 offline ones"));
  TestClient b2;
  ASSERT_TRUE(Online(b2, rtmd, "bob", "app", 2));
  EXPECT_TRUE(Delivered(b2).empty());
}

// A6: at most --offline-max per receiver (200 by default), the newest
// replacing the oldest; every one is CACHED_BY_SERVER.
TEST(Peer, OfflineQueueKeepsTheNewest_A6) {
  RtmdProcess rtmd({"--offline-max", "3"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  for (int i = 1; i <= 5; i++)
    EXPECT_EQ(a.PeerSend("bob", "m" + std::to_string(i), true),
              RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(Delivered(b), (std::vector<std::string>{"alice:m3 (offline)", "alice:m4 (offline)",
                                                    "alice:m5 (offline)"}));
}

// The default keeps 200.
TEST(Peer, OfflineQueueDefaultIs200_A6) {
  RtmdProcess rtmd({"--rate", "messages=0/1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  for (int i = 1; i <= 210; i++)
    ASSERT_EQ(a.PeerSend("bob", "m" + std::to_string(i), true),
              RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  std::vector<std::string> got = Delivered(b);
  ASSERT_EQ(got.size(), 200u);
  EXPECT_EQ(got.front(), "alice:m11 (offline)");
  EXPECT_EQ(got.back(), "alice:m210 (offline)");
}

// A6: a message older than --offline-ttl-s (7 days by default) is not
// delivered.
TEST(Peer, OfflineMessagesExpire_A6) {
  RtmdProcess rtmd({"--offline-ttl-s", "1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  EXPECT_EQ(a.PeerSend("bob", "old", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(a.PeerSend("bob", "new", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  TestClient b;
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(Delivered(b), (std::vector<std::string>{"alice:new (offline)"}));
}

// Over --offline-max-bytes of memory in all, a message is not kept: FAILURE
// (1), with a warning; --offline-max 0 turns offline messages off
// (PEER_UNREACHABLE).
TEST(Peer, OfflineStoreIsBounded_A6) {
  RtmdProcess rtmd({"--offline-max-bytes", "2000"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  EXPECT_EQ(a.PeerSend("bob", "small", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  EXPECT_EQ(a.PeerSend("carol", std::string(2000, 'x'), true), RTM_PEER_MESSAGE_ERR_FAILURE);
  EXPECT_TRUE(rtmd.WaitForLog("--offline-max-bytes (2000 bytes) reached: offline messages are "
                              "refused"));

  RtmdProcess off({"--offline-max", "0"});
  ASSERT_TRUE(off.started());
  TestClient a2;
  ASSERT_TRUE(Online(a2, off, "alice"));
  EXPECT_EQ(a2.PeerSend("bob", "hi", true), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
}

// A3: an invalid peer id is INVALID_USERID (6).
TEST(Peer, InvalidPeerIdIsRefused_A3) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  for (const std::string& bad :
       {std::string(""), std::string("null"), std::string(65, 'b'), std::string("b\"ob")})
    EXPECT_EQ(a.PeerSend(bad, "hi"), RTM_PEER_MESSAGE_ERR_INVALID_USERID) << bad;
}

// A4: a message is 1..32768 bytes; otherwise INVALID_MESSAGE (7).
TEST(Peer, MessageSizeIsChecked_A4) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  EXPECT_EQ(a.PeerSend("bob", ""), RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
  EXPECT_EQ(a.PeerSend("bob", std::string(32769, 'm')), RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
  EXPECT_EQ(a.PeerSend("bob", std::string(32768, 'm')), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(strlen(d->peer_deliver->message->text), 32768u);
  // A PeerSend with no message at all.
  Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
  ps.to = const_cast<char*>("bob");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
  f.peer_send = &ps;
  FramePtr r = a.Request(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result->code, RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
}

// Unacknowledged deliveries are kept per session up to --max-unacked; past
// it the oldest are dropped with a warning. PeerAck releases them.
TEST(Peer, UnacknowledgedQueueIsBounded) {
  RtmdProcess rtmd({"--max-unacked", "4"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  for (int i = 0; i < 4; i++) {
    ASSERT_EQ(a.PeerSend("bob", "m"), 0);
    ASSERT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  }
  ASSERT_TRUE(b.PeerAck(4));
  ASSERT_EQ(b.Join("sync"), 0);  // the ack is handled before this answer
  for (int i = 0; i < 4; i++) ASSERT_EQ(a.PeerSend("bob", "m"), 0);
  EXPECT_TRUE(b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));
  EXPECT_EQ(rtmd.Log().find("unacknowledged"), std::string::npos)
      << "acknowledged messages still counted";
  ASSERT_EQ(a.PeerSend("bob", "one too many"), 0);
  EXPECT_TRUE(rtmd.WaitForLog("more than 4 unacknowledged peer messages"));
}

// Issue 13, item 9: a receiver that never acknowledges makes every message a
// drop; the line about it is logged at most once a second (with how many
// were not). That the drops reach ReplayDone is Replay.PeerQueueOverflowIsReported_S9's.
TEST(Peer, DropsOfUnacknowledgedMessagesAreLoggedOnceASecond_Issue13Item9) {
  RtmdProcess rtmd({"--max-unacked", "2", "--rate", "messages=0/1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; i++) ASSERT_EQ(a.PeerSend("bob", "m"), 0);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string log = rtmd.Log();
  size_t lines = 0;
  for (size_t at = 0; (at = log.find("unacknowledged peer messages", at)) != std::string::npos;
       at++)
    lines++;
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 1u + static_cast<size_t>(s)) << "498 drops in " << s << " s";
}

}  // namespace
}  // namespace rtm_test
