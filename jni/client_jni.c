/*
 * client_jni.c: RtmClient's natives over rtm_client, the client's C
 * callbacks into Java, result callbacks, messages and the code tables.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jrtm.h"

atomic_long jrtm_live_clients;
atomic_long jrtm_live_channels;
atomic_long jrtm_live_ops;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

jbyteArray jrtm_bytes(JNIEnv *env, const void *data, size_t len)
{
    if (data == NULL || len > INT32_MAX)
        return NULL;
    jbyteArray a = (*env)->NewByteArray(env, (jsize)len);
    if (a == NULL) {
        jrtm_check(env, "NewByteArray");
        return NULL;
    }
    (*env)->SetByteArrayRegion(env, a, 0, (jsize)len, (const jbyte *)data);
    if (jrtm_check(env, "SetByteArrayRegion")) {
        (*env)->DeleteLocalRef(env, a);
        return NULL;
    }
    return a;
}

char *jrtm_copy_bytes(JNIEnv *env, jbyteArray a, size_t *len,
                             bool *has_nul)
{
    *len = 0;
    if (has_nul != NULL)
        *has_nul = false;
    if (a == NULL)
        return NULL;
    jsize n = (*env)->GetArrayLength(env, a);
    char *buf = malloc((size_t)n + 1);
    if (buf == NULL)
        return NULL;
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)buf);
    buf[n] = '\0';
    *len = (size_t)n;
    if (has_nul != NULL)
        *has_nul = memchr(buf, '\0', (size_t)n) != NULL;
    return buf;
}

bool jrtm_message_from_java(JNIEnv *env, jint type, jbyteArray body,
                            jbyteArray description, rtm_message *out)
{
    memset(out, 0, sizeof(*out));
    out->type = type;
    size_t len = 0, dlen = 0;
    bool nul = false, dnul = false;
    char *b = jrtm_copy_bytes(env, body, &len, &nul);
    if (body != NULL && b == NULL)
        return false;
    char *d = jrtm_copy_bytes(env, description, &dlen, &dnul);
    if (description != NULL && d == NULL) {
        free(b);
        return false;
    }
    if (type == RTM_MESSAGE_TYPE_TEXT) {
        out->text = b;
        if (nul) /* a C string cannot carry it: invalid, not truncated */
            out->type = RTM_MESSAGE_TYPE_UNDEFINED;
        free(d);
    } else {
        out->raw = b;
        out->raw_len = len;
        out->description = d;
        if (dnul)
            out->type = RTM_MESSAGE_TYPE_UNDEFINED;
    }
    return true;
}

void jrtm_message_free(rtm_message *m)
{
    free((char *)m->text);
    free((void *)m->raw);
    free((char *)m->description);
    memset(m, 0, sizeof(*m));
}

/* The string's modified UTF-8, or NULL for a null string. *failed is set
 * when the JVM could not give it (an exception is then pending). */
static const char *jrtm_chars(JNIEnv *env, jstring s, bool *failed)
{
    if (s == NULL)
        return NULL;
    const char *c = (*env)->GetStringUTFChars(env, s, NULL);
    if (c == NULL)
        *failed = true;
    return c;
}

static void jrtm_release_chars(JNIEnv *env, jstring s, const char *c)
{
    if (s != NULL && c != NULL)
        (*env)->ReleaseStringUTFChars(env, s, c);
}


/* ------------------------------------------------------------------ */
/* Results                                                             */

jrtm_op *jrtm_op_new(JNIEnv *env, jobject pending)
{
    jrtm_op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->pending = (*env)->NewGlobalRef(env, pending);
    if (op->pending == NULL) {
        free(op);
        return NULL;
    }
    atomic_fetch_add(&jrtm_live_ops, 1);
    return op;
}

void jrtm_op_done(JNIEnv *env, jrtm_op *op)
{
    if (env != NULL) {
        (*env)->DeleteGlobalRef(env, op->pending);
        atomic_fetch_sub(&jrtm_live_ops, 1); /* else the reference leaks */
    }
    free(op);
}

void jrtm_on_result(rtm_client *c, int code, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 4) == 0) {
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_result, code);
        jrtm_check(env, "ResultCallback");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

