// Framing (native/common/frame.c): round trips and bad input (SPEC B5).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "frame.h"

namespace {

struct Free {
  void operator()(rtm__frame* f) const { rtm__frame_free(f); }
};
using Ptr = std::unique_ptr<rtm__frame, Free>;

std::vector<uint8_t> Encode(const rtm__frame& f) {
  std::vector<uint8_t> buf(rtm__frame_encoded_size(&f));
  EXPECT_EQ(rtm__frame_encode(&f, buf.data()), buf.size());
  return buf;
}

Ptr Decode(const std::vector<uint8_t>& buf, rtm__frame_status want = RTM__FRAME_OK) {
  rtm__frame* f = nullptr;
  size_t used = 99;
  rtm__frame_status st =
      rtm__frame_decode(buf.data(), buf.size(), RTM__FRAME_MAX_DEFAULT, &f, &used);
  EXPECT_EQ(st, want) << rtm__frame_status_str(st);
  if (st == RTM__FRAME_OK)
    EXPECT_EQ(used, buf.size());
  else
    EXPECT_EQ(used, 0u);
  return Ptr(f);
}

TEST(Frame, HelloRoundTrip) {
  Rtm__Wire__Hello h = RTM__WIRE__HELLO__INIT;
  h.version = 1;
  h.heartbeat_ms = 1234;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 77;
  f.body_case = RTM__WIRE__FRAME__BODY_HELLO;
  f.hello = &h;
  std::vector<uint8_t> buf = Encode(f);
  uint32_t n = static_cast<uint32_t>(buf.size() - 4);
  EXPECT_EQ(buf[0], n >> 24);
  EXPECT_EQ(buf[3], n & 0xff);
  Ptr out = Decode(buf);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->request_id, 77u);
  ASSERT_EQ(out->body_case, RTM__WIRE__FRAME__BODY_HELLO);
  EXPECT_EQ(out->hello->version, 1u);
  EXPECT_EQ(out->hello->heartbeat_ms, 1234u);
  EXPECT_STREQ(rtm__frame_body_name(out.get()), "hello");
}

TEST(Frame, LoginRoundTrip) {
  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>("app");
  l.user_id = const_cast<char*>("alice");
  l.token = const_cast<char*>("tok");
  l.instance_id = 0xfedcba9876543210ull;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 1;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  Ptr out = Decode(Encode(f));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->body_case, RTM__WIRE__FRAME__BODY_LOGIN);
  EXPECT_STREQ(out->login->app_id, "app");
  EXPECT_STREQ(out->login->user_id, "alice");
  EXPECT_STREQ(out->login->token, "tok");
  EXPECT_EQ(out->login->instance_id, 0xfedcba9876543210ull);
}

TEST(Frame, PeerDeliverRoundTripWithRawMessage) {
  uint8_t raw[] = {0, 1, 2, 0xff};
  Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
  m.type = 2;
  m.raw.data = raw;
  m.raw.len = sizeof raw;
  m.description = const_cast<char*>("d");
  m.server_ts = 1764107901123ull;
  m.offline = true;
  Rtm__Wire__PeerDeliver d = RTM__WIRE__PEER_DELIVER__INIT;
  d.from = const_cast<char*>("bob");
  d.message = &m;
  d.seq = 42;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
  f.peer_deliver = &d;
  Ptr out = Decode(Encode(f));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->body_case, RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  EXPECT_STREQ(out->peer_deliver->from, "bob");
  EXPECT_EQ(out->peer_deliver->seq, 42u);
  const Rtm__Wire__Message* o = out->peer_deliver->message;
  ASSERT_TRUE(o);
  EXPECT_EQ(o->type, 2u);
  ASSERT_EQ(o->raw.len, sizeof raw);
  EXPECT_EQ(0, memcmp(o->raw.data, raw, sizeof raw));
  EXPECT_STREQ(o->description, "d");
  EXPECT_EQ(o->server_ts, 1764107901123ull);
  EXPECT_TRUE(o->offline);
}

