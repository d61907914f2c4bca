/* params.c: defaults and the JSON of setParameters. */
#include "params.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rtm__params_init(rtm__params *p)
{
    memset(p, 0, sizeof(*p));
#define RTM__PARAMS_DEFAULT(field, key, def, min, max) p->field = def;
    RTM__PARAMS_MS_MAP(RTM__PARAMS_DEFAULT)
#undef RTM__PARAMS_DEFAULT
}

int rtm__parse_host_port(const char *s, char *host, size_t hostlen,
                         uint16_t *port)
{
    if (s == NULL)
        return -1;
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return -1;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[') {
        if (hl < 3 || h[hl - 1] != ']')
            return -1;
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    char *end = NULL;
    long v = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || v < 0 || v > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)v;
    return 0;
}

int rtm__params_apply_json(rtm__params *p, const char *json, char *err,
                           size_t errlen)
{
    rtm__params next = *p;
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    if (root == NULL || !cJSON_IsObject(root)) {
        snprintf(err, errlen, "parameters are not a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, root) {
        const char *key = item->string;
        if (strcmp(key, "rtm.server") == 0) {
            char host[RTM__SERVER_MAX];
            uint16_t port;
            if (!cJSON_IsString(item) ||
                strlen(item->valuestring) >= sizeof(next.server) ||
                rtm__parse_host_port(item->valuestring, host, sizeof(host),
                                     &port) != 0 ||
                port == 0) {
                snprintf(err, errlen, "%s: expected \"HOST:PORT\"", key);
                goto fail;
            }
            strcpy(next.server, item->valuestring);
            continue;
        }
        if (strcmp(key, "rtm.tls") == 0 ||
            strcmp(key, "rtm.tls_insecure_skip_verify") == 0) {
            if (!cJSON_IsBool(item)) {
                snprintf(err, errlen, "%s: expected true or false", key);
                goto fail;
            }
            if (strcmp(key, "rtm.tls") == 0)
                next.tls = cJSON_IsTrue(item);
            else
                next.tls_insecure_skip_verify = cJSON_IsTrue(item);
            continue;
        }
        if (strcmp(key, "rtm.tls_ca_file") == 0 ||
            strcmp(key, "rtm.tls_server_name") == 0) {
            bool ca = strcmp(key, "rtm.tls_ca_file") == 0;
            char *dst = ca ? next.tls_ca_file : next.tls_server_name;
            size_t max = ca ? sizeof(next.tls_ca_file) : sizeof(next.tls_server_name);
            if (!cJSON_IsString(item) || strlen(item->valuestring) >= max) {
                snprintf(err, errlen, "%s: expected a string of at most %zu bytes",
                         key, max - 1);
                goto fail;
            }
            strcpy(dst, item->valuestring); /* "": back to the default */
            continue;
        }
#define RTM__PARAMS_MATCH(field, name, def, min, max)                         \
        if (strcmp(key, name) == 0) {                                         \
            if (!cJSON_IsNumber(item) || item->valuedouble < (min) ||         \
                item->valuedouble > (max) ||                                  \
                item->valuedouble != (double)(uint32_t)item->valuedouble) {   \
                snprintf(err, errlen, "%s: expected an integer in [%d, %d]",  \
                         key, (int)(min), (int)(max));                        \
                goto fail;                                                    \
            }                                                                 \
            next.field = (uint32_t)item->valuedouble;                         \
            continue;                                                         \
        }
        RTM__PARAMS_MS_MAP(RTM__PARAMS_MATCH)
#undef RTM__PARAMS_MATCH
        snprintf(err, errlen, "unknown parameter \"%s\"", key);
        goto fail;
    }
    if (next.reconnect_min_ms > next.reconnect_max_ms) {
        snprintf(err, errlen, "rtm.reconnect_min_ms exceeds rtm.reconnect_max_ms");
        goto fail;
    }
    cJSON_Delete(root);
    *p = next;
    return 0;
fail:
    cJSON_Delete(root);
    return -1;
}