void jrtm_on_members(rtm_channel *ch, int code, const char *const *users,
                     size_t count, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 8) == 0) {
        jobjectArray arr = (*env)->NewObjectArray(env, (jsize)count,
                                                  jrtm.string_class, NULL);
        if (arr == NULL) {
            jrtm_check(env, "NewObjectArray");
            code = RTM_GET_MEMBERS_ERR_FAILURE;
        }
        for (size_t i = 0; arr != NULL && i < count; i++) {
            jstring s = (*env)->NewStringUTF(env, users[i]);
            if (s == NULL) {
                jrtm_check(env, "NewStringUTF");
                code = RTM_GET_MEMBERS_ERR_FAILURE;
                break;
            }
            (*env)->SetObjectArrayElement(env, arr, (jsize)i, s);
            (*env)->DeleteLocalRef(env, s);
        }
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_members, code,
                               code == 0 ? arr : NULL);
        jrtm_check(env, "ResultCallback (getMembers)");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

/* ------------------------------------------------------------------ */
/* Client callbacks                                                    */

static void jrtm_on_state(rtm_client *c, int state, int reason, void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 4) == 0) {
        (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_state, state, reason);
        jrtm_check(env, "RtmClientListener.onConnectionStateChanged");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
}

static void jrtm_on_replay(rtm_client *c, const rtm_replay_info *info,
                           void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 4) == 0) {
        /* The counts are far below 2^31: rtmd keeps at most a few hundred. */
        (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_replay,
                               (jint)info->peer_messages,
                               (jint)info->channel_messages,
                               (jint)info->channel_skipped,
                               (jint)info->peer_dropped);
        jrtm_check(env, "RtmClientListener.onMessagesReplayed");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
}

/* onTokenExpired (SPEC S15): a reconnection was refused for an expired
 * token; the state stays, attempts wait for renewToken. */
static void jrtm_on_token_expired(rtm_client *c, void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 4) == 0) {
        (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_token_expired);
        jrtm_check(env, "RtmClientListener.onTokenExpired");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
}

/* onTokenPrivilegeWillExpire: rtmd's notice, seconds_left before expiry. */
static void jrtm_on_token_will_expire(rtm_client *c, uint32_t seconds_left,
                                      void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 4) == 0) {
        jint left = seconds_left > INT32_MAX ? INT32_MAX : (jint)seconds_left;
        (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_token_will_expire,
                               left);
        jrtm_check(env, "RtmClientListener.onTokenPrivilegeWillExpire");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
}

/* Calls method(type, body, description, ts, offline, from) on obj. */
void jrtm_deliver_message(JNIEnv *env, jobject obj, jmethodID method,
                          const rtm_message *m, const char *from,
                          const char *where);
void jrtm_deliver_message(JNIEnv *env, jobject obj, jmethodID method,
                          const rtm_message *m, const char *from,
                          const char *where)
{
    if ((*env)->PushLocalFrame(env, 8) != 0) {
        jrtm_check(env, "PushLocalFrame");
        return;
    }
    jbyteArray body = NULL, desc = NULL;
    if (m->type == RTM_MESSAGE_TYPE_RAW) {
        body = jrtm_bytes(env, m->raw != NULL ? m->raw : "", m->raw_len);
        if (m->description != NULL)
            desc = jrtm_bytes(env, m->description, strlen(m->description));
    } else if (m->text != NULL) {
        body = jrtm_bytes(env, m->text, strlen(m->text));
    }
    jstring jfrom = (*env)->NewStringUTF(env, from);
    if (jfrom == NULL || body == NULL) {
        jrtm_check(env, where);
        char what[160];
        snprintf(what, sizeof(what), "out of memory: a message from %s is lost", from);
        jrtm_report(env, what, NULL);
    } else {
        (*env)->CallVoidMethod(env, obj, method, (jint)m->type, body, desc,
                               (jlong)m->server_received_ts,
                               (jboolean)m->offline, jfrom);
        jrtm_check(env, where);
    }
    (*env)->PopLocalFrame(env, NULL);
}

static void jrtm_on_message(rtm_client *c, const rtm_message *msg,
                            const char *peer_id, void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL)
        jrtm_deliver_message(env, jc->self, jrtm.client_on_message, msg, peer_id,
                             "RtmClientListener.onMessageReceived");
}

/* ------------------------------------------------------------------ */
/* Client lifetime                                                     */

/* The client's close callback, its last: the record goes. Its channels'
 * on_closed ran before. */
static void jrtm_on_client_closed(rtm_client *c, void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL) /* else the JVM is going away, and the reference with it */
        (*env)->DeleteGlobalRef(env, jc->self);
    free(jc);
    atomic_fetch_sub(&jrtm_live_clients, 1);
}

