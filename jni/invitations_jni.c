/*
 * invitations_jni.c: RtmCallManager's natives over the C core's call
 * invitations (rtm.h, "Call invitations"), and its ten callbacks into
 * RtmClientImpl.nativeOnInvitation.
 *
 * An invitation crosses JNI as its C handle (a jlong). The Java object of
 * a local invitation holds the reference rtm_local_invitation_create gave
 * when it was sent; for a remote one, the received callback retains one for
 * the Java object it makes. Each is given back (RtmNative.invitationRelease)
 * at the invitation's final event (RtmCallManagerImpl). Texts cross as UTF-8
 * byte[]: one with a NUL byte inside cannot be a C string and is refused
 * with INVALID_ARGUMENT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jrtm.h"

/* RtmCallManagerImpl's events and steps. */
enum {
    JRTM_LOCAL_RECEIVED,
    JRTM_LOCAL_ACCEPTED,
    JRTM_LOCAL_REFUSED,
    JRTM_LOCAL_CANCELED,
    JRTM_LOCAL_FAILURE,
    JRTM_REMOTE_RECEIVED,
    JRTM_REMOTE_ACCEPTED,
    JRTM_REMOTE_REFUSED,
    JRTM_REMOTE_CANCELED,
    JRTM_REMOTE_FAILURE
};
enum { JRTM_STEP_SEND, JRTM_STEP_CANCEL, JRTM_STEP_ACCEPT, JRTM_STEP_REFUSE };

/* Calls nativeOnInvitation(event, inv, code, a, b, c); the texts may be
 * NULL. False when it could not be called (out of memory). */
static bool jrtm_inv_event(void *closure, int event, const void *inv, int code, const char *a,
                           const char *b, const char *c)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return false;
    if ((*env)->PushLocalFrame(env, 8) != 0) {
        jrtm_check(env, "PushLocalFrame");
        return false;
    }
    const char *texts[3] = {a, b, c};
    jbyteArray arrays[3] = {NULL, NULL, NULL};
    bool ok = true;
    for (int i = 0; i < 3 && ok; i++)
        if (texts[i] != NULL)
            ok = (arrays[i] = jrtm_bytes(env, texts[i], strlen(texts[i]))) != NULL;
    if (ok) {
        (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_invitation, (jint)event,
                               (jlong)(intptr_t)inv, (jint)code, arrays[0], arrays[1],
                               arrays[2]);
        jrtm_check(env, "RtmCallEventListener");
    } else {
        jrtm_report(env, "out of memory: an invitation event is lost", NULL);
    }
    (*env)->PopLocalFrame(env, NULL);
    return ok;
}

static void jrtm_local_received(rtm_client *c, rtm_local_invitation *inv, void *closure)
{
    jrtm_inv_event(closure, JRTM_LOCAL_RECEIVED, inv, 0, NULL, NULL, NULL);
}

static void jrtm_local_accepted(rtm_client *c, rtm_local_invitation *inv, const char *response,
                                void *closure)
{
    jrtm_inv_event(closure, JRTM_LOCAL_ACCEPTED, inv, 0, response, NULL, NULL);
}

static void jrtm_local_refused(rtm_client *c, rtm_local_invitation *inv, const char *response,
                               void *closure)
{
    jrtm_inv_event(closure, JRTM_LOCAL_REFUSED, inv, 0, response, NULL, NULL);
}

static void jrtm_local_canceled(rtm_client *c, rtm_local_invitation *inv, void *closure)
{
    jrtm_inv_event(closure, JRTM_LOCAL_CANCELED, inv, 0, NULL, NULL, NULL);
}

static void jrtm_local_failure(rtm_client *c, rtm_local_invitation *inv, int code, void *closure)
{
    jrtm_inv_event(closure, JRTM_LOCAL_FAILURE, inv, code, NULL, NULL, NULL);
}

static void jrtm_remote_received(rtm_client *c, rtm_remote_invitation *inv, void *closure)
{
    /* The Java object made for it holds this reference. */
    rtm_remote_invitation_retain(inv);
    if (!jrtm_inv_event(closure, JRTM_REMOTE_RECEIVED, inv, 0,
                        rtm_remote_invitation_get_caller_id(inv),
                        rtm_remote_invitation_get_content(inv),
                        rtm_remote_invitation_get_channel_id(inv)))
        rtm_remote_invitation_release(inv);
}

static void jrtm_remote_accepted(rtm_client *c, rtm_remote_invitation *inv, void *closure)
{
    jrtm_inv_event(closure, JRTM_REMOTE_ACCEPTED, inv, 0, NULL, NULL, NULL);
}

static void jrtm_remote_refused(rtm_client *c, rtm_remote_invitation *inv, void *closure)
{
    jrtm_inv_event(closure, JRTM_REMOTE_REFUSED, inv, 0, NULL, NULL, NULL);
}

static void jrtm_remote_canceled(rtm_client *c, rtm_remote_invitation *inv, void *closure)
{
    jrtm_inv_event(closure, JRTM_REMOTE_CANCELED, inv, 0, NULL, NULL, NULL);
}

