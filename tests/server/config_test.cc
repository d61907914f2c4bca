// rtmd's command line (config.c), without a process.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include "config.h"
}

namespace {

struct Parsed {
  rtmd_config cfg;
  rtmd_config_status st;
  std::string err;
  ~Parsed() { rtmd_config_free(&cfg); }
};

void Parse(Parsed& p, std::vector<std::string> args) {
  args.insert(args.begin(), "rtmd");
  static std::vector<std::string> keep;  // cfg points into argv
  keep = args;
  std::vector<char*> argv;
  for (auto& a : keep) argv.push_back(const_cast<char*>(a.c_str()));
  char* buf = nullptr;
  size_t len = 0;
  FILE* err = open_memstream(&buf, &len);
  FILE* out = fopen("/dev/null", "w");
  p.st = rtmd_config_parse(&p.cfg, static_cast<int>(argv.size()), argv.data(), out, err);
  fclose(err);
  fclose(out);
  p.err = buf ? buf : "";
  free(buf);
}

TEST(Config, Defaults) {
  Parsed p;
  Parse(p, {});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK);
  EXPECT_STREQ(p.cfg.listen, "127.0.0.1:9777");
  EXPECT_EQ(p.cfg.n_app_ids, 0u);
  EXPECT_EQ(p.cfg.heartbeat_ms, 1000u);
  EXPECT_EQ(p.cfg.idle_timeout_ms, 0u);
  EXPECT_EQ(p.cfg.login_deadline_ms, 10000u);
  EXPECT_EQ(p.cfg.max_frame, 64u * 1024u);
  EXPECT_EQ(p.cfg.max_unacked, 1024u);
  EXPECT_EQ(p.cfg.max_output, 4u * 1024u * 1024u);
  EXPECT_EQ(p.cfg.ready_file, nullptr);
  EXPECT_EQ(p.cfg.log_level, RTMD_LOG_INFO);
  EXPECT_TRUE(rtmd_config_app_allowed(&p.cfg, "anything"));
}

TEST(Config, EveryFlag) {
  Parsed p;
  Parse(p, {"--listen", "0.0.0.0:1234", "--app-id", "a", "--app-id=b", "--heartbeat-ms",
            "250", "--idle-timeout-ms=900", "--login-deadline-ms", "5000", "--max-frame",
            "2048", "--max-unacked", "8", "--max-output", "65536", "--ready-file", "/tmp/r",
            "--log-level", "debug"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_STREQ(p.cfg.listen, "0.0.0.0:1234");
  ASSERT_EQ(p.cfg.n_app_ids, 2u);
  EXPECT_TRUE(rtmd_config_app_allowed(&p.cfg, "a"));
  EXPECT_TRUE(rtmd_config_app_allowed(&p.cfg, "b"));
  EXPECT_FALSE(rtmd_config_app_allowed(&p.cfg, "c"));
  EXPECT_EQ(p.cfg.heartbeat_ms, 250u);
  EXPECT_EQ(p.cfg.idle_timeout_ms, 900u);
  EXPECT_EQ(p.cfg.login_deadline_ms, 5000u);
  EXPECT_EQ(p.cfg.max_frame, 2048u);
  EXPECT_EQ(p.cfg.max_unacked, 8u);
  EXPECT_EQ(p.cfg.max_output, 65536u);
  EXPECT_STREQ(p.cfg.ready_file, "/tmp/r");
  EXPECT_EQ(p.cfg.log_level, RTMD_LOG_DEBUG);
}

// S12, S10, B4: the grace and replay timings have defaults and flags.
TEST(Config, GraceAndReplayFlags_B4) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_EQ(d.cfg.session_grace_ms, 30000u);
  EXPECT_EQ(d.cfg.replay_window_ms, 30000u);
  EXPECT_EQ(d.cfg.replay_max, 32u);
  Parsed p;
  Parse(p, {"--session-grace-ms", "0", "--replay-window-ms=2000", "--replay-max", "3"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.session_grace_ms, 0u);
  EXPECT_EQ(p.cfg.replay_window_ms, 2000u);
  EXPECT_EQ(p.cfg.replay_max, 3u);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--session-grace-ms", "-1"}, {"--session-grace-ms", "86400001"},
           {"--replay-max", "10001"}, {"--replay-window-ms", "x"}}) {
    Parsed bad;
    Parse(bad, args);
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << args[0] << " " << args[1];
  }
}

TEST(Config, BadArgumentsAreErrorsWithAMessage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--nope"}, {"--listen"}, {"--listen", "9777"}, {"--listen", "host:port"},
           {"--listen", "h:70000"}, {"--heartbeat-ms", "-1"}, {"--heartbeat-ms", "5"},
           {"--heartbeat-ms", "10x"}, {"--max-frame", "99999999999"}, {"--log-level", "all"},
           {"--app-id", ""}, {"--ready-file", ""}, {"positional"}, {"--help=1"}}) {
    Parsed p;
    Parse(p, args);
    EXPECT_EQ(p.st, RTMD_CONFIG_ERROR) << args[0];
    EXPECT_NE(p.err.find("rtmd: "), std::string::npos) << args[0];
  }
}

