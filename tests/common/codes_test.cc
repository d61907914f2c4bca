// Code names (native/common/codes.c).
#include <gtest/gtest.h>

#include "rtm/rtm_codes.h"

namespace {

TEST(Codes, VendorNames) {
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_LOGIN_ERR, RTM_LOGIN_ERR_TIMEOUT), "LOGIN_ERR_TIMEOUT");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_LOGIN_ERR, 4), "LOGIN_ERR_INVALID_APP_ID");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_JOIN_CHANNEL_ERR, 4), "JOIN_CHANNEL_TIMEOUT");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_JOIN_CHANNEL_ERR, 5), "JOIN_CHANNEL_ERR_EXCEED_LIMIT");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_PEER_MESSAGE_ERR, 3),
               "PEER_MESSAGE_ERR_PEER_UNREACHABLE");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_CONNECTION_CHANGE_REASON, 8),
               "CONNECTION_CHANGE_REASON_REMOTE_LOGIN");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_CONNECTION_STATE, 3), "CONNECTION_STATE_CONNECTED");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_GET_MEMBERS_ERR, 102),
               "GET_MEMBERS_ERR_USER_NOT_LOGGED_IN");
}

TEST(Codes, ShortNames) {
  EXPECT_STREQ(rtm_code_short_name(RTM_FAMILY_LOGIN_ERR, 9), "TIMEOUT");
  EXPECT_STREQ(rtm_state_name(5), "ABORTED");
  EXPECT_STREQ(rtm_reason_name(2), "LOGIN_SUCCESS");
}

TEST(Codes, UnknownCodes) {
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_LOGIN_ERR, 999), "UNKNOWN");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY_LOGIN_ERR, 102), "UNKNOWN");  // no NOT_LOGGED_IN
  EXPECT_STREQ(rtm_code_name(static_cast<rtm_family>(-1), 0), "UNKNOWN");
  EXPECT_STREQ(rtm_code_name(RTM_FAMILY__COUNT, 0), "UNKNOWN");
}

}  // namespace
