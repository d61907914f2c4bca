/*
 * rtm-token: prints a login token in the vendor's formats (docs/TOKENS.md).
 *
 *   rtm-token --app-id ID --app-cert CERT --user USER --expire SECONDS [--legacy]
 *
 * 007 (AccessToken2) by default, 006 (AccessToken) with --legacy. Exit 0 and
 * the token on stdout; 2 and a message on stderr for bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtm/rtm_token.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: rtm-token --app-id ID --app-cert CERT --user USER --expire SECONDS [--legacy]\n"
        "Prints a login token for USER of app ID, signed with the app certificate.\n"
        "\n"
        "  --app-id ID        the app id (32 characters for --legacy)\n"
        "  --app-cert CERT    the app certificate (rtmd --app-cert)\n"
        "  --user USER        the user id the token is for\n"
        "  --expire SECONDS   the login privilege expires SECONDS after now (0: never);\n"
        "                     a 007 token itself expires then too, a 006 token after 24 h\n"
        "  --legacy           an AccessToken (006) instead of an AccessToken2 (007)\n"
        "  --help             print this help and exit\n");
}

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "rtm-token: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'rtm-token --help'.\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *app = NULL, *cert = NULL, *user = NULL, *expire = NULL;
    int legacy = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--legacy") == 0) {
            legacy = 1;
            continue;
        } else if (strcmp(a, "--app-id") == 0) {
            slot = &app;
        } else if (strcmp(a, "--app-cert") == 0) {
            slot = &cert;
        } else if (strcmp(a, "--user") == 0) {
            slot = &user;
        } else if (strcmp(a, "--expire") == 0) {
            slot = &expire;
        } else {
            return fail("unknown argument '%s'", a);
        }
        if (i + 1 >= argc)
            return fail("%s needs a value", a);
        *slot = argv[++i];
    }
    if (!app || !cert || !user || !expire)
        return fail("%s", "--app-id, --app-cert, --user and --expire are required");
    char *end = NULL;
    errno = 0;
    unsigned long long secs = strtoull(expire, &end, 10);
    if (expire[0] < '0' || expire[0] > '9' || *end != '\0' || errno != 0 ||
        secs > 0xffffffffull)
        return fail("--expire: expected seconds from 0 to 4294967295, got '%s'", expire);
    if (app[0] == '\0' || cert[0] == '\0' || user[0] == '\0')
        return fail("%s", "--app-id, --app-cert and --user must not be empty");
    if (legacy && strlen(app) != 32)
        return fail("--legacy: a 006 token needs a 32-character app id, got '%s'", app);
    char token[RTM_TOKEN_MAX];
    int rc = rtm_token_build(app, cert, user, (uint32_t)secs, legacy, token, sizeof token);
    if (rc == RTM_EINVAL)
        return fail("%s", "an argument is too long (at most 256 bytes each) or the expiry "
                          "is out of range");
    if (rc != RTM_OK) {
        fprintf(stderr, "rtm-token: cannot build the token: %s\n",
                rc == RTM_ENOMEM ? "out of memory" : "the crypto library failed");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}