// B6: the durable store is the default; --store, --data-dir and --fsync
// choose another (a later flag wins, in a config file too).
TEST(Config, StoreFlags_B6) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK) << d.err;
  EXPECT_EQ(d.cfg.store, RTMD_STORE_SQLITE);
  EXPECT_EQ(d.cfg.store_path, nullptr);
  EXPECT_EQ(d.cfg.data_dir, nullptr);
  EXPECT_EQ(d.cfg.fsync, RTMD_FSYNC_FULL);
  Parsed p;
  Parse(p, {"--store", "sqlite:/tmp/x.db", "--data-dir", "/srv/rtmd", "--fsync", "normal"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.store, RTMD_STORE_SQLITE);
  EXPECT_STREQ(p.cfg.store_path, "/tmp/x.db");
  EXPECT_STREQ(p.cfg.data_dir, "/srv/rtmd");
  EXPECT_EQ(p.cfg.fsync, RTMD_FSYNC_NORMAL);
  Parsed m;
  Parse(m, {"--store", "sqlite:/tmp/x.db", "--store=mem"});
  ASSERT_EQ(m.st, RTMD_CONFIG_OK) << m.err;
  EXPECT_EQ(m.cfg.store, RTMD_STORE_MEM);
  EXPECT_EQ(m.cfg.store_path, nullptr);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--store", "redis"}, {"--store", "sqlite:"}, {"--store", ""}, {"--fsync", "off"},
           {"--data-dir", ""}}) {
    Parsed bad;
    Parse(bad, args);
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << args[0] << " " << args[1];
    EXPECT_NE(bad.err.find("rtmd: "), std::string::npos) << bad.err;
  }
}

// Issue 16: a Redis store, by TCP or unix socket, with its database; the
// deadline of its operations and a start's wait for it.
// --media-dir: where media bytes are (nodes on one Redis may share it);
// not with --store mem (media in memory), never empty.
TEST(Config, MediaDir) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK) << d.err;
  EXPECT_EQ(d.cfg.media_dir, nullptr);
  Parsed shared;
  Parse(shared, {"--store", "redis://127.0.0.1:6379", "--media-dir", "/srv/rtmd-media"});
  ASSERT_EQ(shared.st, RTMD_CONFIG_OK) << shared.err;
  EXPECT_STREQ(shared.cfg.media_dir, "/srv/rtmd-media");
  Parsed mem;
  Parse(mem, {"--store", "mem", "--media-dir", "/srv/rtmd-media"});
  EXPECT_EQ(mem.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(mem.err.find("rtmd: --media-dir: with --store mem, media are kept in memory"),
            std::string::npos)
      << mem.err;
  Parsed empty;
  Parse(empty, {"--media-dir", ""});
  EXPECT_EQ(empty.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(empty.err.find("rtmd: --media-dir: must not be empty"), std::string::npos)
      << empty.err;
}

TEST(Config, RedisStoreFlags_B7) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK) << d.err;
  EXPECT_EQ(d.cfg.redis_timeout_ms, 2000u);
  EXPECT_EQ(d.cfg.redis_wait_ms, 10000u);
  struct Case {
    const char* url;
    const char* address;
    uint32_t db;
  };
  for (const Case& c : {Case{"redis://127.0.0.1:6379", "127.0.0.1:6379", 0},
                        Case{"redis://localhost:7000/3", "localhost:7000", 3},
                        Case{"redis+unix:///run/redis/redis.sock", "unix:/run/redis/redis.sock", 0},
                        Case{"redis+unix:///tmp/r.sock?db=12", "unix:/tmp/r.sock", 12}}) {
    Parsed p;
    Parse(p, {"--store", c.url, "--redis-timeout-ms", "500", "--redis-wait-ms", "1"});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << c.url << ": " << p.err;
    EXPECT_EQ(p.cfg.store, RTMD_STORE_REDIS);
    EXPECT_STREQ(p.cfg.redis_url, c.url);
    EXPECT_EQ(p.cfg.redis_timeout_ms, 500u);
    EXPECT_EQ(p.cfg.redis_wait_ms, 1u);
    char address[256];
    uint32_t db = 99;
    ASSERT_EQ(rtmd_redis_url_parse(c.url, address, sizeof address, &db), 0) << c.url;
    EXPECT_STREQ(address, c.address);
    EXPECT_EQ(db, c.db);
  }
  for (const char* url : {"redis://", "redis://host", "redis://:6379", "redis://host:0",
                          "redis://host:65536", "redis://host:6379/", "redis://host:6379/x",
                          "redis://host:6379/-1", "redis+unix://", "redis+unix://relative.sock",
                          "redis+unix:///tmp/r.sock?db=", "redis+unix:///tmp/r.sock?x=1",
                          "rediss://host:6379"}) {
    Parsed bad;
    Parse(bad, {"--store", url});
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << url;
    EXPECT_NE(bad.err.find("rtmd: --store: expected"), std::string::npos) << bad.err;
  }
  Parsed named;
  Parse(named, {"--node-id", "node-1.a_B"});
  ASSERT_EQ(named.st, RTMD_CONFIG_OK) << named.err;
  EXPECT_STREQ(named.cfg.node_id, "node-1.a_B");
  EXPECT_EQ(d.cfg.node_id, nullptr) << "default: kept in the data directory";
  EXPECT_EQ(d.cfg.node_timeout_ms, 5000u);
  Parsed timeout;
  Parse(timeout, {"--node-timeout-ms", "400"});
  ASSERT_EQ(timeout.st, RTMD_CONFIG_OK) << timeout.err;
  EXPECT_EQ(timeout.cfg.node_timeout_ms, 400u);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--redis-timeout-ms", "0"}, {"--redis-timeout-ms", "600001"},
           {"--redis-wait-ms", "0"}, {"--redis-wait-ms", "3600001"},
           {"--redis-wait-ms", "soon"}, {"--node-id", ""},
           {"--node-id", "a/b"}, {"--node-id", "a b"}, {"--node-id", std::string(65, 'n')},
           {"--node-timeout-ms", "99"}, {"--node-timeout-ms", "600001"}}) {
    Parsed bad;
    Parse(bad, args);
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << args[0] << " " << args[1];
    EXPECT_NE(bad.err.find(args[0]), std::string::npos) << bad.err;
  }
}

