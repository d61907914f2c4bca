// User attributes: operations, limits and codes (SPEC A5), lifetime with
// the session (S14: a late-returning client re-sends them).
#include <string>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

constexpr int kSet = RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
constexpr int kAdd = RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE;
constexpr int kDelete = RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE;
constexpr int kClear = RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR;
constexpr int kInvalid = RTM_ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT;
constexpr int kOverflow = RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW;

// The attributes of user as c sees them; code in *code.
Attrs Get(TestClient& c, const std::string& user, const std::vector<std::string>& keys = {},
          int* code = nullptr) {
  Attrs out;
  FramePtr f = c.GetAttributes(user, keys);
  if (!f) {
    if (code) *code = -1;
    return out;
  }
  if (code) *code = f->attributes->code;
  EXPECT_STREQ(f->attributes->user, user.c_str());
  for (size_t i = 0; i < f->attributes->n_attributes; i++)
    out.emplace_back(f->attributes->attributes[i]->key, f->attributes->attributes[i]->value);
  return out;
}

class Attributes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rtmd_.started());
    ASSERT_TRUE(Online(a_, rtmd_, "alice", "app", 11));
    ASSERT_TRUE(Online(b_, rtmd_, "bob"));
  }
  RtmdProcess rtmd_{{"--session-grace-ms", "800"}};
  TestClient a_, b_;
};

// A5: SET replaces, ADD_OR_UPDATE merges, DELETE removes keys (absent ones
// are no error), CLEAR empties; Get answers sorted by key.
TEST_F(Attributes, EachOperation_A5) {
  EXPECT_EQ(Get(a_, "alice"), Attrs{});
  EXPECT_EQ(a_.SetAttributes(kSet, {{"b", "2"}, {"a", "1"}}), 0);
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"c", "4"}, {"b", "3"}}), 0);
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
  EXPECT_EQ(a_.SetAttributes(kDelete, {}, {"a", "zz"}), 0);
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"b", "3"}, {"c", "4"}}));
  EXPECT_EQ(a_.SetAttributes(kSet, {{"z", "9"}}), 0);
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"z", "9"}}));
  EXPECT_EQ(a_.SetAttributes(kClear, {}), 0);
  EXPECT_EQ(Get(a_, "alice"), Attrs{});
  EXPECT_EQ(a_.SetAttributes(kSet, {{"empty", ""}}), 0) << "an empty value is a value";
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"empty", ""}}));
}

// A5: an empty key, a key twice in one request, an unknown op:
// INVALID_ARGUMENT (3); a key over 32 bytes, a value over 8192 bytes, more
// than 32 entries or more than 16384 bytes of keys and values after the
// operation: SIZE_OVERFLOW (4). A refused operation changes nothing.
TEST_F(Attributes, LimitsAndCodes_A5) {
  ASSERT_EQ(a_.SetAttributes(kSet, {{"keep", "me"}}), 0);
  const Attrs before{{"keep", "me"}};
  EXPECT_EQ(a_.SetAttributes(kSet, {{"", "v"}}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"", "v"}}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kSet, {{std::string(33, 'k'), "v"}}), kOverflow);
  EXPECT_EQ(a_.SetAttributes(kSet, {{std::string(32, 'k'), "v"}}), 0);
  ASSERT_EQ(a_.SetAttributes(kSet, {{"keep", "me"}}), 0);
  EXPECT_EQ(a_.SetAttributes(kSet, {{"d", "1"}, {"d", "2"}}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"d", "1"}, {"e", "1"}, {"d", "2"}}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kDelete, {}, {"keep", "keep"}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kDelete, {}, {""}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(9, {{"x", "y"}}), kInvalid);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"v", std::string(8193, 'v')}}), kOverflow);
  EXPECT_EQ(Get(a_, "alice"), before);

  // Exactly at the limits is fine.
  EXPECT_EQ(a_.SetAttributes(kSet, {{std::string(32, 'k'), std::string(8192, 'v')}}), 0);
  Attrs full;
  for (int i = 0; i < 32; i++) full.emplace_back("k" + std::to_string(100 + i), "v");
  EXPECT_EQ(a_.SetAttributes(kSet, full), 0);
  EXPECT_EQ(Get(a_, "alice").size(), 32u);
  // One more entry, by SET or by a merge: SIZE_OVERFLOW, nothing changes.
  Attrs over = full;
  over.emplace_back("k999", "v");
  EXPECT_EQ(a_.SetAttributes(kSet, over), kOverflow);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"new", "v"}}), kOverflow);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"k100", "updated"}}), 0) << "an update adds no entry";
  EXPECT_EQ(Get(a_, "alice").size(), 32u);
  // 16384 bytes of keys and values at most: 2 x (1 + 8191) = 16384 fits.
  EXPECT_EQ(a_.SetAttributes(kSet, {{"a", std::string(8191, 'v')}, {"b", std::string(8191, 'v')}}),
            0);
  EXPECT_EQ(a_.SetAttributes(kAdd, {{"c", ""}}), kOverflow);  // 16385
  EXPECT_EQ(a_.SetAttributes(kSet, {{"a", std::string(8192, 'v')}, {"b", std::string(8192, 'v')}}),
            kOverflow);
  EXPECT_EQ(Get(a_, "alice"), (Attrs{{"a", std::string(8191, 'v')}, {"b", std::string(8191, 'v')}}));
}

