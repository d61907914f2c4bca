/* metrics.c: the server's counters and their Prometheus text exposition. */
#include "metrics.h"
#include "engine/blobs.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>

#include <event2/buffer.h>

#include "conn.h"
#include "rtm/rtm_codes.h"
#include "server.h"
#include "engine/engine_redis.h"
#include "engine/store_sqlite.h"

void rtmd_metrics_login(rtmd_metrics *m, int code)
{
    if (code < 0 || code >= RTMD_METRICS_LOGIN_CODES)
        code = RTM_LOGIN_ERR_UNKNOWN;
    m->logins[code]++;
}

void rtmd_metrics_kick(rtmd_metrics *m, int reason)
{
    if (reason >= 0 && reason < RTMD_METRICS_KICK_REASONS)
        m->kicks[reason]++;
}

/* One "# HELP" and "# TYPE" pair. */
static int metric_head(struct evbuffer *out, const char *name, const char *type,
                       const char *help)
{
    return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) < 0
               ? -1 : 0;
}

/* One sample; label is "" or "key=\"value\"" (values from our own code
 * names: nothing to escape). */
static int metric_sample(struct evbuffer *out, const char *name, const char *label,
                         uint64_t value)
{
    return evbuffer_add_printf(out, label[0] ? "%s{%s} %" PRIu64 "\n" : "%s%s %" PRIu64 "\n",
                               name, label, value) < 0 ? -1 : 0;
}

static int metric_single(struct evbuffer *out, const char *name, const char *type,
                         const char *help, uint64_t value)
{
    return metric_head(out, name, type, help) | metric_sample(out, name, "", value);
}

/* A code's short name lower-cased as a label: result="invalid_token". */
static void code_label(char *buf, size_t size, const char *key, rtm_family family, int code)
{
    int n = snprintf(buf, size, "%s=\"", key);
    size_t i = n > 0 ? (size_t)n : 0;
    for (const char *p = rtm_code_short_name(family, code); *p && i + 2 < size; p++)
        buf[i++] = (char)tolower((unsigned char)*p);
    buf[i++] = '"';
    buf[i] = '\0';
}

/* The durable store (store_sqlite.h): its writer's commits, their sizes
 * and latency, what waits, the file's size, and the frames held for it. */
/* The Redis engine's figures (--store redis...). */
static int metrics_redis(rtmd_server *srv, struct evbuffer *out)
{
    rtmd_engine_redis_stats st;
    rtmd_engine_redis_stats_get(srv->engine, &st);
    int rc = 0;
    rc |= metric_single(out, "rtmd_redis_up", "gauge",
                        "1 while the Redis store answers and holds this rtmd's functions.",
                        rtmd_engine_redis_ready(srv->engine) ? 1 : 0);
    rc |= metric_head(out, "rtmd_redis_operations_total", "counter",
                      "Engine operations, each one Redis function call: answered (ok), or "
                      "failed with their failure code (Redis down, too slow, or an error).");
    rc |= metric_sample(out, "rtmd_redis_operations_total", "result=\"ok\"", st.ok);
    rc |= metric_sample(out, "rtmd_redis_operations_total", "result=\"failed\"", st.failed);
    rc |= metric_single(out, "rtmd_redis_operation_microseconds_total", "counter",
                        "Time from submit to answer of the answered operations; over "
                        "rtmd_redis_operations_total{result=\"ok\"}, the mean latency.",
                        st.latency_us_total);
    rc |= metric_single(out, "rtmd_redis_operation_microseconds_max", "gauge",
                        "The longest answered operation so far.", st.latency_us_max);
    rc |= metric_single(out, "rtmd_redis_in_flight", "gauge",
                        "Operations sent to Redis and not answered yet.", st.in_flight);
    rc |= metric_single(out, "rtmd_redis_routed_total", "counter",
                        "Items other nodes left in this node's inbox, handled.", st.routed);
    rc |= metric_single(out, "rtmd_redis_route_gaps_total", "counter",
                        "Inbox items found missing (past the stream's cap).", st.route_gaps);
    return rc;
}