TEST(Config, HelpAndVersionAskToExit) {
  Parsed h, v;
  Parse(h, {"--help"});
  Parse(v, {"--version"});
  EXPECT_EQ(h.st, RTMD_CONFIG_EXIT);
  EXPECT_EQ(v.st, RTMD_CONFIG_EXIT);
}

// Idle timeout: the flag, else 3 x the client's heartbeat, at least 3000.
TEST(Config, IdleTimeoutFromTheClientsHeartbeat) {
  Parsed p;
  Parse(p, {});
  EXPECT_EQ(rtmd_config_idle_timeout(&p.cfg, 0), 3000u);
  EXPECT_EQ(rtmd_config_idle_timeout(&p.cfg, 500), 3000u);
  EXPECT_EQ(rtmd_config_idle_timeout(&p.cfg, 1000), 3000u);
  EXPECT_EQ(rtmd_config_idle_timeout(&p.cfg, 2000), 6000u);
  Parsed q;
  Parse(q, {"--idle-timeout-ms", "700"});
  EXPECT_EQ(rtmd_config_idle_timeout(&q.cfg, 2000), 700u);
}

// ---- connection caps and rates -------------------------------------------

// The open-file limit less the reserve, as rtmd__default_max_conns computes it.
uint32_t ExpectedMaxConns() {
  struct rlimit rl;
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  uint64_t n = rl.rlim_cur == RLIM_INFINITY ? (1u << 20) : rl.rlim_cur;
  // 64 for rtmd's own files, 32 for the admin API (issue 13, item 2).
  return static_cast<uint32_t>(n > 96 ? n - 96 : 1);
}

TEST(Config, LimitDefaults) {
  Parsed p;
  Parse(p, {});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK);
  struct rlimit rl;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 96) {
    EXPECT_EQ(p.cfg.max_conns, rl.rlim_cur - 96);
  }
  EXPECT_EQ(p.cfg.max_conns, ExpectedMaxConns());
  EXPECT_EQ(p.cfg.max_conns_per_ip, 1024u);
  // The reference's rates (java-api-1x.md, "Limits and rate limits").
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 50u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].period_ms, 3000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN_SAME].count, 2u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN_SAME].period_ms, 5000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].count, 1500u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].period_ms, 3000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_WRITES].count, 100u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_WRITES].period_ms, 5000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_READS].count, 400u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_READS].period_ms, 5000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_QUERY_PEERS].count, 100u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_QUERY_PEERS].period_ms, 5000u);
  EXPECT_EQ(p.cfg.n_owned, 0u);
}

// The default --max-conns follows the soft open-file limit of the moment,
// less 64 for rtmd's files and 32 for admin connections; a larger one asked
// for is lowered to it (rtmd_config_fit), so that links and admin
// connections together never exhaust the descriptors.
TEST(Config, MaxConnsDefaultFollowsTheOpenFileLimit) {
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 200) GTEST_SKIP();
  struct rlimit low = saved;
  low.rlim_cur = 200;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  Parsed p;
  Parse(p, {});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(p.st, RTMD_CONFIG_OK);
  EXPECT_EQ(p.cfg.max_conns, 104u);

  Parsed big;
  Parse(big, {"--max-conns", "5000"});
  ASSERT_EQ(big.st, RTMD_CONFIG_OK);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  uint32_t asked = rtmd_config_fit(&big.cfg);
  uint32_t budget = rtmd_config_links_budget();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(asked, 5000u);
  EXPECT_EQ(budget, 104u);
  EXPECT_EQ(big.cfg.max_conns, 104u);
  Parsed small;
  Parse(small, {"--max-conns", "50"});
  EXPECT_EQ(rtmd_config_fit(&small.cfg), 50u);
  EXPECT_EQ(small.cfg.max_conns, 50u);
}

TEST(Config, EveryLimitFlag) {
  Parsed p;
  Parse(p, {"--max-conns", "10", "--max-conns-per-ip=0", "--rate", "join=10/1",
            "--rate", "join-same-channel=0/5", "--rate=messages=3/0.001",
            "--rate", "attribute-writes=7/2.5", "--rate", "attribute-reads=1000000/86400",
            "--rate", "query-peers=2/0.5"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.max_conns, 10u);
  EXPECT_EQ(p.cfg.max_conns_per_ip, 0u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 10u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].period_ms, 1000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN_SAME].count, 0u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN_SAME].period_ms, 5000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].count, 3u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].period_ms, 1u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_WRITES].count, 7u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_WRITES].period_ms, 2500u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_READS].count, 1000000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_READS].period_ms, 86400000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_QUERY_PEERS].count, 2u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_QUERY_PEERS].period_ms, 500u);
}