// GetAttributes of another user, all or by keys (those that exist, sorted);
// an unknown user: USER_NOT_FOUND (6); a bad user id: INVALID_ARGUMENT (3).
TEST_F(Attributes, GetOfAnotherUser_A5) {
  ASSERT_EQ(b_.SetAttributes(kSet, {{"k3", "v3"}, {"k1", "v1"}, {"k2", "v2"}}), 0);
  int code = -1;
  EXPECT_EQ(Get(a_, "bob", {}, &code), (Attrs{{"k1", "v1"}, {"k2", "v2"}, {"k3", "v3"}}));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Get(a_, "bob", {"k3", "missing", "k1"}, &code), (Attrs{{"k1", "v1"}, {"k3", "v3"}}));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Get(a_, "bob", {"missing"}, &code), Attrs{});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Get(a_, "nobody", {}, &code), Attrs{});
  EXPECT_EQ(code, RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND);
  for (const std::string& bad : {std::string(""), std::string("null"), std::string(65, 'u')}) {
    Get(a_, bad, {}, &code);
    EXPECT_EQ(code, kInvalid) << bad;
  }
}

// S14: attributes live with the session: still there in grace, gone when
// the grace ends (so a late-returning client must re-send them), gone at
// logout, gone when another instance replaces the session.
TEST_F(Attributes, DroppedWhenTheSessionEnds_S14) {
  ASSERT_EQ(a_.SetAttributes(kSet, {{"k", "v"}}), 0);
  a_.Close();
  ASSERT_TRUE(rtmd_.WaitForLog("app/alice: link lost, session kept"));
  int code = -1;
  EXPECT_EQ(Get(b_, "alice", {}, &code), (Attrs{{"k", "v"}})) << "in grace";
  ASSERT_TRUE(rtmd_.WaitForLog("app/alice: not back within 800 ms, session ended"));
  Get(b_, "alice", {}, &code);
  EXPECT_EQ(code, RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND);
  ASSERT_TRUE(Online(a_, rtmd_, "alice", "app", 11));
  EXPECT_EQ(Get(b_, "alice", {}, &code), Attrs{});
  EXPECT_EQ(code, 0);

  ASSERT_EQ(a_.SetAttributes(kSet, {{"k", "v"}}), 0);
  ASSERT_EQ(a_.Logout(), 0);
  Get(b_, "alice", {}, &code);
  EXPECT_EQ(code, RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND);

  TestClient first, second;
  ASSERT_TRUE(Online(first, rtmd_, "alice", "app", 1));
  ASSERT_EQ(first.SetAttributes(kSet, {{"k", "v"}}), 0);
  ASSERT_TRUE(Online(second, rtmd_, "alice", "app", 2));  // kicks the first
  EXPECT_EQ(Get(b_, "alice", {}, &code), Attrs{});
  EXPECT_EQ(code, 0);
}

// Attributes need a login, like every request.
TEST(AttributesBeforeLogin, AreAProtocolError_B5) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient c;
  ASSERT_TRUE(c.Connect(rtmd.host(), rtmd.port()));
  ASSERT_TRUE(c.Hello());
  Rtm__Wire__GetAttributes g = RTM__WIRE__GET_ATTRIBUTES__INIT;
  g.user = const_cast<char*>("bob");
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_ATTRIBUTES;
  f.get_attributes = &g;
  ASSERT_TRUE(c.SendFrame(f));
  EXPECT_TRUE(ClosedWith(c, RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL));
}

}  // namespace
}  // namespace rtm_test
