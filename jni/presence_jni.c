/*
 * presence_jni.c: the presence natives of RtmClient (SPEC A8) over
 * rtm_query_peers_online_status and its family, their results into Java
 * (Pending.nativeOnPeerStates) and onPeersOnlineStatusChanged
 * (RtmClientImpl.nativeOnPeersStatus).
 *
 * User ids cross JNI as UTF-8 byte[] (jrtm_strings_from_java): a null list,
 * a null id or one with a NUL byte inside reach the C API as what it
 * refuses with INVALID_ARGUMENT.
 */
#include <stdint.h>
#include <stdlib.h>

#include "jrtm.h"

/* (String[] users, int[] states) of n entries into *users and *states;
 * false (exception cleared) when out of memory. Ids are ASCII (SPEC A3). */
static bool jrtm_status_arrays(JNIEnv *env, const rtm_peer_status *peers, size_t n,
                               jobjectArray *users, jintArray *states)
{
    *users = (*env)->NewObjectArray(env, (jsize)n, jrtm.string_class, NULL);
    *states = *users != NULL ? (*env)->NewIntArray(env, (jsize)n) : NULL;
    if (*states == NULL) {
        jrtm_check(env, "NewObjectArray");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        jstring s = (*env)->NewStringUTF(env, peers[i].peer_id);
        if (s == NULL) {
            jrtm_check(env, "NewStringUTF");
            return false;
        }
        (*env)->SetObjectArrayElement(env, *users, (jsize)i, s);
        (*env)->DeleteLocalRef(env, s);
        jint st = peers[i].state;
        (*env)->SetIntArrayRegion(env, *states, (jsize)i, 1, &st);
    }
    return true;
}

static void jrtm_on_peer_states(rtm_client *c, int code, const rtm_peer_status *peers,
                                size_t count, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_enter(c);
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
    JNIEnv *env = jrtm_enter(c);
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
    jrtm_leave(env, jc);
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
    jrtm_op *op = jrtm_op_new(env, jc, pending);
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
    jrtm_op *op = jrtm_op_new(env, jc, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -1;
    }
    return rtm_query_peers_by_subscription_option(jc->c, option, jrtm_on_peer_states, op);
}