// SECONDS has ms precision; a rate given twice takes the last; a rate left
// out keeps its default.
TEST(Config, RateSecondsInMsAndLastRateWins) {
  Parsed p;
  Parse(p, {"--rate", "join=1/1.234", "--rate", "join=9/0.25", "--rate", "messages=5/60",
            "--max-conns", "7", "--max-conns", "8", "--max-conns-per-ip", "3"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 9u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].period_ms, 250u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].period_ms, 60000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_ATTR_READS].count, 400u);
  EXPECT_EQ(p.cfg.max_conns, 8u);
  EXPECT_EQ(p.cfg.max_conns_per_ip, 3u);
  Parsed q;
  Parse(q, {"--rate", "join=1/1.234"});
  ASSERT_EQ(q.st, RTMD_CONFIG_OK) << q.err;
  EXPECT_EQ(q.cfg.rates[RTMD_RATE_JOIN].period_ms, 1234u);
}

TEST(Config, BadLimitValuesAreErrorsWithAClearMessage) {
  const std::string names =
      "NAME one of login, login-per-address, renew-token, join, join-same-channel, leave, "
      "messages, get-members, member-count, attribute-writes, attribute-reads, query-peers, "
      "subscriptions;";
  const std::string range = "COUNT from 0 to 1000000 and SECONDS from 0.001 to 86400";
  struct {
    std::vector<std::string> args;
    std::string want;
  } cases[] = {
      {{"--rate", "nope=1/1"}, names},
      {{"--rate", "Join=1/1"}, names},
      {{"--rate", "join"}, names},
      {{"--rate", "=1/1"}, names},
      {{"--rate", ""}, names},
      {{"--rate", "a-name-much-longer-than-the-buffer-for-it=1/1"}, names},
      {{"--rate"}, "--rate needs a value"},
      {{"--rate", "join=x/1"}, range},
      {{"--rate", "join=-1/1"}, range},
      {{"--rate", "join=+1/1"}, range},
      {{"--rate", "join=1000001/1"}, range},
      {{"--rate", "join=99999999999999999999/1"}, range},
      {{"--rate", "join=1"}, range},
      {{"--rate", "join=/1"}, range},
      {{"--rate", "join=1/"}, range},
      {{"--rate", "join=1/x"}, range},
      {{"--rate", "join=1/1x"}, range},
      {{"--rate", "join=1/-1"}, range},
      {{"--rate", "join=1/0"}, range},
      {{"--rate", "join=1/0.0"}, range},
      {{"--rate", "join=1/0.0004"}, range},
      {{"--rate", "join=1/86400.5"}, range},
      {{"--rate", "join=1/86401"}, range},
      {{"--rate", "join=1/ 1"}, range},
      {{"--rate", "join=1/nan"}, range},
      {{"--rate", "join=1/0x10"}, range},
      {{"--rate", "join=1/1e3"}, range},
      {{"--rate", "join=1/1."}, range},
      {{"--rate", "join=1/0.0015"}, range},
      {{"--max-conns", "0"}, "--max-conns: expected an integer from 1 to 4294967295, got '0'"},
      {{"--max-conns", "-1"}, "--max-conns: expected an integer from 1 to"},
      {{"--max-conns", "4294967296"}, "--max-conns: expected an integer from 1 to"},
      {{"--max-conns", "ten"}, "--max-conns: expected an integer"},
      {{"--max-conns-per-ip", "-1"}, "--max-conns-per-ip: expected an integer from 0 to"},
      {{"--max-conns-per-ip", "1x"}, "--max-conns-per-ip: expected an integer from 0 to"},
  };
  for (const auto& c : cases) {
    Parsed p;
    Parse(p, c.args);
    std::string what = c.args[0] + (c.args.size() > 1 ? " " + c.args[1] : "");
    EXPECT_EQ(p.st, RTMD_CONFIG_ERROR) << what;
    EXPECT_NE(p.err.find("rtmd: "), std::string::npos) << what;
    EXPECT_NE(p.err.find(c.want), std::string::npos) << what << ": " << p.err;
    EXPECT_NE(p.err.find("Try 'rtmd --help'."), std::string::npos) << what;
  }
  // The message names the rate and what was given.
  Parsed p;
  Parse(p, {"--rate", "messages=5/0"});
  EXPECT_NE(p.err.find("--rate messages:"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("got '5/0'"), std::string::npos) << p.err;
}

// ---- --config FILE ---------------------------------------------------------

// A file under the test temp directory, removed with the object.
struct TempFile {
  std::string path;
  TempFile(const std::string& name, const std::string& text, mode_t mode = 0600) {
    path = testing::TempDir() + "rtmd_config_test_" + std::to_string(getpid()) + "_" + name;
    FILE* f = fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr) << path;
    if (f) {
      fputs(text.c_str(), f);
      fclose(f);
    }
    EXPECT_EQ(chmod(path.c_str(), mode), 0) << path;
  }
  ~TempFile() { unlink(path.c_str()); }
};

