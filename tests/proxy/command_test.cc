// The control protocol's parser (native/tools/fp_command.c), without a socket.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "fp_command.h"
}

namespace {

struct Parsed {
  bool ok;
  fp_command cmd;
  std::string err;
};

Parsed Parse(const std::string& line) {
  Parsed p{};
  char err[256] = "";
  p.ok = fp_command_parse(line.c_str(), &p.cmd, err, sizeof err) == 0;
  p.err = err;
  return p;
}

TEST(FaultProxyCommand, EveryCommandWord) {
  const struct {
    const char* line;
    fp_command_kind kind;
  } cases[] = {
      {"pass", FP_CMD_PASS},     {"silent", FP_CMD_SILENT}, {"reset", FP_CMD_RESET},
      {"close", FP_CMD_CLOSE},   {"refuse", FP_CMD_REFUSE}, {"accept", FP_CMD_ACCEPT},
      {"status", FP_CMD_STATUS}, {"help", FP_CMD_HELP},
  };
  for (const auto& c : cases) {
    Parsed p = Parse(c.line);
    ASSERT_TRUE(p.ok) << c.line << ": " << p.err;
    EXPECT_EQ(p.cmd.kind, c.kind) << c.line;
  }
}

TEST(FaultProxyCommand, DelayTakesMilliseconds) {
  Parsed p = Parse("delay 300");
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.cmd.kind, FP_CMD_DELAY);
  EXPECT_EQ(p.cmd.delay_ms, 300u);
  EXPECT_TRUE(Parse("delay 0").ok);
  EXPECT_TRUE(Parse("delay 600000").ok);
}

TEST(FaultProxyCommand, BlanksAroundWordsAreIgnored) {
  Parsed p = Parse("  \tdelay   25 \r");
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.cmd.delay_ms, 25u);
  EXPECT_TRUE(Parse(" silent ").ok);
}

TEST(FaultProxyCommand, BadLinesSayWhy) {
  for (const char* line : {"", "   ", "bogus", "PASS", "delay", "delay x", "delay -1",
                           "delay 600001", "delay 99999999999999999999", "delay 1.5",
                           "pass now", "delay 10 20", "status please"}) {
    Parsed p = Parse(line);
    EXPECT_FALSE(p.ok) << "'" << line << "'";
    EXPECT_FALSE(p.err.empty()) << "'" << line << "'";
  }
  EXPECT_NE(Parse("bogus").err.find("unknown command 'bogus'"), std::string::npos);
  EXPECT_NE(Parse("delay x").err.find("milliseconds"), std::string::npos);
}

TEST(FaultProxyCommand, OnlyLastingStatesAreSettings) {
  EXPECT_TRUE(fp_command_is_setting(FP_CMD_PASS));
  EXPECT_TRUE(fp_command_is_setting(FP_CMD_SILENT));
  EXPECT_TRUE(fp_command_is_setting(FP_CMD_DELAY));
  EXPECT_TRUE(fp_command_is_setting(FP_CMD_REFUSE));
  EXPECT_TRUE(fp_command_is_setting(FP_CMD_ACCEPT));
  EXPECT_FALSE(fp_command_is_setting(FP_CMD_RESET));
  EXPECT_FALSE(fp_command_is_setting(FP_CMD_CLOSE));
  EXPECT_FALSE(fp_command_is_setting(FP_CMD_STATUS));
}

}  // namespace
