// memory_test.cc: rtmd's memory bounds count real bytes (issue 13, item 5;
// docs/SERVER.md "Memory"). Each test fills one bound the way an attacker
// would, with the smallest entries (where payload bytes and real bytes are
// furthest apart), and checks that rtmd's resident memory grew by about the
// bound and no more. The in-memory store shows the count exact; the
// durable one adds SQLite's page cache (at most 16 MiB, sqlite_writer.c),
// whatever the data. Skipped under AddressSanitizer, whose redzones make
// RSS meaningless.
#include <cstdio>
#include <string>

#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define RTM_SKIP_UNDER_ASAN() GTEST_SKIP() << "AddressSanitizer's redzones make RSS meaningless"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RTM_SKIP_UNDER_ASAN() GTEST_SKIP() << "AddressSanitizer's redzones make RSS meaningless"
#endif
#endif
#ifndef RTM_SKIP_UNDER_ASAN
#define RTM_SKIP_UNDER_ASAN() (void)0
#endif

constexpr long kBound = 4 * 1024 * 1024;  // bytes
// Offline messages take one round trip each (with the engine deferred,
// 300 us more): a smaller bound keeps the test short.
constexpr long kOfflineBound = 1024 * 1024;
// What else rtmd may allocate meanwhile: the sender's link, encoding
// buffers, allocator slack.
constexpr long kSlackKb = 3 * 1024;

// One-byte offline messages to many receivers: before the bound counted
// real bytes, 4 MB of them took 89 MB.
TEST(Memory, OfflineMessagesOfOneByteStayWithinTheBound_Issue13Item5) {
  RTM_SKIP_UNDER_ASAN();
  RtmdProcess rtmd(
      {"--store", "mem", "--offline-max-bytes", std::to_string(kOfflineBound), "--rate", "messages=0/1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  long before = rtmd.RssKb();
  int kept = 0, code = 0;
  for (int i = 0; i < 200000; i++) {
    code = a.PeerSend("r" + std::to_string(i % 500), "x", true);
    if (code != RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER) break;
    kept++;
  }
  EXPECT_EQ(code, RTM_PEER_MESSAGE_ERR_FAILURE);
  long grew_kb = rtmd.RssKb() - before;
  std::printf("%d one-byte offline messages kept in %ld KiB (%.0f bytes each; bound %ld KiB)\n",
              kept, grew_kb, grew_kb * 1024.0 / kept, kOfflineBound / 1024);
  EXPECT_LT(grew_kb, kOfflineBound / 1024 + kSlackKb);
  EXPECT_GT(grew_kb, kOfflineBound / 1024 / 2) << "counted bytes far above what was used";
}

// Channel attributes of many channels of one app (none joined): they fill
// the app's bound and are SIZE_OVERFLOW after it; another app still writes.
// Before the bound, 20 sessions added 64 MB in 1.2 s.
void FillChannelAttributes(const std::string& store, long allowance_kb) {
  RtmdProcess rtmd({"--store", store, "--channel-attrs-max-bytes", std::to_string(kBound),
                    "--rate", "attribute-writes=0/1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  long before = rtmd.RssKb();
  const int kSet = RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET;
  Attrs full;  // 32 entries of 1 KB: nearly the 32 KB a channel may hold
  for (int k = 0; k < 31; k++) full.push_back({"k" + std::to_string(k), std::string(1000, 'v')});
  int channels = 0, code = 0;
  for (int i = 0; i < 10000; i++) {
    code = a.SetChannelAttributes("ch" + std::to_string(i), kSet, full);
    if (code != 0) break;
    channels++;
  }
  EXPECT_EQ(code, RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
  long grew_kb = rtmd.RssKb() - before;
  std::printf("%s store: channel attributes of %d channels kept in %ld KiB (bound %ld KiB)\n",
              store.c_str(), channels, grew_kb, kBound / 1024);
  EXPECT_LT(grew_kb, kBound / 1024 + allowance_kb);
  EXPECT_TRUE(rtmd.WaitForLog("app app: --channel-attrs-max-bytes (4194304 bytes) reached"));
  // Shrinking one is allowed; another app has its own bound.
  EXPECT_EQ(a.SetChannelAttributes("ch0", kSet, {{"k", "v"}}), 0);
  TestClient other;
  ASSERT_TRUE(Online(other, rtmd, "bob", "other-app"));
  EXPECT_EQ(other.SetChannelAttributes("ch0", kSet, full), 0);
}

TEST(Memory, ChannelAttributesStayWithinTheAppsBound_Issue13Item9) {
  RTM_SKIP_UNDER_ASAN();
  FillChannelAttributes("mem", kSlackKb);
}

TEST(Memory, ChannelAttributesStayWithinTheAppsBoundOnTheDurableStore_Issue13Item9) {
  RTM_SKIP_UNDER_ASAN();
  FillChannelAttributes("sqlite", 16 * 1024 + kSlackKb);
}

}  // namespace
}  // namespace rtm_test
