// The Redis that rtmd's several-node engine will stand on (issue 16, SPEC
// B7), as the tests run it (redis_process.h): Debian's redis-server on a
// unix socket, answering; what it acknowledged is back after a SIGKILL
// (AOF with fsync at every write), so a test that kills it proves rtmd's
// promises, not Redis's defaults.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "redis_process.h"

namespace rtm_test {
namespace {

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

Context Connect(const RedisProcess& redis) {
  Context c(redisConnectUnix(redis.socket().c_str()));
  if (!c || c->err) ADD_FAILURE() << "cannot connect: " << (c ? c->errstr : "out of memory");
  return c;
}

Reply Command(const Context& c, const char* fmt, const char* a = nullptr,
              const char* b = nullptr) {
  return Reply(static_cast<redisReply*>(redisCommand(c.get(), fmt, a, b)));
}

// B7's ground: an acknowledged write survives a crash of Redis itself.
TEST(Redis, AnAcknowledgedWriteSurvivesAKill_B7) {
  RedisProcess redis;
  ASSERT_TRUE(redis.started()) << redis.Log();
  {
    Context c = Connect(redis);
    ASSERT_TRUE(c);
    Reply pong = Command(c, "PING");
    ASSERT_TRUE(pong);
    EXPECT_EQ(std::string(pong->str, pong->len), "PONG");
    Reply ok = Command(c, "SET %s %s", "rtm:key", "kept");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->type, REDIS_REPLY_STATUS);
    Reply cfg = Command(c, "CONFIG GET %s", "appendfsync");
    ASSERT_TRUE(cfg && cfg->type == REDIS_REPLY_ARRAY && cfg->elements == 2);
    EXPECT_EQ(std::string(cfg->element[1]->str), "always");
  }
  EXPECT_EQ(redis.Kill(), 128 + 9);
  ASSERT_TRUE(redis.Restart()) << redis.Log();
  Context c = Connect(redis);
  ASSERT_TRUE(c);
  Reply got;
  for (int i = 0; i < 100; i++) {  // -LOADING while the AOF is read back
    got = Command(c, "GET %s", "rtm:key");
    if (got && got->type != REDIS_REPLY_ERROR) break;
    usleep(20000);
  }
  ASSERT_TRUE(got);
  ASSERT_EQ(got->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(got->str, got->len), "kept");
}

}  // namespace
}  // namespace rtm_test
