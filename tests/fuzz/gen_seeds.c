/*
 * gen_seeds.c: writes the seed corpora of the frame and token fuzzers into
 * the corpus directory given (its frame/ and token/):
 *
 *   build-fuzz/tests/fuzz/gen_seeds tests/fuzz/corpus
 *
 * frame/: a few valid encoded frames of the kinds a link carries; each file
 * is a first byte 0 (the default limit, see fuzz_frame.c), then one or more
 * frames. token/: 007 and 006 tokens from the builders, fixed salt and time.
 * Run it again when the wire schema or the token formats change; the files
 * are committed so that `make fuzz` needs no generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "token.h"

static int seed_token(const char *dir, const char *name, const char *tok)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/token/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        return -1;
    }
    fputs(tok, fp);
    return fclose(fp);
}

static int seed_write(const char *dir, const char *name, rtm__frame **frames,
                      size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/frame/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        return -1;
    }
    fputc(0, fp);
    for (size_t i = 0; i < n; i++) {
        size_t len = rtm__frame_encoded_size(frames[i]);
        uint8_t *buf = malloc(len);
        if (!buf)
            abort();
        rtm__frame_encode(frames[i], buf);
        fwrite(buf, 1, len, fp);
        free(buf);
    }
    return fclose(fp);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int rc = 0;

    Rtm__Wire__Hello hello = RTM__WIRE__HELLO__INIT;
    hello.version = 1;
    hello.heartbeat_ms = 1000;
    rtm__frame f_hello = RTM__WIRE__FRAME__INIT;
    f_hello.request_id = 1;
    f_hello.body_case = RTM__WIRE__FRAME__BODY_HELLO;
    f_hello.hello = &hello;

    Rtm__Wire__ChannelCursor cur = RTM__WIRE__CHANNEL_CURSOR__INIT;
    cur.channel = "room";
    cur.last_seq = 7;
    Rtm__Wire__ChannelCursor *curs[] = { &cur };
    Rtm__Wire__Login login = RTM__WIRE__LOGIN__INIT;
    login.app_id = "app";
    login.user_id = "alice";
    login.token = "007eJxTYBBZ";
    login.instance_id = 0x0123456789abcdefULL;
    login.peer_received = 3;
    login.n_channels = 1;
    login.channels = curs;
    login.link_seq = 2;
    login.session_id = 42;
    rtm__frame f_login = RTM__WIRE__FRAME__INIT;
    f_login.request_id = 2;
    f_login.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
    f_login.login = &login;

    Rtm__Wire__Message msg = RTM__WIRE__MESSAGE__INIT;
    msg.type = 1;
    msg.text = "hello, bob";
    msg.description = "greeting";
    Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
    ps.to = "bob";
    ps.message = &msg;
    ps.enable_offline = 1;
    ps.send_seq = 5;
    rtm__frame f_send = RTM__WIRE__FRAME__INIT;
    f_send.request_id = 3;
    f_send.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
    f_send.peer_send = &ps;

    Rtm__Wire__ChannelSend cs = RTM__WIRE__CHANNEL_SEND__INIT;
    cs.channel = "room";
    cs.message = &msg;
    rtm__frame f_chsend = RTM__WIRE__FRAME__INIT;
    f_chsend.request_id = 4;
    f_chsend.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_SEND;
    f_chsend.channel_send = &cs;

    Rtm__Wire__Ping ping = RTM__WIRE__PING__INIT;
    rtm__frame f_ping = RTM__WIRE__FRAME__INIT;
    f_ping.body_case = RTM__WIRE__FRAME__BODY_PING;
    f_ping.ping = &ping;

    Rtm__Wire__Attribute attr = RTM__WIRE__ATTRIBUTE__INIT;
    attr.key = "mood";
    attr.value = "fine";
    Rtm__Wire__Attribute *attrs[] = { &attr };
    Rtm__Wire__SetAttributes sa = RTM__WIRE__SET_ATTRIBUTES__INIT;
    sa.n_attributes = 1;
    sa.attributes = attrs;
    rtm__frame f_attrs = RTM__WIRE__FRAME__INIT;
    f_attrs.request_id = 5;
    f_attrs.body_case = RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES;
    f_attrs.set_attributes = &sa;

    rtm__frame *one[1];
    one[0] = &f_hello;
    rc |= seed_write(dir, "hello", one, 1);
    one[0] = &f_login;
    rc |= seed_write(dir, "login", one, 1);
    one[0] = &f_send;
    rc |= seed_write(dir, "peer_send", one, 1);
    one[0] = &f_chsend;
    rc |= seed_write(dir, "channel_send", one, 1);
    one[0] = &f_attrs;
    rc |= seed_write(dir, "set_attributes", one, 1);
    rtm__frame *stream[] = { &f_hello, &f_login, &f_ping, &f_send };
    rc |= seed_write(dir, "stream", stream, 4);

    /* The app id and certificate of fuzz_token.c. */
    const char *app = "970CA35de60c44645bbae8a215061b33";
    const char *cert = "5CFd2fd1755d40ecb72977518be15d3b";
    char tok[RTM__TOKEN_BUILD_MAX];
    if (rtm__token_build007(app, cert, "alice", 1700000000u, 12345u, 3600u, tok,
                            sizeof tok) != RTM__TOKEN_OK ||
        seed_token(dir, "007_alice", tok) != 0)
        rc = 1;
    if (rtm__token_build007(app, cert, "bob", 1700000000u, 1u, 0u, tok,
                            sizeof tok) != RTM__TOKEN_OK ||
        seed_token(dir, "007_bob_never", tok) != 0)
        rc = 1;
    if (rtm__token_build006(app, cert, "alice", 12345u, 1700086400u, 1700003600u,
                            tok, sizeof tok) != RTM__TOKEN_OK ||
        seed_token(dir, "006_alice", tok) != 0)
        rc = 1;
    return rc ? 1 : 0;
}
