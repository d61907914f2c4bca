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

void rtm__params_clear(rtm__params *p)
{
    free(p->server);
    free(p->tls_ca_file);
    free(p->tls_server_name);
    p->server = p->tls_ca_file = p->tls_server_name = NULL;
}

/* *dst = a copy of s, NULL staying NULL: 0, or -1 out of memory. */
static int rtm__params_strdup(char **dst, const char *s)
{
    *dst = s != NULL ? strdup(s) : NULL;
    return s != NULL && *dst == NULL ? -1 : 0;
}

int rtm__params_copy(rtm__params *dst, const rtm__params *src)
{
    rtm__params next = *src;
    next.server = next.tls_ca_file = next.tls_server_name = NULL;
    if (rtm__params_strdup(&next.server, src->server) != 0 ||
        rtm__params_strdup(&next.tls_ca_file, src->tls_ca_file) != 0 ||
        rtm__params_strdup(&next.tls_server_name, src->tls_server_name) != 0) {
        rtm__params_clear(&next);
        return -1;
    }
    *dst = next;
    return 0;
}

/* One string parameter of apply_json: into *slot, freeing what it held;
 * "" is NULL. 0, or -1 out of memory (*slot as it was). */
static int rtm__params_set_string(char **slot, const char *value)
{
    char *copy = NULL;
    if (value[0] != '\0' && (copy = strdup(value)) == NULL)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
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

/* The entry of list at index (no modulo) in entry; -1 past the last or
 * when it does not fit. */
static int rtm__servers_entry(const char *list, size_t index, char *entry, size_t entrylen)
{
    const char *at = list;
    for (size_t i = 0; i < index; i++) {
        at = strchr(at, ',');
        if (at == NULL)
            return -1;
        at++;
    }
    size_t n = strcspn(at, ",");
    if (n >= entrylen)
        return -1;
    memcpy(entry, at, n);
    entry[n] = '\0';
    return 0;
}

int rtm__servers_count(const char *list)
{
    if (list == NULL || *list == '\0')
        return -1;
    int count = 1;
    for (const char *c = list; *c; c++)
        count += *c == ',';
    if (count > (int)RTM__SERVERS_MAX)
        return -1;
    for (int i = 0; i < count; i++) {
        char entry[RTM__SERVER_ENTRY_MAX], host[RTM__SERVER_ENTRY_MAX];
        uint16_t port = 0;
        if (rtm__servers_entry(list, (size_t)i, entry, sizeof entry) != 0 ||
            rtm__parse_host_port(entry, host, sizeof host, &port) != 0 || port == 0)
            return -1;
    }
    return count;
}

int rtm__servers_pick(const char *list, size_t index, char *entry, size_t entrylen, char *host,
                      size_t hostlen, uint16_t *port)
{
    int count = rtm__servers_count(list);
    if (count < 0 || rtm__servers_entry(list, index % (size_t)count, entry, entrylen) != 0)
        return -1;
    return rtm__parse_host_port(entry, host, hostlen, port);
}

int rtm__params_apply_json(rtm__params *p, const char *json, char *err,
                           size_t errlen)
{
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    if (root == NULL || !cJSON_IsObject(root)) {
        snprintf(err, errlen, "parameters are not a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    rtm__params next;
    if (rtm__params_copy(&next, p) != 0) {
        snprintf(err, errlen, "out of memory");
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, root) {
        const char *key = item->string;
        if (strcmp(key, "rtm.server") == 0) {
            if (!cJSON_IsString(item) || strlen(item->valuestring) >= RTM__SERVER_MAX ||
                rtm__servers_count(item->valuestring) < 0) {
                snprintf(err, errlen, "%s: expected \"HOST:PORT\" or up to %u of them, "
                         "\"HOST:PORT,HOST:PORT\"", key, RTM__SERVERS_MAX);
                goto fail;
            }
            if (rtm__params_set_string(&next.server, item->valuestring) != 0)
                goto oom;
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
            size_t max = ca ? RTM__TLS_PATH_MAX : RTM__TLS_NAME_MAX;
            if (!cJSON_IsString(item) || strlen(item->valuestring) >= max) {
                snprintf(err, errlen, "%s: expected a string of at most %zu bytes",
                         key, max - 1);
                goto fail;
            }
            if (rtm__params_set_string(ca ? &next.tls_ca_file : &next.tls_server_name,
                                       item->valuestring) != 0) /* "": the default */
                goto oom;
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
    rtm__params_clear(p);
    *p = next;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    cJSON_Delete(root);
    rtm__params_clear(&next);
    return -1;
}
