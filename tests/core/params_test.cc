// Tests of the client's parameters (SPEC B4): defaults and setParameters JSON.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "params.h"
}

TEST(Params, B4_DefaultsAreTheDocumentedTimings)
{
    rtm__params p;
    rtm__params_init(&p);
    EXPECT_EQ(6000u, p.login_timeout_ms);        // S5
    EXPECT_EQ(4000u, p.interrupt_report_ms);     // S7
    EXPECT_EQ(10000u, p.peer_message_timeout_ms); // A7
    EXPECT_EQ(10000u, p.channel_message_timeout_ms);
    EXPECT_EQ(5000u, p.request_timeout_ms);
    EXPECT_EQ(nullptr, p.server);  // $RTM_SERVER, else the default
}

TEST(Params, B4_JsonSetsEveryKnownKey)
{
    rtm__params p;
    rtm__params_init(&p);
    char err[128] = "";
    ASSERT_EQ(0, rtm__params_apply_json(
                     &p,
                     "{\"rtm.server\":\"127.0.0.1:4000\",\"rtm.login_timeout_ms\":1500,"
                     "\"rtm.interrupt_report_ms\":800,\"rtm.reconnect_max_ms\":2000}",
                     err, sizeof(err)))
        << err;
    EXPECT_STREQ("127.0.0.1:4000", p.server);
    EXPECT_EQ(1500u, p.login_timeout_ms);
    EXPECT_EQ(800u, p.interrupt_report_ms);
    EXPECT_EQ(2000u, p.reconnect_max_ms);

    // A copy is its own: the client keeps two (the API's, the loop's).
    rtm__params q;
    ASSERT_EQ(0, rtm__params_copy(&q, &p));
    ASSERT_EQ(0, rtm__params_apply_json(&p, "{\"rtm.server\":\"h:1\"}", err, sizeof(err)));
    EXPECT_STREQ("127.0.0.1:4000", q.server);
    EXPECT_EQ(1500u, q.login_timeout_ms);
    rtm__params_clear(&p);
    EXPECT_EQ(nullptr, p.server);
    rtm__params_clear(&q);
}

TEST(Params, B4_BadJsonIsRefusedWholeWithAReason)
{
    const char *bad[] = {
        "not json", "[1,2]", "{\"rtm.nope\":1}", "{\"rtm.login_timeout_ms\":\"6\"}",
        "{\"rtm.login_timeout_ms\":-1}", "{\"rtm.login_timeout_ms\":1.5}",
        "{\"rtm.server\":\"nohostport\"}", "{\"rtm.server\":\"h:99999\"}",
        "{\"rtm.reconnect_min_ms\":9000,\"rtm.reconnect_max_ms\":100}",
        // a good key first: nothing of it may be applied
        "{\"rtm.login_timeout_ms\":100,\"rtm.bogus\":1}",
    };
    for (const char *json : bad) {
        rtm__params p;
        rtm__params_init(&p);
        char err[128] = "";
        EXPECT_EQ(-1, rtm__params_apply_json(&p, json, err, sizeof(err))) << json;
        EXPECT_NE('\0', err[0]) << json;
        EXPECT_EQ(6000u, p.login_timeout_ms) << json;
    }
}

TEST(Params, HostPortParsing)
{
    char host[64];
    uint16_t port = 0;
    ASSERT_EQ(0, rtm__parse_host_port("localhost:9777", host, sizeof(host), &port));
    EXPECT_STREQ("localhost", host);
    EXPECT_EQ(9777, port);
    ASSERT_EQ(0, rtm__parse_host_port("[::1]:80", host, sizeof(host), &port));
    EXPECT_STREQ("::1", host);
    EXPECT_EQ(80, port);
    EXPECT_EQ(-1, rtm__parse_host_port(":80", host, sizeof(host), &port));
    EXPECT_EQ(-1, rtm__parse_host_port("h:", host, sizeof(host), &port));
    EXPECT_EQ(-1, rtm__parse_host_port("h:x", host, sizeof(host), &port));
}

// Issue 16: rtm.server may list the nodes of one system; each link tries
// the next (modulo their count), so a dead node costs one attempt.
TEST(Params, ServerListsAreTakenAndPickedInTurn)
{
    rtm__params p;
    rtm__params_init(&p);
    char err[160] = "";
    ASSERT_EQ(0, rtm__params_apply_json(
                     &p, "{\"rtm.server\":\"127.0.0.1:4000,[::1]:4001,node3:4002\"}", err,
                     sizeof(err)))
        << err;
    EXPECT_EQ(3, rtm__servers_count(p.server));
    const char *want[] = {"127.0.0.1:4000", "[::1]:4001", "node3:4002", "127.0.0.1:4000"};
    const char *hosts[] = {"127.0.0.1", "::1", "node3", "127.0.0.1"};
    const uint16_t ports[] = {4000, 4001, 4002, 4000};
    for (size_t i = 0; i < 4; i++) {
        char entry[RTM__SERVER_MAX], host[RTM__SERVER_MAX];
        uint16_t port = 0;
        ASSERT_EQ(0, rtm__servers_pick(p.server, i, entry, sizeof entry, host, sizeof host, &port));
        EXPECT_STREQ(want[i], entry);
        EXPECT_STREQ(hosts[i], host);
        EXPECT_EQ(ports[i], port);
    }
    EXPECT_EQ(1, rtm__servers_count("h:1"));
    for (const char *bad : {"", "h:1,", ",h:1", "h:1,,h:2", "h:1,h", "h:1,h:0", "h:1,h:70000",
                            "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1,m:1,n:1,o:1,p:1,"
                            "q:1"}) {
        EXPECT_EQ(-1, rtm__servers_count(bad)) << bad;
        std::string json = std::string("{\"rtm.server\":\"") + bad + "\"}";
        rtm__params q;
        rtm__params_init(&q);
        EXPECT_EQ(-1, rtm__params_apply_json(&q, json.c_str(), err, sizeof(err))) << bad;
        EXPECT_NE(nullptr, strstr(err, "HOST:PORT,HOST:PORT")) << err;
    }
    // One entry is a DNS name (at most 253), ':' and a port: a 253-byte name
    // is taken, one longer than an entry may be is not.
    std::string name(253, 'h'), longer(RTM__SERVER_ENTRY_MAX, 'h');
    EXPECT_EQ(2, rtm__servers_count((name + ":1,b:2").c_str()));
    EXPECT_EQ(-1, rtm__servers_count((longer + ":1").c_str()));
    rtm__params_clear(&p);
}
