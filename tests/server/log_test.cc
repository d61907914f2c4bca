// rtmd's log lines (native/server/log.c): what a client or an operator sent
// can be in a line (a Close's detail, a URI, an id), so every line is
// escaped before it is written (issue 13, item 4).
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "log.h"
}

namespace {

std::string Escape(const std::string& in, size_t size = 4096) {
  std::string out(size, '\xff');
  size_t n = rtmd_log_escape(in.c_str(), out.data(), size);
  EXPECT_EQ(out[n], '\0');
  EXPECT_LT(n, size);
  return out.substr(0, n);
}

// A newline cannot end the line early and forge the next one.
TEST(LogEscape, NewlinesAndControlsBecomeHex) {
  EXPECT_EQ(Escape("bye\n2026-12-02T00:00:00.000Z ERROR forged"),
            "bye\\x0a2026-12-02T00:00:00.000Z ERROR forged");
  EXPECT_EQ(Escape("a\rb\tc\x01" "d\x7f"), "a\\x0db\\x09c\\x01d\\x7f");
}

// Escape sequences do not reach the terminal, whether as ESC (C0) or as
// the C1 CSI, U+009B.
TEST(LogEscape, TerminalControlSequencesAreEscaped) {
  EXPECT_EQ(Escape("\x1b[2Jcleared"), "\\x1b[2Jcleared");
  EXPECT_EQ(Escape("\xc2\x9b" "2J"), "\\xc2\\x9b2J");
}

// A backslash is doubled, so that text cannot pass for an escape.
TEST(LogEscape, BackslashIsDoubled) {
  EXPECT_EQ(Escape("a\\x0ab"), "a\\\\x0ab");
}

// UTF-8 stays as it is; bytes that are not UTF-8 are escaped.
TEST(LogEscape, Utf8IsKeptOtherBytesEscaped) {
  EXPECT_EQ(Escape("caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80");
  EXPECT_EQ(Escape("a\xff" "b\xc3"), "a\\xffb\\xc3");
  EXPECT_EQ(Escape("\xe4\xbd" "x"), "\\xe4\\xbdx");
}

// A full output ends at a whole character or escape, NUL-terminated.
TEST(LogEscape, StopsAtAWholeEscapeWhenFull) {
  EXPECT_EQ(Escape("ab\ncd", 5), "ab");
  EXPECT_EQ(Escape("abcdef", 4), "abc");
  EXPECT_EQ(Escape("\xc3\xa9\xc3\xa9", 4), "\xc3\xa9");
}

}  // namespace

namespace {

// A repeated event's line: the first at once, then at most one per interval,
// each saying how many were not logged since the one before.
TEST(LogLimit, OncePerIntervalWithTheCountNotLogged) {
  rtmd_log_limiter l{};
  uint64_t unlogged = 99;
  EXPECT_TRUE(rtmd_log_limit(&l, 1000, 1000, &unlogged));
  EXPECT_EQ(unlogged, 0u);
  for (uint64_t t = 1001; t < 2000; t += 100)
    EXPECT_FALSE(rtmd_log_limit(&l, t, 1000, &unlogged));
  EXPECT_TRUE(rtmd_log_limit(&l, 2000, 1000, &unlogged));
  EXPECT_EQ(unlogged, 10u);
  EXPECT_TRUE(rtmd_log_limit(&l, 5000, 1000, &unlogged));
  EXPECT_EQ(unlogged, 0u);
  // A clock at 0 (a test's virtual clock) still counts as "logged".
  rtmd_log_limiter z{};
  EXPECT_TRUE(rtmd_log_limit(&z, 0, 1000, &unlogged));
  EXPECT_FALSE(rtmd_log_limit(&z, 500, 1000, &unlogged));
}

}  // namespace