TEST(Frame, MembersAndCloseRoundTrip) {
  char* users[] = {const_cast<char*>("alice"), const_cast<char*>("bob")};
  Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
  m.code = 0;
  m.users = users;
  m.n_users = 2;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 9;
  f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
  f.members = &m;
  Ptr out = Decode(Encode(f));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->members->n_users, 2u);
  EXPECT_STREQ(out->members->users[1], "bob");

  Rtm__Wire__Close c = RTM__WIRE__CLOSE__INIT;
  c.code = RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE;
  c.detail = const_cast<char*>("too big");
  rtm__frame g = RTM__WIRE__FRAME__INIT;
  g.body_case = RTM__WIRE__FRAME__BODY_CLOSE;
  g.close = &c;
  out = Decode(Encode(g));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->close->code, RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE);
  EXPECT_STREQ(out->close->detail, "too big");
}

// Two frames back to back decode one at a time.
TEST(Frame, ConsecutiveFrames) {
  Rtm__Wire__Ping p = RTM__WIRE__PING__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PING;
  f.ping = &p;
  std::vector<uint8_t> one = Encode(f);
  std::vector<uint8_t> two = one;
  two.insert(two.end(), one.begin(), one.end());
  rtm__frame* out = nullptr;
  size_t used = 0;
  ASSERT_EQ(rtm__frame_decode(two.data(), two.size(), 100, &out, &used), RTM__FRAME_OK);
  EXPECT_EQ(used, one.size());
  EXPECT_EQ(out->body_case, RTM__WIRE__FRAME__BODY_PING);
  rtm__frame_free(out);
}

// Every truncation of a frame is NEED_MORE and consumes nothing.
TEST(Frame, TruncatedInputNeedsMore) {
  Rtm__Wire__Join j = RTM__WIRE__JOIN__INIT;
  j.channel = const_cast<char*>("some channel");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 3;
  f.body_case = RTM__WIRE__FRAME__BODY_JOIN;
  f.join = &j;
  std::vector<uint8_t> buf = Encode(f);
  for (size_t n = 0; n < buf.size(); n++) {
    std::vector<uint8_t> part(buf.begin(), buf.begin() + static_cast<long>(n));
    Decode(part, RTM__FRAME_NEED_MORE);
  }
  size_t len = 0;
  EXPECT_EQ(rtm__frame_peek(buf.data(), 3, 1000, &len), RTM__FRAME_NEED_MORE);
}

// B5: a header over the limit is TOO_LARGE from the 4 bytes alone.
TEST(Frame, OversizedHeaderIsTooLarge_B5) {
  const uint8_t hdr[] = {0x7f, 0xff, 0xff, 0xff};
  size_t len = 0;
  EXPECT_EQ(rtm__frame_peek(hdr, 4, RTM__FRAME_MAX_DEFAULT, &len), RTM__FRAME_TOO_LARGE);
  rtm__frame* out = reinterpret_cast<rtm__frame*>(1);
  size_t used = 5;
  EXPECT_EQ(rtm__frame_decode(hdr, 4, RTM__FRAME_MAX_DEFAULT, &out, &used),
            RTM__FRAME_TOO_LARGE);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(used, 0u);
  // The limit itself is allowed, one more is not.
  const uint8_t at[] = {0, 0, 0x03, 0xe8};    // 1000
  const uint8_t over[] = {0, 0, 0x03, 0xe9};  // 1001
  EXPECT_EQ(rtm__frame_peek(at, 4, 1000, &len), RTM__FRAME_OK);
  EXPECT_EQ(len, 1000u);
  EXPECT_EQ(rtm__frame_peek(over, 4, 1000, &len), RTM__FRAME_TOO_LARGE);
}

// B5: garbage payloads are MALFORMED, never a crash.
TEST(Frame, GarbagePayloadIsMalformed_B5) {
  const std::vector<std::vector<uint8_t>> payloads = {
      {0xff, 0xff, 0xff, 0xff, 0xff},  // an endless varint
      {0x52, 0x05, 0x08},              // hello: length 5, only 1 byte there
      {0x0f},                          // wire type 7 does not exist
      {0x0a, 0x80},                    // truncated varint
  };
  for (const auto& p : payloads) {
    std::vector<uint8_t> buf = {0, 0, 0, static_cast<uint8_t>(p.size())};
    buf.insert(buf.end(), p.begin(), p.end());
    Decode(buf, RTM__FRAME_MALFORMED);
  }
  // Pseudo-random bytes: any status but a crash; OK frames are freed.
  uint32_t x = 12345;
  for (int i = 0; i < 2000; i++) {
    std::vector<uint8_t> buf = {0, 0, 0, 32};
    for (int k = 0; k < 32; k++) {
      x = x * 1103515245u + 12345u;
      buf.push_back(static_cast<uint8_t>(x >> 16));
    }
    rtm__frame* out = nullptr;
    size_t used = 0;
    rtm__frame_status st = rtm__frame_decode(buf.data(), buf.size(), 1000, &out, &used);
    EXPECT_TRUE(st == RTM__FRAME_OK || st == RTM__FRAME_MALFORMED ||
                st == RTM__FRAME_NUL_IN_STRING);
    rtm__frame_free(out);
  }
}