static int metrics_store(rtmd_server *srv, struct evbuffer *out)
{
    struct rtmd_sqlw_stats w;
    rtmd_sqlw_stats(rtmd_store_sqlite_writer(srv->store), &w);
    size_t links = 0, bytes = 0;
    rtmd_conn_held(srv, &links, &bytes);
    int rc = 0;
    rc |= metric_single(out, "rtmd_store_commits_total", "counter",
                        "Transactions the store's writer committed (each holds one or "
                        "more batches: group commit).", w.commits);
    rc |= metric_head(out, "rtmd_store_batches_total", "counter",
                      "Batches of writes (at most one per loop turn), by result.");
    rc |= metric_sample(out, "rtmd_store_batches_total", "result=\"committed\"",
                        w.batches_committed);
    rc |= metric_sample(out, "rtmd_store_batches_total", "result=\"failed\"",
                        w.batches_failed);
    rc |= metric_single(out, "rtmd_store_statements_total", "counter",
                        "Statements committed.", w.statements_committed);
    rc |= metric_single(out, "rtmd_store_commit_statements_max", "gauge",
                        "Statements of the largest commit so far.", w.max_commit_statements);
    rc |= metric_single(out, "rtmd_store_commit_microseconds_total", "counter",
                        "Time spent committing, BEGIN to the end of COMMIT (fsync "
                        "included); over rtmd_store_commits_total, the mean commit.",
                        w.commit_us_sum);
    rc |= metric_single(out, "rtmd_store_commit_microseconds_max", "gauge",
                        "The longest commit so far.", w.commit_us_max);
    rc |= metric_single(out, "rtmd_store_queued_statements", "gauge",
                        "Statements written but not committed yet.", w.queued_statements);
    rc |= metric_single(out, "rtmd_store_failures_total", "counter",
                        "Failed writes (each answered FAILURE and reloaded the store).",
                        w.failures);
    rc |= metric_single(out, "rtmd_store_bytes_on_disk", "gauge",
                        "Bytes of the database and its WAL.", w.bytes_on_disk);
    rc |= metric_single(out, "rtmd_store_held_links", "gauge",
                        "Links whose frames wait for a commit.", links);
    rc |= metric_single(out, "rtmd_store_held_bytes", "gauge",
                        "Bytes of frames waiting for a commit.", bytes);
    return rc;
}

