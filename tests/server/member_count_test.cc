// member_count_test.cc: getChannelMemberCount, onMemberCountUpdated (at
// most once a second) and channels above 512 members (the reference's
// "Limits": member events are not sent, getMembers returns 512).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

// "channel=count" of each entry of a MemberCounts answer.
std::vector<std::string> Counts(const FramePtr& f) {
  std::vector<std::string> v;
  for (size_t i = 0; i < f->member_counts->n_counts; i++)
    v.push_back(std::string(f->member_counts->counts[i]->channel) + "=" +
                std::to_string(f->member_counts->counts[i]->count));
  return v;
}

// getChannelMemberCount: each channel's count in the order asked, joined or
// not, 0 for a channel nobody is in; 1 to 32 valid ids, else
// INVALID_ARGUMENT (2) or EXCEED_LIMIT (5).
TEST(MemberCount, CountsInTheOrderAskedAndTheirCodes) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  ASSERT_EQ(a.Join("room"), 0);
  ASSERT_EQ(b.Join("room"), 0);
  ASSERT_EQ(b.Join("hall"), 0);
  FramePtr r = a.GetMemberCount({"room", "hall", "empty"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->member_counts->code, 0);
  EXPECT_EQ(Counts(r), (std::vector<std::string>{"room=2", "hall=1", "empty=0"}));

  std::vector<std::string> many;
  for (int i = 0; i < 33; i++) many.push_back("c" + std::to_string(i));
  r = a.GetMemberCount(many);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->member_counts->code, RTM_GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT);
  EXPECT_EQ(r->member_counts->n_counts, 0u);
  many.pop_back();
  r = a.GetMemberCount(many);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->member_counts->code, 0);
  for (const auto& bad : std::vector<std::vector<std::string>>{{}, {"room", "bad/id"},
                                                                {std::string(65, 'c')}}) {
    r = a.GetMemberCount(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->member_counts->code, RTM_GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT);
  }
}

// The next MemberCountEvent on c, with its arrival time.
FramePtr NextCount(TestClient& c, Clock::time_point* at, int timeout_ms = 3000) {
  FramePtr f = c.Expect(RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT, timeout_ms);
  *at = Clock::now();
  return f;
}

// onMemberCountUpdated: a change is sent to the members at once when the
// last count went out a second ago or more; changes within the second come
// as one event with the count of the moment, a second after the last.
TEST(MemberCount, EventsAtMostOnceASecondWithTheLatestCount) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_EQ(a.Join("room"), 0);
  Clock::time_point t1, t2;
  FramePtr e = NextCount(a, &t1);
  ASSERT_TRUE(e);
  EXPECT_STREQ(e->member_count_event->channel, "room");
  EXPECT_EQ(e->member_count_event->count, 1u);
  // Three join and one leaves within the second: one event, count 3.
  std::vector<std::unique_ptr<TestClient>> others;
  for (int i = 0; i < 3; i++) {
    others.push_back(std::make_unique<TestClient>());
    ASSERT_TRUE(Online(*others.back(), rtmd, "u" + std::to_string(i)));
    ASSERT_EQ(others.back()->Join("room"), 0);
  }
  ASSERT_EQ(others[0]->Leave("room"), 0);
  e = NextCount(a, &t2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->member_count_event->count, 3u);
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1).count(), 900);
  EXPECT_FALSE(a.Expect(RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT, 1300)) << "no change, no event";
  // Members who joined meanwhile got it too.
  EXPECT_TRUE(others[2]->Expect(RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT));
}

// Above 512 members a channel sends no member events, getMembers answers
// 512 of them, and the count is still right.
TEST(MemberCount, AboveFiveHundredTwelveNoMemberEvents) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient watcher;
  ASSERT_TRUE(Online(watcher, rtmd, "watcher"));
  ASSERT_EQ(watcher.Join("big"), 0);
  std::vector<std::unique_ptr<TestClient>> users;
  for (int i = 1; i < 512; i++) {
    users.push_back(std::make_unique<TestClient>());
    ASSERT_TRUE(Online(*users.back(), rtmd, "u" + std::to_string(i)));
    ASSERT_EQ(users.back()->Join("big"), 0);
    // The watcher stays alive (3 s idle timeout) however slow the joins are
    // (under a sanitizer they take longer than that).
    if (i % 50 == 0) watcher.Ping();
  }
  // 512 members: the 512th join was still announced.
  FramePtr ev;
  while ((ev = watcher.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 300)) &&
         std::string(ev->member_event->user) != "u511") {
  }
  ASSERT_TRUE(ev) << "the join of the 512th member is announced";
  TestClient last;
  ASSERT_TRUE(Online(last, rtmd, "z513"));
  ASSERT_EQ(last.Join("big"), 0);
  EXPECT_FALSE(watcher.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 500));
  FramePtr m = watcher.GetMembers("big");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->members->code, 0);
  EXPECT_EQ(m->members->n_users, 512u);
  FramePtr c = watcher.GetMemberCount({"big"});
  ASSERT_TRUE(c);
  EXPECT_EQ(Counts(c), std::vector<std::string>{"big=513"});
  ASSERT_EQ(last.Leave("big"), 0);
  EXPECT_FALSE(watcher.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 300))
      << "the 513th member leaving is not announced either";
  ASSERT_EQ(users.back()->Leave("big"), 0);
  ev = watcher.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 2000);
  ASSERT_TRUE(ev) << "at 512 and below, events again";
  EXPECT_STREQ(ev->member_event->user, "u511");
}

}  // namespace
}  // namespace rtm_test