static void jrtm_remote_failure(rtm_client *c, rtm_remote_invitation *inv, int code,
                                void *closure)
{
    jrtm_inv_event(closure, JRTM_REMOTE_FAILURE, inv, code, NULL, NULL, NULL);
}

void jrtm_invitation_callbacks(rtm_client_callbacks *cbs)
{
    cbs->on_local_invitation_received_by_peer = jrtm_local_received;
    cbs->on_local_invitation_accepted = jrtm_local_accepted;
    cbs->on_local_invitation_refused = jrtm_local_refused;
    cbs->on_local_invitation_canceled = jrtm_local_canceled;
    cbs->on_local_invitation_failure = jrtm_local_failure;
    cbs->on_remote_invitation_received = jrtm_remote_received;
    cbs->on_remote_invitation_accepted = jrtm_remote_accepted;
    cbs->on_remote_invitation_refused = jrtm_remote_refused;
    cbs->on_remote_invitation_canceled = jrtm_remote_canceled;
    cbs->on_remote_invitation_failure = jrtm_remote_failure;
}

jlong JNICALL jrtm_invitation_create(JNIEnv *env, jclass cls, jlong h, jstring callee_id)
{
    if (callee_id == NULL)
        return 0;
    /* User ids are ASCII (SPEC A3): their modified UTF-8 is themselves. */
    const char *callee = (*env)->GetStringUTFChars(env, callee_id, NULL);
    if (callee == NULL)
        return 0; /* OutOfMemoryError pending */
    rtm_local_invitation *inv = rtm_local_invitation_create(jrtm_client_of(h)->c, callee);
    (*env)->ReleaseStringUTFChars(env, callee_id, callee);
    return (jlong)(intptr_t)inv;
}

/* Sets a text from Java (NULL array: ""): RTM_OK, RTM_EINVAL (a NUL byte
 * inside, or refused by set), RTM_ESTATE (sent or answered already: it keeps
 * what went) or RTM_ENOMEM. */
typedef int (*jrtm_text_setter)(void *inv, const char *text);

static int jrtm_set_text(JNIEnv *env, void *inv, jbyteArray a, jrtm_text_setter set)
{
    size_t len;
    bool nul = false;
    char *text = jrtm_copy_bytes(env, a, &len, &nul);
    if (a != NULL && text == NULL) {
        (*env)->ExceptionClear(env);
        return RTM_ENOMEM;
    }
    int rc = nul ? RTM_EINVAL : set(inv, text);
    free(text);
    return rc;
}

static int jrtm_set_content(void *inv, const char *s)
{
    return rtm_local_invitation_set_content(inv, s);
}

static int jrtm_set_channel(void *inv, const char *s)
{
    return rtm_local_invitation_set_channel_id(inv, s);
}

static int jrtm_set_response(void *inv, const char *s)
{
    return rtm_remote_invitation_set_response(inv, s);
}

jint JNICALL jrtm_invitation_call(JNIEnv *env, jclass cls, jlong h, jint step, jlong inv_h,
                                  jbyteArray a, jbyteArray b, jobject pending)
{
    rtm_client *c = jrtm_client_of(h)->c;
    void *inv = (void *)(intptr_t)inv_h;
    const jint invalid = -RTM_INVITATION_API_CALL_ERR_INVALID_ARGUMENT;
    /* The texts as set now. Once sent or answered they stay what went
     * (RTM_ESTATE): no error, the call's own code says why. */
    int rc = RTM_OK;
    if (step == JRTM_STEP_SEND) {
        rc = jrtm_set_text(env, inv, a, jrtm_set_content);
        if (rc == RTM_OK)
            rc = jrtm_set_text(env, inv, b, jrtm_set_channel);
    } else if (step == JRTM_STEP_ACCEPT || step == JRTM_STEP_REFUSE) {
        rc = jrtm_set_text(env, inv, a, jrtm_set_response);
    }
    if (rc != RTM_OK && rc != RTM_ESTATE)
        return invalid;
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return invalid; /* the family has no FAILURE (rtm.h) */
    }
    switch (step) {
    case JRTM_STEP_SEND:
        return rtm_send_local_invitation(c, inv, jrtm_on_result, op);
    case JRTM_STEP_CANCEL:
        return rtm_cancel_local_invitation(c, inv, jrtm_on_result, op);
    case JRTM_STEP_ACCEPT:
        return rtm_accept_remote_invitation(c, inv, jrtm_on_result, op);
    default:
        return rtm_refuse_remote_invitation(c, inv, jrtm_on_result, op);
    }
}

jint JNICALL jrtm_invitation_state(JNIEnv *env, jclass cls, jlong inv, jboolean local)
{
    void *p = (void *)(intptr_t)inv;
    return local ? rtm_local_invitation_get_state(p) : rtm_remote_invitation_get_state(p);
}

void JNICALL jrtm_invitation_release(JNIEnv *env, jclass cls, jlong inv, jboolean local)
{
    void *p = (void *)(intptr_t)inv;
    if (local)
        rtm_local_invitation_release(p);
    else
        rtm_remote_invitation_release(p);
}