// f encoded, with every 0x7f byte (a marker in its strings) made a NUL.
std::vector<uint8_t> EncodeWithNuls(const rtm__frame& f) {
  std::vector<uint8_t> buf = Encode(f);
  for (uint8_t& b : buf)
    if (b == 0x7f)
      b = 0;
  return buf;
}

// SPEC A3 (issue 13, item 7): protobuf-c would hand "a\0b" out as "a". A
// NUL in any string field, at any depth, in a repeated one too, refuses the
// frame whole; in a bytes field it is data.
TEST(Frame, NulInsideAStringIsRefusedNotCut_A3) {
  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>("app");
  l.user_id = const_cast<char*>("a\x7f" "b");
  l.token = const_cast<char*>("");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.request_id = 1;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  EXPECT_FALSE(Decode(EncodeWithNuls(f), RTM__FRAME_NUL_IN_STRING));

  // Nested: PeerSend.message.text.
  Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
  m.type = 1;
  m.text = const_cast<char*>("hi\x7f" "there");
  Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
  ps.to = const_cast<char*>("bob");
  ps.message = &m;
  rtm__frame g = RTM__WIRE__FRAME__INIT;
  g.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
  g.peer_send = &ps;
  EXPECT_FALSE(Decode(EncodeWithNuls(g), RTM__FRAME_NUL_IN_STRING));

  // Repeated: the second of Members.users.
  char* users[] = {const_cast<char*>("alice"), const_cast<char*>("b\x7f" "ob")};
  Rtm__Wire__Members mm = RTM__WIRE__MEMBERS__INIT;
  mm.users = users;
  mm.n_users = 2;
  rtm__frame h = RTM__WIRE__FRAME__INIT;
  h.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
  h.members = &mm;
  EXPECT_FALSE(Decode(EncodeWithNuls(h), RTM__FRAME_NUL_IN_STRING));

  // Bytes: a raw message may hold NULs.
  uint8_t raw[] = {0x7f, 1, 0x7f};
  Rtm__Wire__Message r = RTM__WIRE__MESSAGE__INIT;
  r.type = 2;
  r.raw.data = raw;
  r.raw.len = sizeof raw;
  ps.to = const_cast<char*>("bob");
  ps.message = &r;
  Ptr out = Decode(EncodeWithNuls(g));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->peer_send->message->raw.len, 3u);
  EXPECT_EQ(out->peer_send->message->raw.data[0], 0);
  EXPECT_EQ(out->peer_send->message->raw.data[2], 0);
  EXPECT_STREQ(out->peer_send->to, "bob");
}

// A zero-length payload is a frame with no body (the receiver refuses it).
TEST(Frame, ZeroLengthPayloadHasNoBody) {
  std::vector<uint8_t> buf = {0, 0, 0, 0};
  Ptr out = Decode(buf);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->body_case, RTM__WIRE__FRAME__BODY__NOT_SET);
  EXPECT_EQ(out->request_id, 0u);
  EXPECT_STREQ(rtm__frame_body_name(out.get()), "none");
}

TEST(Frame, StatusNames) {
  EXPECT_STREQ(rtm__frame_status_str(RTM__FRAME_TOO_LARGE), "frame too large");
  EXPECT_STREQ(rtm__frame_status_str(RTM__FRAME_MALFORMED), "malformed frame");
  EXPECT_STREQ(rtm__frame_status_str(RTM__FRAME_NUL_IN_STRING), "NUL byte inside a string");
}

}  // namespace