int rtmd_metrics_render(rtmd_server *srv, struct evbuffer *out)
{
    const rtmd_metrics *m = &srv->metrics;
    char label[64];
    int rc = 0;
    rc |= metric_single(out, "rtmd_links", "gauge", "Links held (open and closing).",
                        srv->nconns);
    rc |= metric_single(out, "rtmd_sessions", "gauge",
                        "Sessions (online users) on this node, in grace or not.",
                        rtmd_registry_count(&srv->sessions));
    rc |= metric_single(out, "rtmd_sessions_in_grace", "gauge",
                        "Sessions whose link is lost, kept for its return.", srv->grace.count);
    rc |= metric_single(out, "rtmd_output_queued_bytes", "gauge",
                        "Bytes queued to be sent, all links together.",
                        rtmd_conn_output_queued(srv));
    rc |= metric_head(out, "rtmd_rate_entries", "gauge",
                      "Request-rate entries held, of users and of source addresses.");
    rc |= metric_sample(out, "rtmd_rate_entries", "of=\"user\"", rtmd_rates_users(&srv->rates));
    rc |= metric_sample(out, "rtmd_rate_entries", "of=\"address\"",
                        rtmd_rates_addresses(&srv->rates));
    rc |= metric_head(out, "rtmd_store_bytes", "gauge",
                      "Memory the store holds, by kind (the bytes its bounds count); with "
                      "Redis, the whole system's as of the last beat.");
    for (int k = 0; k < RTMD_USAGE_KINDS; k++) {
        snprintf(label, sizeof label, "kind=\"%s\"", rtmd_usage_name((rtmd_usage)k));
        rc |= metric_sample(out, "rtmd_store_bytes", label,
                            srv->store ? rtmd_store_usage(srv->store, (rtmd_usage)k, NULL)
                                       : srv->shared_usage[k]);
    }

    rc |= metric_head(out, "rtmd_logins_total", "counter", "Logins answered, by LoginError code.");
    for (int code = 0; code < RTMD_METRICS_LOGIN_CODES; code++) {
        code_label(label, sizeof label, "result", RTM_FAMILY_LOGIN_ERR, code);
        rc |= metric_sample(out, "rtmd_logins_total", label, m->logins[code]);
    }
    rc |= metric_head(out, "rtmd_messages_total", "counter",
                      "Messages accepted for delivery, by kind.");
    rc |= metric_sample(out, "rtmd_messages_total", "kind=\"peer\"", m->messages_peer);
    rc |= metric_sample(out, "rtmd_messages_total", "kind=\"channel\"", m->messages_channel);
    rc |= metric_single(out, "rtmd_replays_total", "counter",
                        "Resumed sessions sent what they missed.", m->replays);
    rc |= metric_single(out, "rtmd_peer_messages_dropped_total", "counter",
                        "Accepted peer messages a bound dropped: a full queue, or kept "
                        "longer than --offline-ttl-s.", m->peer_dropped);
    rc |= metric_head(out, "rtmd_kicks_total", "counter", "Links kicked, by reason.");
    const int reasons[] = { RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER,
                            RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN,
                            RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        code_label(label, sizeof label, "reason", RTM_FAMILY_CONNECTION_CHANGE_REASON,
                   reasons[i]);
        rc |= metric_sample(out, "rtmd_kicks_total", label, m->kicks[reasons[i]]);
    }
    rc |= metric_head(out, "rtmd_links_refused_total", "counter",
                      "New links refused over --max-conns (total) or --max-conns-per-ip.");
    rc |= metric_sample(out, "rtmd_links_refused_total", "cap=\"total\"",
                        m->links_refused[RTMD_REFUSED_TOTAL]);
    rc |= metric_sample(out, "rtmd_links_refused_total", "cap=\"per_ip\"",
                        m->links_refused[RTMD_REFUSED_PER_IP]);
    rc |= metric_head(out, "rtmd_rate_refused_total", "counter",
                      "Requests refused TOO_OFTEN, by the --rate they were over.");
    for (int k = 0; k < RTMD_RATE_COUNT; k++) {
        char rate[48];
        snprintf(rate, sizeof rate, "rate=\"%s\"", rtmd_rate_name((rtmd_rate_kind)k));
        rc |= metric_sample(out, "rtmd_rate_refused_total", rate, m->rate_refused[k]);
    }
    rc |= metric_head(out, "rtmd_store_full_total", "counter",
                      "Things a memory bound refused or did not keep, by kind.");
    for (int k = 0; k < RTMD_USAGE_KINDS; k++) {
        snprintf(label, sizeof label, "kind=\"%s\"", rtmd_usage_name((rtmd_usage)k));
        rc |= metric_sample(out, "rtmd_store_full_total", label, m->store_full[k]);
    }
    uint64_t files = 0, bytes = 0;
    if (srv->blobs)
        rtmd_blobs_usage(srv->blobs, &files, &bytes);
    rc |= metric_single(out, "rtmd_media_files", "gauge",
                        "Stored media (file and image messages' bytes), in the blob store.",
                        files);
    rc |= metric_single(out, "rtmd_media_bytes", "gauge", "Bytes of the stored media.", bytes);
    rc |= metric_head(out, "rtmd_media_transfers_total", "counter",
                      "Media transfers completed, by kind.");
    rc |= metric_sample(out, "rtmd_media_transfers_total", "kind=\"upload\"", m->media_uploads);
    rc |= metric_sample(out, "rtmd_media_transfers_total", "kind=\"download\"",
                        m->media_downloads);
    rc |= metric_head(out, "rtmd_media_chunk_bytes_total", "counter",
                      "Bytes of media chunks, by direction (in: uploads, out: downloads).");
    rc |= metric_sample(out, "rtmd_media_chunk_bytes_total", "direction=\"in\"",
                        m->media_bytes_in);
    rc |= metric_sample(out, "rtmd_media_chunk_bytes_total", "direction=\"out\"",
                        m->media_bytes_out);
    rc |= metric_single(out, "rtmd_admin_timed_out_total", "counter",
                        "Admin connections closed for want of a whole request by --admin-timeout-ms.",
                        m->admin_timed_out);
    rc |= metric_single(out, "rtmd_admin_full_total", "counter",
                        "Times the admin API held its most connections and stopped accepting.",
                        m->admin_full);
    if (srv->store_path)
        rc |= metrics_store(srv, out);
    if (srv->cfg->store == RTMD_STORE_REDIS)
        rc |= metrics_redis(srv, out);
    return rc ? -1 : 0;
}