jint JNICALL jrtm_client_create(JNIEnv *env, jclass cls, jstring app_id,
                                jstring params, jobject self, jlongArray out)
{
    bool failed = false;
    const char *app = jrtm_chars(env, app_id, &failed);
    const char *par = jrtm_chars(env, params, &failed);
    jint rc = RTM_ENOMEM;
    jrtm_client *jc = NULL;
    if (failed)
        goto done;
    if (app == NULL) {
        rc = RTM_EINVAL;
        goto done;
    }
    jc = calloc(1, sizeof(*jc));
    if (jc == NULL)
        goto done;
    jc->self = (*env)->NewGlobalRef(env, self);
    if (jc->self == NULL)
        goto free_jc;

    rtm_config cfg;
    rtm_config_init(&cfg);
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    cfg.app_id = app;
    cbs.on_connection_state_changed = jrtm_on_state;
    cbs.on_message_received = jrtm_on_message;
    cbs.on_replay_done = jrtm_on_replay;
    cbs.on_token_expired = jrtm_on_token_expired;
    cbs.on_token_privilege_will_expire = jrtm_on_token_will_expire;
    cbs.on_peers_online_status_changed = jrtm_on_peers_status;
    cbs.on_media_message_received = jrtm_on_media_message;
    cbs.on_media_uploading_progress = jrtm_on_upload_progress;
    cbs.on_media_downloading_progress = jrtm_on_download_progress;
    jrtm_invitation_callbacks(&cbs);
    cfg.closure = jc;
    cfg.parameters = par;
    cfg.callbacks = &cbs;
    rc = rtm_client_create(&cfg, &jc->c);
    if (rc != RTM_OK)
        goto free_ref;
    atomic_fetch_add(&jrtm_live_clients, 1);
    jlong h = (jlong)(intptr_t)jc;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &h);
    if ((*env)->ExceptionCheck(env)) { /* out too short: a bug of ours */
        rtm_client_destroy(jc->c);
        atomic_fetch_sub(&jrtm_live_clients, 1);
        rc = RTM_EINVAL;
        goto free_ref;
    }
    goto done;

free_ref:
    (*env)->DeleteGlobalRef(env, jc->self);
free_jc:
    free(jc);
done:
    jrtm_release_chars(env, app_id, app);
    jrtm_release_chars(env, params, par);
    return rc;
}

/* release(): closes the client and, but from its own callbacks, waits for
 * the end, as rtm_client_destroy; jrtm_on_client_closed ends the record. */
void JNICALL jrtm_client_destroy(JNIEnv *env, jclass cls, jlong h)
{
    jrtm_client *jc = jrtm_client_of(h);
    rtm_client_close_wait(jc->c, jrtm_on_client_closed, jc);
}

jint JNICALL jrtm_client_set_parameters(JNIEnv *env, jclass cls, jlong h,
                                        jstring json)
{
    bool failed = false;
    const char *j = jrtm_chars(env, json, &failed);
    if (failed)
        return RTM_ENOMEM;
    jint rc = j == NULL ? RTM_EINVAL
                        : rtm_client_set_parameters(jrtm_client_of(h)->c, j);
    jrtm_release_chars(env, json, j);
    return rc;
}

jint JNICALL jrtm_set_log_file(JNIEnv *env, jclass cls, jlong h, jstring path)
{
    bool failed = false;
    const char *p = jrtm_chars(env, path, &failed);
    if (failed)
        return RTM_ENOMEM;
    jint rc = rtm_set_log_file(jrtm_client_of(h)->c, p); /* NULL: the default */
    jrtm_release_chars(env, path, p);
    return rc;
}

jint JNICALL jrtm_set_log_filter(JNIEnv *env, jclass cls, jlong h, jint filter)
{
    return rtm_set_log_filter(jrtm_client_of(h)->c, filter);
}

jint JNICALL jrtm_set_log_file_size(JNIEnv *env, jclass cls, jlong h, jint kb)
{
    return rtm_set_log_file_size(jrtm_client_of(h)->c, kb);
}

void JNICALL jrtm_network_changed(JNIEnv *env, jclass cls, jlong h)
{
    rtm_network_changed(jrtm_client_of(h)->c);
}

/* The natives return the C function's value (0 when queued, or the code it
 * was refused with; the callback comes either way), or -code when the shim
 * itself failed before calling it: Java then reports code at once. */

jint JNICALL jrtm_login(JNIEnv *env, jclass cls, jlong h, jstring token,
                        jstring user_id, jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    bool failed = false;
    const char *tok = jrtm_chars(env, token, &failed);
    const char *user = jrtm_chars(env, user_id, &failed);
    jrtm_op *op = failed ? NULL : jrtm_op_new(env, pending);
    jint rc;
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        rc = -RTM_LOGIN_ERR_UNKNOWN;
    } else {
        rc = rtm_login(jc->c, tok, user, jrtm_on_result, op);
    }
    jrtm_release_chars(env, token, tok);
    jrtm_release_chars(env, user_id, user);
    return rc;
}

