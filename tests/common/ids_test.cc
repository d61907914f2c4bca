// Id and message rules (native/common/ids.c): SPEC A3 and A4.
#include <gtest/gtest.h>

#include <string>

#include "ids.h"

namespace {

// A3: 1..64 bytes.
TEST(Ids, UserIdLength_A3) {
  EXPECT_FALSE(rtm__user_id_valid(""));
  EXPECT_FALSE(rtm__user_id_valid(nullptr));
  EXPECT_TRUE(rtm__user_id_valid("a"));
  EXPECT_TRUE(rtm__user_id_valid(std::string(64, 'a').c_str()));
  EXPECT_FALSE(rtm__user_id_valid(std::string(65, 'a').c_str()));
}

// A3: the literal "null" is refused as a user id (not as a channel id).
TEST(Ids, NullIsNotAUserId_A3) {
  EXPECT_FALSE(rtm__user_id_valid("null"));
  EXPECT_TRUE(rtm__user_id_valid("Null"));
  EXPECT_TRUE(rtm__user_id_valid("nullx"));
  EXPECT_TRUE(rtm__channel_id_valid("null"));
}

// A3: letters, digits, space and each listed punctuation character.
TEST(Ids, EveryAllowedCharacter_A3) {
  std::string allowed = " !#$%&()+-:;<=.>?@[]^_{}|~,";
  for (char c = 'a'; c <= 'z'; c++) allowed += c;
  for (char c = 'A'; c <= 'Z'; c++) allowed += c;
  for (char c = '0'; c <= '9'; c++) allowed += c;
  for (char c : allowed) {
    std::string id = std::string("x") + c + "y";
    EXPECT_TRUE(rtm__user_id_valid(id.c_str())) << "'" << c << "'";
    EXPECT_TRUE(rtm__channel_id_valid(id.c_str())) << "'" << c << "'";
  }
  EXPECT_TRUE(rtm__user_id_valid(" "));
}

// A3: anything else is refused.
TEST(Ids, RefusedCharacters_A3) {
  for (const char* bad : {"a/b", "a\\b", "a\"b", "a'b", "a*b", "a`b", "a\tb", "a\nb",
                          "caf\xc3\xa9", "a\x7f"}) {
    EXPECT_FALSE(rtm__user_id_valid(bad)) << bad;
    EXPECT_FALSE(rtm__channel_id_valid(bad)) << bad;
  }
}

TEST(Ids, ChannelIdLength_A3) {
  EXPECT_FALSE(rtm__channel_id_valid(""));
  EXPECT_FALSE(rtm__channel_id_valid(nullptr));
  EXPECT_TRUE(rtm__channel_id_valid(std::string(64, 'c').c_str()));
  EXPECT_FALSE(rtm__channel_id_valid(std::string(65, 'c').c_str()));
}

// A4: a message is not empty and at most 32 KB, text + raw + description.
TEST(Ids, MessageSize_A4) {
  EXPECT_FALSE(rtm__message_valid(0, 0, 0));
  EXPECT_FALSE(rtm__message_valid(0, 0, 10));  // a description alone
  EXPECT_TRUE(rtm__message_valid(1, 0, 0));
  EXPECT_TRUE(rtm__message_valid(0, 1, 0));
  EXPECT_TRUE(rtm__message_valid(32768, 0, 0));
  EXPECT_FALSE(rtm__message_valid(32769, 0, 0));
  EXPECT_TRUE(rtm__message_valid(0, 32768, 0));
  EXPECT_FALSE(rtm__message_valid(0, 32769, 0));
  EXPECT_TRUE(rtm__message_valid(0, 32000, 768));
  EXPECT_FALSE(rtm__message_valid(0, 32000, 769));
  EXPECT_FALSE(rtm__message_valid(static_cast<size_t>(-1), 1, 1));  // no overflow
}

}  // namespace