TEST(Config, ConfigFileOptionsAreTaken) {
  TempFile f("options.conf",
             "# rtmd's configuration\n"
             "\n"
             "listen 0.0.0.0:1234\n"
             "   # an indented comment\n"
             "app-id a\n"
             "heartbeat-ms = 250\n"
             "login-deadline-ms=5000\n"
             "\tmax-conns\t  100   \n"
             "max-conns-per-ip 0  # no per-address cap\n"
             "rate join=10/1\n"
             "rate = messages=3/0.5\n"
             "ready-file /tmp/with a space\n"
             "log-level debug\r\n"
             "token-expiry-policy abort\n"
             "tls-cert /etc/rtmd/cert.pem\n"
             "tls-key = /etc/rtmd/key.pem\n"
             "   \n"
             "session-grace-ms 0");  // no final newline
  Parsed p;
  Parse(p, {"--config", f.path});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.err, "");
  EXPECT_STREQ(p.cfg.listen, "0.0.0.0:1234");
  ASSERT_EQ(p.cfg.n_app_ids, 1u);
  EXPECT_TRUE(rtmd_config_app_allowed(&p.cfg, "a"));
  EXPECT_FALSE(rtmd_config_app_allowed(&p.cfg, "b"));
  EXPECT_EQ(p.cfg.heartbeat_ms, 250u);
  EXPECT_EQ(p.cfg.login_deadline_ms, 5000u);
  EXPECT_EQ(p.cfg.max_conns, 100u);
  EXPECT_EQ(p.cfg.max_conns_per_ip, 0u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 10u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].period_ms, 1000u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].count, 3u);
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_MESSAGES].period_ms, 500u);
  EXPECT_STREQ(p.cfg.ready_file, "/tmp/with a space");
  EXPECT_EQ(p.cfg.log_level, RTMD_LOG_DEBUG);
  EXPECT_EQ(p.cfg.token_expiry_policy, RTMD_TOKEN_EXPIRY_ABORT);
  EXPECT_STREQ(p.cfg.tls_cert, "/etc/rtmd/cert.pem");
  EXPECT_STREQ(p.cfg.tls_key, "/etc/rtmd/key.pem");
  EXPECT_EQ(p.cfg.session_grace_ms, 0u);
}

// The admin API's flags (admin.c): off by default, on loopback.
TEST(Config, AdminFlagsOnTheCommandLineAndInAFile) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_STREQ(d.cfg.admin_listen, "127.0.0.1:9778");
  EXPECT_EQ(d.cfg.admin_secret_file, nullptr);
  Parsed p;
  Parse(p, {"--admin-listen", "[::1]:0", "--admin-secret-file=/etc/rtmd/admin"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_STREQ(p.cfg.admin_listen, "[::1]:0");
  EXPECT_STREQ(p.cfg.admin_secret_file, "/etc/rtmd/admin");
  TempFile f("admin.conf", "admin-listen 127.0.0.1:8000\nadmin-secret-file = /s\n");
  Parsed c;
  Parse(c, {"--config", f.path});
  ASSERT_EQ(c.st, RTMD_CONFIG_OK) << c.err;
  EXPECT_STREQ(c.cfg.admin_listen, "127.0.0.1:8000");
  EXPECT_STREQ(c.cfg.admin_secret_file, "/s");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--admin-listen", "9778"}, {"--admin-listen", "h:70000"},
           {"--admin-secret-file", ""}}) {
    Parsed bad;
    Parse(bad, args);
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << args[0] << " " << args[1];
    EXPECT_NE(bad.err.find("rtmd: " + args[0] + ":"), std::string::npos) << bad.err;
  }
}

TEST(Config, EmptyConfigFileKeepsTheDefaults) {
  TempFile f("empty.conf", "\n# nothing\n\n");
  Parsed p;
  Parse(p, {"--config=" + f.path});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_STREQ(p.cfg.listen, "127.0.0.1:9777");
  EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 50u);
}

// Options are taken in order: what comes later, on the command line or in
// the file, overrides what came before.
TEST(Config, LaterOptionsOverrideEarlierOnesInOrder) {
  TempFile f("order.conf",
             "heartbeat-ms 250\n"
             "max-conns 100\n"
             "rate join=10/1\n"
             "heartbeat-ms 300\n"
             "app-id from-file\n");
  {
    Parsed p;  // flags after the file win
    Parse(p, {"--config", f.path, "--heartbeat-ms", "400", "--rate", "join=20/2"});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    EXPECT_EQ(p.cfg.heartbeat_ms, 400u);
    EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 20u);
    EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].period_ms, 2000u);
    EXPECT_EQ(p.cfg.max_conns, 100u);  // from the file, not overridden
  }
  {
    Parsed p;  // the file after the flags wins, its last line last
    Parse(p, {"--heartbeat-ms", "400", "--max-conns", "7", "--rate", "join=20/2", "--config",
              f.path});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    EXPECT_EQ(p.cfg.heartbeat_ms, 300u);
    EXPECT_EQ(p.cfg.max_conns, 100u);
    EXPECT_EQ(p.cfg.rates[RTMD_RATE_JOIN].count, 10u);
  }
  {
    Parsed p;  // repeatable options add up across both
    Parse(p, {"--app-id", "from-flag", "--config", f.path, "--app-id", "after"});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    ASSERT_EQ(p.cfg.n_app_ids, 3u);
    EXPECT_STREQ(p.cfg.app_ids[0], "from-flag");
    EXPECT_STREQ(p.cfg.app_ids[1], "from-file");
    EXPECT_STREQ(p.cfg.app_ids[2], "after");
  }
  {
    TempFile g("order2.conf", "heartbeat-ms 500\n");
    Parsed p;  // two files: the later one wins
    Parse(p, {"--config", f.path, "--config", g.path});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    EXPECT_EQ(p.cfg.heartbeat_ms, 500u);
  }
}

