/*
 * channel_jni.c: RtmChannel's natives over rtm_channel, and the channel's
 * C callbacks into Java. A jrtm_channel lives from its creation to its
 * on_closed (after release, or the client's close): jrtm.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jrtm.h"

void jrtm_deliver_message(JNIEnv *env, jobject obj, jmethodID method,
                          const rtm_message *m, const char *from,
                          const char *where);

static jrtm_channel *jrtm_channel_of(jlong h)
{
    return (jrtm_channel *)(intptr_t)h;
}

static void jrtm_on_channel_message(rtm_channel *ch, const rtm_message *msg,
                                    const char *from, void *closure)
{
    jrtm_channel *jch = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return;
    jrtm_deliver_message(env, jch->self, jrtm.channel_on_message, msg, from,
                         "RtmChannelListener.onMessageReceived");
}

static void jrtm_member_event(rtm_channel *ch, jrtm_channel *jch,
                              const char *user_id, jmethodID method,
                              const char *where)
{
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return;
    if ((*env)->PushLocalFrame(env, 4) == 0) {
        jstring user = (*env)->NewStringUTF(env, user_id);
        if (user != NULL)
            (*env)->CallVoidMethod(env, jch->self, method, user);
        jrtm_check(env, where);
        (*env)->PopLocalFrame(env, NULL);
    } else {
        jrtm_check(env, "PushLocalFrame");
    }
}

static void jrtm_on_member_joined(rtm_channel *ch, const char *user_id,
                                  void *closure)
{
    jrtm_member_event(ch, closure, user_id, jrtm.channel_on_joined,
                      "RtmChannelListener.onMemberJoined");
}

static void jrtm_on_member_left(rtm_channel *ch, const char *user_id,
                                void *closure)
{
    jrtm_member_event(ch, closure, user_id, jrtm.channel_on_left,
                      "RtmChannelListener.onMemberLeft");
}

static void jrtm_on_member_count(rtm_channel *ch, int count, void *closure)
{
    jrtm_channel *jch = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return;
    (*env)->CallVoidMethod(env, jch->self, jrtm.channel_on_member_count, (jint)count);
    jrtm_check(env, "RtmChannelListener.onMemberCountUpdated");
}

static void jrtm_on_attributes_updated(rtm_channel *ch, const rtm_channel_attribute *attrs,
                                       size_t count, void *closure)
{
    jrtm_channel *jch = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return;
    if ((*env)->PushLocalFrame(env, 16) == 0) {
        jrtm_chattr_arrays a;
        if (jrtm_channel_attribute_arrays(env, attrs, count, &a))
            (*env)->CallVoidMethod(env, jch->self, jrtm.channel_on_attributes, a.keys,
                                   a.values, a.users, a.ts);
        jrtm_check(env, "RtmChannelListener.onAttributesUpdated");
        (*env)->PopLocalFrame(env, NULL);
    } else {
        jrtm_check(env, "PushLocalFrame");
    }
}

/* The channel's last callback: the record goes. */
static void jrtm_on_channel_closed(rtm_channel *ch, void *closure)
{
    jrtm_channel *jch = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL) /* else the JVM is going away, and the reference with it */
        (*env)->DeleteGlobalRef(env, jch->self);
    free(jch);
    atomic_fetch_sub(&jrtm_live_channels, 1);
}

jlong JNICALL jrtm_channel_create(JNIEnv *env, jclass cls, jlong h,
                                  jstring channel_id, jobject self)
{
    jrtm_client *jc = (jrtm_client *)(intptr_t)h;
    const char *id = NULL;
    if (channel_id != NULL &&
        (id = (*env)->GetStringUTFChars(env, channel_id, NULL)) == NULL)
        return 0; /* OutOfMemoryError pending */
    jrtm_channel *jch = calloc(1, sizeof(*jch));
    if (jch == NULL)
        goto fail;
    jch->jc = jc;
    jch->self = (*env)->NewGlobalRef(env, self);
    if (jch->self == NULL)
        goto fail;
    static const rtm_channel_callbacks callbacks = {
        .size = sizeof(rtm_channel_callbacks),
        .on_message_received = jrtm_on_channel_message,
        .on_member_joined = jrtm_on_member_joined,
        .on_member_left = jrtm_on_member_left,
        .on_member_count_updated = jrtm_on_member_count,
        .on_attributes_updated = jrtm_on_attributes_updated,
        .on_closed = jrtm_on_channel_closed,
        .on_media_message_received = jrtm_on_channel_media_message};
    jch->ch = rtm_channel_create(jc->c, id, &callbacks, jch);
    if (jch->ch == NULL)
        goto fail;
    atomic_fetch_add(&jrtm_live_channels, 1);
    if (id != NULL)
        (*env)->ReleaseStringUTFChars(env, channel_id, id);
    return (jlong)(intptr_t)jch;
fail:
    if (jch != NULL && jch->self != NULL)
        (*env)->DeleteGlobalRef(env, jch->self);
    free(jch);
    if (id != NULL)
        (*env)->ReleaseStringUTFChars(env, channel_id, id);
    return 0;
}

jint JNICALL jrtm_channel_join(JNIEnv *env, jclass cls, jlong h, jobject pending)
{
    jrtm_channel *jch = jrtm_channel_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_JOIN_CHANNEL_ERR_FAILURE;
    }
    return rtm_channel_join(jch->ch, jrtm_on_result, op);
}

jint JNICALL jrtm_channel_leave(JNIEnv *env, jclass cls, jlong h, jobject pending)
{
    jrtm_channel *jch = jrtm_channel_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_LEAVE_CHANNEL_ERR_FAILURE;
    }
    return rtm_channel_leave(jch->ch, jrtm_on_result, op);
}

jint JNICALL jrtm_channel_send_message(JNIEnv *env, jclass cls, jlong h,
                                       jint type, jbyteArray body,
                                       jbyteArray description, jobject pending)
{
    jrtm_channel *jch = jrtm_channel_of(h);
    rtm_message m;
    if (!jrtm_message_from_java(env, type, body, description, &m)) {
        (*env)->ExceptionClear(env);
        return -RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    }
    jrtm_op *op = jrtm_op_new(env, pending);
    jint rc = -RTM_CHANNEL_MESSAGE_ERR_FAILURE;
    if (op != NULL)
        rc = rtm_channel_send_message(jch->ch, &m, jrtm_on_result, op);
    else
        (*env)->ExceptionClear(env);
    jrtm_message_free(&m);
    return rc;
}

jint JNICALL jrtm_channel_get_members(JNIEnv *env, jclass cls, jlong h,
                                      jobject pending)
{
    jrtm_channel *jch = jrtm_channel_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_GET_MEMBERS_ERR_FAILURE;
    }
    return rtm_channel_get_members(jch->ch, jrtm_on_members, op);
}

/* release(): the C channel closes, asynchronously; jrtm_on_channel_closed
 * ends the record. */
void JNICALL jrtm_channel_release(JNIEnv *env, jclass cls, jlong h)
{
    rtm_channel_release(jrtm_channel_of(h)->ch);
}
