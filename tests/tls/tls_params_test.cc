// tls_params_test.cc: the TLS parameters of the client (docs/PARAMETERS.md,
// docs/TLS.md): defaults, JSON, refusals.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "params.h"
}

TEST(TlsParams, DefaultsArePlainAndVerifying)
{
    rtm__params p;
    rtm__params_init(&p);
    EXPECT_FALSE(p.tls);
    EXPECT_EQ(nullptr, p.tls_ca_file);      // the system trust store
    EXPECT_EQ(nullptr, p.tls_server_name);  // the host of rtm.server
    EXPECT_FALSE(p.tls_insecure_skip_verify);
}

TEST(TlsParams, JsonSetsEveryTlsKey)
{
    rtm__params p;
    rtm__params_init(&p);
    char err[160] = "";
    ASSERT_EQ(0, rtm__params_apply_json(
                     &p,
                     "{\"rtm.tls\":true,\"rtm.tls_ca_file\":\"/etc/rtm/ca.pem\","
                     "\"rtm.tls_server_name\":\"rtm.example.com\","
                     "\"rtm.tls_insecure_skip_verify\":true}",
                     err, sizeof err))
        << err;
    EXPECT_TRUE(p.tls);
    EXPECT_STREQ("/etc/rtm/ca.pem", p.tls_ca_file);
    EXPECT_STREQ("rtm.example.com", p.tls_server_name);
    EXPECT_TRUE(p.tls_insecure_skip_verify);
    // "" puts a string back to its default.
    ASSERT_EQ(0, rtm__params_apply_json(&p, "{\"rtm.tls_ca_file\":\"\",\"rtm.tls\":false}",
                                        err, sizeof err));
    EXPECT_EQ(nullptr, p.tls_ca_file);
    EXPECT_STREQ("rtm.example.com", p.tls_server_name);
    EXPECT_FALSE(p.tls);
    rtm__params_clear(&p);
}

TEST(TlsParams, WrongTypesAndLengthsAreRefusedWhole)
{
    rtm__params p;
    rtm__params_init(&p);
    char err[160] = "";
    EXPECT_EQ(-1, rtm__params_apply_json(&p, "{\"rtm.tls\":1}", err, sizeof err));
    EXPECT_NE(std::string::npos, std::string(err).find("rtm.tls"));
    EXPECT_EQ(-1, rtm__params_apply_json(&p, "{\"rtm.tls_insecure_skip_verify\":\"yes\"}",
                                         err, sizeof err));
    EXPECT_EQ(-1, rtm__params_apply_json(&p, "{\"rtm.tls_ca_file\":7}", err, sizeof err));
    std::string long_name(RTM__TLS_NAME_MAX, 'a');
    std::string json = "{\"rtm.tls\":true,\"rtm.tls_server_name\":\"" + long_name + "\"}";
    EXPECT_EQ(-1, rtm__params_apply_json(&p, json.c_str(), err, sizeof err));
    EXPECT_FALSE(p.tls);  // nothing of a refused call is applied
    EXPECT_EQ(-1, rtm__params_apply_json(&p, "{\"rtm.tls_verify\":false}", err, sizeof err));
}
