// rtmd's command line (config.c), without a process.
#include <gtest/gtest.h>

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

}  // namespace