/* A null token reaches the core as NULL: INVALID_ARGUMENT, through the
 * callback like every refusal of the core. */
jint JNICALL jrtm_renew_token(JNIEnv *env, jclass cls, jlong h, jstring token,
                              jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    bool failed = false;
    const char *tok = jrtm_chars(env, token, &failed);
    jrtm_op *op = failed ? NULL : jrtm_op_new(env, pending);
    jint rc;
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        rc = -RTM_RENEW_TOKEN_ERR_FAILURE;
    } else {
        rc = rtm_renew_token(jc->c, tok, jrtm_on_result, op);
    }
    jrtm_release_chars(env, token, tok);
    return rc;
}

jint JNICALL jrtm_logout(JNIEnv *env, jclass cls, jlong h, jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_LOGOUT_ERR_REJECTED;
    }
    return rtm_logout(jc->c, jrtm_on_result, op);
}

jint JNICALL jrtm_send_peer_message(JNIEnv *env, jclass cls, jlong h,
                                    jstring peer_id, jint type, jbyteArray body,
                                    jbyteArray description, jboolean offline,
                                    jobject pending)
{
    rtm_send_options opts = { .enable_offline_messaging = offline == JNI_TRUE };
    jrtm_client *jc = jrtm_client_of(h);
    bool failed = false;
    const char *peer = jrtm_chars(env, peer_id, &failed);
    rtm_message m;
    jrtm_op *op = NULL;
    jint rc = -RTM_PEER_MESSAGE_ERR_FAILURE;
    if (!failed && jrtm_message_from_java(env, type, body, description, &m)) {
        op = jrtm_op_new(env, pending);
        if (op != NULL)
            rc = rtm_send_peer_message_with_options(jc->c, peer, &m, &opts, jrtm_on_result,
                                                    op);
        jrtm_message_free(&m);
    }
    if (op == NULL)
        (*env)->ExceptionClear(env);
    jrtm_release_chars(env, peer_id, peer);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Version and codes                                                   */

jint JNICALL jrtm_set_service_context(JNIEnv *env, jclass cls, jint area_code,
                                      jint proxy_type)
{
    return rtm_set_service_context(area_code, proxy_type);
}

jstring JNICALL jrtm_version(JNIEnv *env, jclass cls)
{
    return (*env)->NewStringUTF(env, rtm_version());
}

jstring JNICALL jrtm_code_name(JNIEnv *env, jclass cls, jint family, jint code)
{
    if (family < 0 || family >= RTM_FAMILY__COUNT)
        return (*env)->NewStringUTF(env, "UNKNOWN");
    return (*env)->NewStringUTF(env, rtm_code_name((rtm_family)family, code));
}

jstring JNICALL jrtm_strerror(JNIEnv *env, jclass cls, jint status)
{
    return (*env)->NewStringUTF(env, rtm_strerror(status));
}

/* Every (family, value) of rtm_codes.h, from its X-macro lists: the enum
 * item macro is redefined to emit a pair instead of an enumerator. */
#undef RTM__ENUM_ITEM
#define RTM__ENUM_ITEM(fam, name, value) {RTM_FAMILY_##fam, value},
#define JRTM_FAMILY_CODES(fam, map, prefix) map(RTM__##fam##_ITEM)
static const jint jrtm_codes[][2] = {RTM_FAMILY_MAP(JRTM_FAMILY_CODES)};

jintArray JNICALL jrtm_code_table(JNIEnv *env, jclass cls)
{
    jsize n = (jsize)(sizeof(jrtm_codes) / sizeof(jrtm_codes[0]));
    jintArray a = (*env)->NewIntArray(env, 2 * n);
    if (a != NULL)
        (*env)->SetIntArrayRegion(env, a, 0, 2 * n, &jrtm_codes[0][0]);
    return a;
}

jlong JNICALL jrtm_malloc_in_use(JNIEnv *env, jclass cls)
{
    struct mallinfo2 mi = mallinfo2();
    return (jlong)(mi.uordblks + mi.hblkhd);
}

jlongArray JNICALL jrtm_live_records(JNIEnv *env, jclass cls)
{
    jlong v[3] = {atomic_load(&jrtm_live_clients),
                  atomic_load(&jrtm_live_channels),
                  atomic_load(&jrtm_live_ops)};
    jlongArray a = (*env)->NewLongArray(env, 3);
    if (a != NULL)
        (*env)->SetLongArrayRegion(env, a, 0, 3, v);
    return a;
}
