/*
 * presence_jni.c: the presence natives of RtmClient (SPEC A8) over
 * rtm_query_peers_online_status and its family, their results into Java
 * (Pending.nativeOnPeerStates) and onPeersOnlineStatusChanged
 * (RtmClientImpl.nativeOnPeersStatus); and getChannelMemberCount, which
 * answers the same shape (ids with numbers, Pending.nativeOnMemberCounts).
 *
 * User ids cross JNI as UTF-8 byte[] (jrtm_strings_from_java): a null list,
 * a null id or one with a NUL byte inside reach the C API as what it
 * refuses with INVALID_ARGUMENT.
 */
#include <stdint.h>
#include <stdlib.h>

#include "jrtm.h"

/* (String[] ids, int[] values) of n entries into *ids and *values; false
 * (exception cleared) when out of memory. id(i) and value(i) read entry i of
 * the C array at `entries`. Ids are ASCII (SPEC A3). */
typedef const char *(*jrtm_id_fn)(const void *entries, size_t i);
typedef int (*jrtm_value_fn)(const void *entries, size_t i);

static bool jrtm_id_arrays(JNIEnv *env, const void *entries, size_t n, jrtm_id_fn id,
                           jrtm_value_fn value, jobjectArray *ids, jintArray *values)
{
    *ids = (*env)->NewObjectArray(env, (jsize)n, jrtm.string_class, NULL);
    *values = *ids != NULL ? (*env)->NewIntArray(env, (jsize)n) : NULL;
    if (*values == NULL) {
        jrtm_check(env, "NewObjectArray");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        jstring s = (*env)->NewStringUTF(env, id(entries, i));
        if (s == NULL) {
            jrtm_check(env, "NewStringUTF");
            return false;
        }
        (*env)->SetObjectArrayElement(env, *ids, (jsize)i, s);
        (*env)->DeleteLocalRef(env, s);
        jint v = value(entries, i);
        (*env)->SetIntArrayRegion(env, *values, (jsize)i, 1, &v);
    }
    return true;
}

static const char *jrtm_peer_id(const void *entries, size_t i)
{
    return ((const rtm_peer_status *)entries)[i].peer_id;
}

static int jrtm_peer_state(const void *entries, size_t i)
{
    return ((const rtm_peer_status *)entries)[i].state;
}

static bool jrtm_status_arrays(JNIEnv *env, const rtm_peer_status *peers, size_t n,
                               jobjectArray *users, jintArray *states)
{
    return jrtm_id_arrays(env, peers, n, jrtm_peer_id, jrtm_peer_state, users, states);
}

static void jrtm_on_peer_states(rtm_client *c, int code, const rtm_peer_status *peers,
                                size_t count, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 8) == 0) {
        jobjectArray users = NULL;
        jintArray states = NULL;
        if (code == 0 && !jrtm_status_arrays(env, peers, count, &users, &states))
            code = 1; /* FAILURE in both families: out of memory */
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_peer_states, code,
                               code == 0 ? users : NULL, code == 0 ? states : NULL);
        jrtm_check(env, "ResultCallback (peer presence)");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

void jrtm_on_peers_status(rtm_client *c, const rtm_peer_status *peers, size_t count,
                          void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 8) == 0) {
        jobjectArray users = NULL;
        jintArray states = NULL;
        if (jrtm_status_arrays(env, peers, count, &users, &states)) {
            (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_peers_status, users, states);
            jrtm_check(env, "RtmClientListener.onPeersOnlineStatusChanged");
        }
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
}

/* Runs start(users) with the ids of a Java byte[][]; -FAILURE (1) when out
 * of memory before the core has the operation. */
typedef int (*jrtm_users_fn)(rtm_client *c, const char *const *users, size_t n,
                             jrtm_op *op, bool flag);

static jint jrtm_with_users(JNIEnv *env, jlong h, jobjectArray users, jobject pending,
                            jrtm_users_fn start, bool flag)
{
    jrtm_client *jc = (jrtm_client *)(intptr_t)h;
    jrtm_strings u;
    if (!jrtm_strings_from_java(env, users, &u)) {
        (*env)->ExceptionClear(env);
        return -1;
    }
    jrtm_op *op = jrtm_op_new(env, pending);
    jint rc = -1;
    if (op != NULL)
        rc = start(jc->c, (const char *const *)u.s, jrtm_strings_count(&u), op, flag);
    else
        (*env)->ExceptionClear(env);
    jrtm_strings_free(&u);
    return rc;
}

static int jrtm_start_query(rtm_client *c, const char *const *users, size_t n, jrtm_op *op,
                            bool unused)
{
    return rtm_query_peers_online_status(c, users, n, jrtm_on_peer_states, op);
}

static int jrtm_start_subscribe(rtm_client *c, const char *const *users, size_t n,
                                jrtm_op *op, bool unsubscribe)
{
    return unsubscribe ? rtm_unsubscribe_peers_online_status(c, users, n, jrtm_on_result, op)
                       : rtm_subscribe_peers_online_status(c, users, n, jrtm_on_result, op);
}

jint JNICALL jrtm_query_peers(JNIEnv *env, jclass cls, jlong h, jobjectArray users,
                              jobject pending)
{
    return jrtm_with_users(env, h, users, pending, jrtm_start_query, false);
}

jint JNICALL jrtm_subscribe_peers(JNIEnv *env, jclass cls, jlong h, jobjectArray users,
                                  jboolean unsubscribe, jobject pending)
{
    return jrtm_with_users(env, h, users, pending, jrtm_start_subscribe,
                           unsubscribe == JNI_TRUE);
}

jint JNICALL jrtm_get_subscribed(JNIEnv *env, jclass cls, jlong h, jint option,
                                 jobject pending)
{
    jrtm_client *jc = (jrtm_client *)(intptr_t)h;
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -1;
    }
    return rtm_query_peers_by_subscription_option(jc->c, option, jrtm_on_peer_states, op);
}

/* ---- getChannelMemberCount ---- */

static const char *jrtm_count_channel(const void *entries, size_t i)
{
    return ((const rtm_channel_member_count *)entries)[i].channel_id;
}

static int jrtm_count_value(const void *entries, size_t i)
{
    return ((const rtm_channel_member_count *)entries)[i].count;
}

static void jrtm_on_member_counts(rtm_client *c, int code,
                                  const rtm_channel_member_count *counts, size_t n,
                                  void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 8) == 0) {
        jobjectArray channels = NULL;
        jintArray values = NULL;
        if (code == 0 && !jrtm_id_arrays(env, counts, n, jrtm_count_channel,
                                         jrtm_count_value, &channels, &values))
            code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE;
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_member_counts, code,
                               code == 0 ? channels : NULL, code == 0 ? values : NULL);
        jrtm_check(env, "ResultCallback (getChannelMemberCount)");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

static int jrtm_start_member_count(rtm_client *c, const char *const *channels, size_t n,
                                   jrtm_op *op, bool unused)
{
    return rtm_get_channel_member_count(c, channels, n, jrtm_on_member_counts, op);
}

jint JNICALL jrtm_get_member_count(JNIEnv *env, jclass cls, jlong h, jobjectArray channels,
                                   jobject pending)
{
    return jrtm_with_users(env, h, channels, pending, jrtm_start_member_count, false);
}