// app-id / app-cert pairs in a file pair up as on the command line, and
// with the flags around the file; the file's strings are cfg's own.
TEST(Config, AppCertPairsFromAConfigFile) {
  TempFile f("certs.conf",
             "app-id a\n"
             "app-cert 0123456789abcdef0123456789abcdef\n"
             "app-id b\n"
             "app-id c\n"
             "app-cert = cert-of-c\n"
             "app-id e\n");
  Parsed p;
  Parse(p, {"--app-id", "z", "--config", f.path, "--app-cert", "cert-of-e"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.err.find("warning"), std::string::npos) << p.err;  // mode 0600
  ASSERT_EQ(p.cfg.n_app_ids, 5u);
  EXPECT_EQ(rtmd_config_app_cert(&p.cfg, "z"), nullptr);
  EXPECT_STREQ(rtmd_config_app_cert(&p.cfg, "a"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(rtmd_config_app_cert(&p.cfg, "b"), nullptr);
  EXPECT_STREQ(rtmd_config_app_cert(&p.cfg, "c"), "cert-of-c");
  EXPECT_STREQ(rtmd_config_app_cert(&p.cfg, "e"), "cert-of-e");
  EXPECT_TRUE(rtmd_config_app_allowed(&p.cfg, "b"));
  EXPECT_FALSE(rtmd_config_app_allowed(&p.cfg, "d"));
  // Another parse replaces the argv p pointed into; the file's strings stay.
  Parsed other;
  Parse(other, {"--listen", "127.0.0.1:1"});
  EXPECT_STREQ(p.cfg.app_ids[1], "a");
  EXPECT_STREQ(p.cfg.app_certs[1], "0123456789abcdef0123456789abcdef");
  EXPECT_STREQ(p.cfg.app_certs[3], "cert-of-c");
  // A certificate in a file still follows the rules of --app-cert.
  TempFile g("certs-bad.conf", "app-id a\napp-cert x\napp-cert y\n");
  Parsed bad;
  Parse(bad, {"--config", g.path});
  EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(bad.err.find("has a certificate already"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("(in " + g.path + ", line 3)"), std::string::npos) << bad.err;
}

// A line the option parser refuses is reported, then the file and line.
TEST(Config, ConfigFileErrorsNameTheFileAndLine) {
  TempFile f("unknown.conf",
             "listen 127.0.0.1:1\n"
             "# comment\n"
             "\n"
             "nope 1\n"
             "heartbeat-ms 250\n");
  Parsed p;
  Parse(p, {"--config", f.path});
  EXPECT_EQ(p.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(p.err.find("rtmd: unknown argument '--nope'"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("rtmd: (in " + f.path + ", line 4)"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("Try 'rtmd --help'."), std::string::npos) << p.err;

  TempFile g("badvalue.conf", "# rates\nrate join=1/0\n");
  Parsed q;
  Parse(q, {"--config", g.path});
  EXPECT_EQ(q.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(q.err.find("rtmd: --rate join: expected COUNT/SECONDS"), std::string::npos)
      << q.err;
  EXPECT_NE(q.err.find("(in " + g.path + ", line 2)"), std::string::npos) << q.err;

  TempFile h("badconns.conf", "max-conns = 0\n");
  Parsed r;
  Parse(r, {"--config", h.path});
  EXPECT_EQ(r.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(r.err.find("--max-conns: expected an integer from 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(in " + h.path + ", line 1)"), std::string::npos) << r.err;
}

// help, version, a name without a value, and over-long lines are refused
// with FILE:LINE (not taken as --help: a file does not make rtmd exit 0).
TEST(Config, ConfigFileLinesWithoutAValueAreErrors) {
  const std::string long_line = "ready-file /" + std::string(5000, 'x') + "\n";
  struct {
    std::string text;
    int line;
  } cases[] = {
      {"help\n", 1},
      {"listen 127.0.0.1:1\nhelp 1\n", 2},
      {"version\n", 1},
      {"\n\nlisten\n", 3},
      {"listen =\n", 1},
      {"listen # the address\n", 1},
      {"--listen 127.0.0.1:1\n", 1},
      {"= 127.0.0.1:1\n", 1},
      {long_line, 1},
  };
  int i = 0;
  for (const auto& c : cases) {
    TempFile f("noval" + std::to_string(i++) + ".conf", c.text);
    Parsed p;
    Parse(p, {"--config", f.path});
    EXPECT_EQ(p.st, RTMD_CONFIG_ERROR) << c.text.substr(0, 40);
    EXPECT_NE(p.err.find("rtmd: " + f.path + ":" + std::to_string(c.line) + ": "),
              std::string::npos)
        << c.text.substr(0, 40) << ": " << p.err;
  }
}

TEST(Config, ConfigFileCannotIncludeAnother) {
  TempFile inner("inner.conf", "heartbeat-ms 250\n");
  TempFile outer("outer.conf", "listen 127.0.0.1:1\nconfig " + inner.path + "\n");
  Parsed p;
  Parse(p, {"--config", outer.path});
  EXPECT_EQ(p.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(p.err.find("a config file cannot include another"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("(in " + outer.path + ", line 2)"), std::string::npos) << p.err;
  // Itself neither (no recursion).
  TempFile self("self.conf", "");
  {
    FILE* f = fopen(self.path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fprintf(f, "config %s\n", self.path.c_str());
    fclose(f);
  }
  Parsed q;
  Parse(q, {"--config", self.path});
  EXPECT_EQ(q.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(q.err.find("cannot include another"), std::string::npos) << q.err;
}

TEST(Config, UnreadableConfigFileIsAnError) {
  const std::string missing = testing::TempDir() + "rtmd_config_test_no_such_file.conf";
  Parsed p;
  Parse(p, {"--config", missing});
  EXPECT_EQ(p.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(p.err.find("rtmd: --config: cannot read " + missing + ": No such file"),
            std::string::npos)
      << p.err;
  EXPECT_NE(p.err.find("Try 'rtmd --help'."), std::string::npos) << p.err;

  Parsed d;  // a directory opens, but does not read
  Parse(d, {"--config", testing::TempDir()});
  EXPECT_EQ(d.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(d.err.find("rtmd: --config: cannot read"), std::string::npos) << d.err;

  Parsed e;
  Parse(e, {"--config"});
  EXPECT_EQ(e.st, RTMD_CONFIG_ERROR);
  EXPECT_NE(e.err.find("--config needs a value"), std::string::npos) << e.err;

  if (geteuid() != 0) {  // root reads a file of mode 000
    TempFile f("mode000.conf", "listen 127.0.0.1:1\n", 0000);
    Parsed q;
    Parse(q, {"--config", f.path});
    EXPECT_EQ(q.st, RTMD_CONFIG_ERROR);
    EXPECT_NE(q.err.find("Permission denied"), std::string::npos) << q.err;
  }
}

// A file holding an app certificate that group or others can read is taken,
// with a warning; one only its owner reads, or without a certificate, is not.
TEST(Config, ConfigFileWithAppCertReadableByOthersIsWarnedAbout) {
  const std::string certs = "app-id a\napp-cert secret\n";
  struct {
    std::string text;
    mode_t mode;
    bool warned;
  } cases[] = {
      {certs, 0644, true},  {certs, 0640, true},  {certs, 0604, true},
      {certs, 0600, false}, {certs, 0400, false},
      {"app-id a\nlisten 127.0.0.1:1\n", 0644, false},
  };
  int i = 0;
  for (const auto& c : cases) {
    TempFile f("mode" + std::to_string(i++) + ".conf", c.text, c.mode);
    Parsed p;
    Parse(p, {"--config", f.path});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    std::string warning = "rtmd: warning: " + f.path + " holds app certificates and other "
                          "users can read it (chmod 600 " + f.path + ")";
    if (c.warned) {
      EXPECT_NE(p.err.find(warning), std::string::npos) << std::oct << c.mode << ": " << p.err;
    } else {
      EXPECT_EQ(p.err, "") << std::oct << c.mode;
    }
  }
}

// Everything a config file added is freed by rtmd_config_free (LeakSanitizer
// checks this under scripts/sanitize.sh asan), on success, on an error part
// way through the file, and on --help after it; freeing twice is harmless.
TEST(Config, ConfigFreeReleasesTheFilesStrings) {
  std::string text;
  for (int i = 0; i < 50; i++) text += "app-id app" + std::to_string(i) + "\n";
  text += "ready-file /tmp/r\nlisten 127.0.0.1:1\n";
  TempFile f("many.conf", text);
  {
    Parsed p;
    Parse(p, {"--config", f.path});
    ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
    EXPECT_EQ(p.cfg.n_app_ids, 50u);
    EXPECT_GE(p.cfg.n_owned, 52u);
    rtmd_config_free(&p.cfg);
    EXPECT_EQ(p.cfg.owned, nullptr);
    EXPECT_EQ(p.cfg.n_owned, 0u);
    EXPECT_EQ(p.cfg.app_ids, nullptr);
    EXPECT_EQ(p.cfg.app_certs, nullptr);
    EXPECT_EQ(p.cfg.n_app_ids, 0u);
  }  // and ~Parsed frees again
  {
    TempFile g("many-bad.conf", text + "nope 1\n");
    Parsed p;
    Parse(p, {"--config", g.path});
    EXPECT_EQ(p.st, RTMD_CONFIG_ERROR);
    EXPECT_EQ(p.cfg.owned, nullptr);  // freed by the parser on the error
    EXPECT_EQ(p.cfg.app_ids, nullptr);
  }
  {
    Parsed p;
    Parse(p, {"--config", f.path, "--help"});
    EXPECT_EQ(p.st, RTMD_CONFIG_EXIT);
    EXPECT_EQ(p.cfg.owned, nullptr);
  }
  {
    Parsed p;  // the TLS check after the whole command line fails
    TempFile g("tls-half.conf", "app-id a\ntls-cert /x.pem\n");
    Parse(p, {"--config", g.path});
    EXPECT_EQ(p.st, RTMD_CONFIG_ERROR);
    EXPECT_NE(p.err.find("--tls-cert and --tls-key go together"), std::string::npos) << p.err;
    EXPECT_EQ(p.cfg.owned, nullptr);
  }
}

// '#' starts a comment at the start of a line or after a blank only, so a
// value (an app certificate) may hold one.
TEST(Config, HashInsideAValueIsNotAComment) {
  TempFile f("hash.conf", "app-id a\napp-cert ab#cd   # the certificate\n");
  Parsed p;
  Parse(p, {"--config", f.path});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_STREQ(rtmd_config_app_cert(&p.cfg, "a"), "ab#cd");
}

// SPEC A6: the offline message bounds, their defaults (200 per receiver,
// 7 days, 256 MiB) and their flags.
TEST(Config, OfflineMessageFlags_A6) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_EQ(d.cfg.offline_max, 200u);
  EXPECT_EQ(d.cfg.offline_ttl_s, 604800u);
  EXPECT_EQ(d.cfg.offline_max_bytes, 268435456u);
  Parsed p;
  Parse(p, {"--offline-max", "0", "--offline-ttl-s", "60", "--offline-max-bytes", "1024"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.offline_max, 0u);
  EXPECT_EQ(p.cfg.offline_ttl_s, 60u);
  EXPECT_EQ(p.cfg.offline_max_bytes, 1024u);
  for (auto bad : std::vector<std::vector<std::string>>{{"--offline-max", "100001"},
                                                        {"--offline-ttl-s", "0"},
                                                        {"--offline-max-bytes", "-1"}}) {
    Parsed b;
    Parse(b, bad);
    EXPECT_EQ(b.st, RTMD_CONFIG_ERROR) << bad[0];
    EXPECT_NE(b.err.find(bad[0] + ": expected an integer"), std::string::npos) << b.err;
  }
}

// SPEC M2, M5: media kept 7 days, 4 GiB of them, a transfer idle 120 s at
// most; their flags and their bounds.
TEST(Config, MediaFlags_M2_M5) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_EQ(d.cfg.media_ttl_s, 604800u);
  EXPECT_EQ(d.cfg.media_max_bytes, 4294967296ull);
  EXPECT_EQ(d.cfg.media_idle_ms, 120000u);
  Parsed p;
  Parse(p, {"--media-ttl-s", "1", "--media-max-bytes", "10000000000", "--media-idle-ms=100"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.media_ttl_s, 1u);
  EXPECT_EQ(p.cfg.media_max_bytes, 10000000000ull);
  EXPECT_EQ(p.cfg.media_idle_ms, 100u);
  for (auto bad : std::vector<std::vector<std::string>>{{"--media-ttl-s", "0"},
                                                        {"--media-max-bytes", "-1"},
                                                        {"--media-max-bytes", "1k"},
                                                        {"--media-idle-ms", "99"}}) {
    Parsed b;
    Parse(b, bad);
    EXPECT_EQ(b.st, RTMD_CONFIG_ERROR) << bad[0] << " " << bad[1];
    EXPECT_NE(b.err.find(bad[0] + ": expected"), std::string::npos) << b.err;
  }
}

// The memory bounds in bytes (docs/SERVER.md "Memory"): 256 MiB in all for
// deliveries not acknowledged and for channel history, 64 MiB per app for
// channel attributes; deliveries cannot be bounded to nothing.
TEST(Config, MemoryBoundFlags_Issue13Item5) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_EQ(d.cfg.unacked_max_bytes, 268435456u);
  EXPECT_EQ(d.cfg.history_max_bytes, 268435456u);
  EXPECT_EQ(d.cfg.chattrs_max_bytes, 67108864u);
  Parsed p;
  Parse(p, {"--unacked-max-bytes", "1", "--history-max-bytes=0", "--channel-attrs-max-bytes",
            "4294967295"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.unacked_max_bytes, 1u);
  EXPECT_EQ(p.cfg.history_max_bytes, 0u);
  EXPECT_EQ(p.cfg.chattrs_max_bytes, 4294967295u);
  for (auto bad : std::vector<std::vector<std::string>>{{"--unacked-max-bytes", "0"},
                                                        {"--history-max-bytes", "4294967296"},
                                                        {"--channel-attrs-max-bytes", "1k"}}) {
    Parsed b;
    Parse(b, bad);
    EXPECT_EQ(b.st, RTMD_CONFIG_ERROR) << bad[0];
    EXPECT_NE(b.err.find(bad[0] + ": expected an integer"), std::string::npos) << b.err;
  }
}

// A8: how long a session without a link stays ONLINE to its subscribers
// (--unreachable-ms, default 6000), on the command line and in a file.
TEST(Config, UnreachableFlag_A8) {
  Parsed d;
  Parse(d, {});
  ASSERT_EQ(d.st, RTMD_CONFIG_OK);
  EXPECT_EQ(d.cfg.unreachable_ms, 6000u);
  Parsed p;
  Parse(p, {"--unreachable-ms", "300"});
  ASSERT_EQ(p.st, RTMD_CONFIG_OK) << p.err;
  EXPECT_EQ(p.cfg.unreachable_ms, 300u);
  Parsed q;
  Parse(q, {"--unreachable-ms=0"});
  ASSERT_EQ(q.st, RTMD_CONFIG_OK) << q.err;
  EXPECT_EQ(q.cfg.unreachable_ms, 0u);
  TempFile f("unreachable.conf", "unreachable-ms 1500\n");
  Parsed c;
  Parse(c, {"--config", f.path});
  ASSERT_EQ(c.st, RTMD_CONFIG_OK) << c.err;
  EXPECT_EQ(c.cfg.unreachable_ms, 1500u);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--unreachable-ms", "-1"}, {"--unreachable-ms", "86400001"},
           {"--unreachable-ms", "6s"}, {"--unreachable-ms"}}) {
    Parsed bad;
    Parse(bad, args);
    EXPECT_EQ(bad.st, RTMD_CONFIG_ERROR) << args[0];
    EXPECT_NE(bad.err.find("--unreachable-ms"), std::string::npos) << bad.err;
  }
}

}  // namespace
