/*
 * jnilib.c: loading of the JNI shim (netty-tcnative / conscrypt style).
 * JNI_OnLoad caches the classes it calls into as global refs and their
 * method ids, and registers the natives of io.agora.rtm.RtmNative from a
 * table, unwinding with goto on failure. The threads the C core calls back
 * on are attached to the JVM once, as daemons, and detached when they exit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jrtm.h"

jrtm_cache jrtm;

/* ------------------------------------------------------------------ */
/* Threads                                                             */

/* Set on the threads the shim attached (to the JNIEnv): its destructor
 * detaches them when they exit. */
static pthread_key_t jrtm_thread_key;

/* Runs when an attached callback thread exits. */
static void jrtm_thread_exit(void *arg)
{
    JNIEnv *env = NULL;
    if ((*jrtm.vm)->GetEnv(jrtm.vm, (void **)&env, JNI_VERSION_1_6) == JNI_OK)
        (*jrtm.vm)->DetachCurrentThread(jrtm.vm);
}

/* The JNIEnv of this thread, attaching it (as a daemon) the first time.
 * NULL when the JVM cannot take it (it is shutting down, or out of memory):
 * the event is dropped, with nowhere to report it. */
JNIEnv *jrtm_env(void)
{
    JNIEnv *env = NULL;
    jint rc = (*jrtm.vm)->GetEnv(jrtm.vm, (void **)&env, JNI_VERSION_1_6);
    if (rc == JNI_OK)
        return env;
    if (rc != JNI_EDETACHED)
        return NULL;
    JavaVMAttachArgs args = {JNI_VERSION_1_6, "rtm-callback", NULL};
    rc = (*jrtm.vm)->AttachCurrentThreadAsDaemon(jrtm.vm, (void **)&env, &args);
    if (rc != JNI_OK)
        return NULL;
    /* The key's destructor detaches the thread when it exits. */
    if (pthread_setspecific(jrtm_thread_key, env) != 0) {
        (*jrtm.vm)->DetachCurrentThread(jrtm.vm);
        return NULL;
    }
    return env;
}

void jrtm_report(JNIEnv *env, const char *what, jthrowable thrown)
{
    jstring s = (*env)->NewStringUTF(env, what);
    if (s != NULL) {
        (*env)->CallStaticVoidMethod(env, jrtm.native_class, jrtm.native_report, s, thrown);
        (*env)->DeleteLocalRef(env, s);
    }
    /* A report that failed (out of memory, a throwing log handler) has
     * nowhere else to go. */
    (*env)->ExceptionClear(env);
}

bool jrtm_check(JNIEnv *env, const char *where)
{
    jthrowable thrown = (*env)->ExceptionOccurred(env);
    if (thrown == NULL)
        return false;
    (*env)->ExceptionClear(env);
    char what[160];
    snprintf(what, sizeof(what), "exception thrown in %s (cleared; callbacks go on)", where);
    jrtm_report(env, what, thrown);
    (*env)->DeleteLocalRef(env, thrown);
    return true;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

#define JRTM_PKG "io/agora/rtm/"
#define JRTM_STR "Ljava/lang/String;"

static const JNINativeMethod jrtm_natives[] = {
    {"version", "()" JRTM_STR, (void *)jrtm_version},
    {"setServiceContext", "(II)I", (void *)jrtm_set_service_context},
    {"codeName", "(II)" JRTM_STR, (void *)jrtm_code_name},
    {"codeTable", "()[I", (void *)jrtm_code_table},
    {"strerror", "(I)" JRTM_STR, (void *)jrtm_strerror},
    {"mallocInUse", "()J", (void *)jrtm_malloc_in_use},
    {"liveRecords", "()[J", (void *)jrtm_live_records},
    {"clientCreate", "(" JRTM_STR JRTM_STR "L" JRTM_PKG "RtmClientImpl;[J)I",
     (void *)jrtm_client_create},
    {"clientDestroy", "(J)V", (void *)jrtm_client_destroy},
    {"clientSetParameters", "(J" JRTM_STR ")I", (void *)jrtm_client_set_parameters},
    {"login", "(J" JRTM_STR JRTM_STR "L" JRTM_PKG "Pending;)I", (void *)jrtm_login},
    {"logout", "(JL" JRTM_PKG "Pending;)I", (void *)jrtm_logout},
    {"renewToken", "(J" JRTM_STR "L" JRTM_PKG "Pending;)I", (void *)jrtm_renew_token},
    {"sendPeerMessage", "(J" JRTM_STR "I[B[BZL" JRTM_PKG "Pending;)I",
     (void *)jrtm_send_peer_message},
    {"networkChanged", "(J)V", (void *)jrtm_network_changed},
    {"setLogFile", "(J" JRTM_STR ")I", (void *)jrtm_set_log_file},
    {"setLogFilter", "(JI)I", (void *)jrtm_set_log_filter},
    {"setLogFileSize", "(JI)I", (void *)jrtm_set_log_file_size},
    {"queryPeers", "(J[[BL" JRTM_PKG "Pending;)I", (void *)jrtm_query_peers},
    {"subscribePeers", "(J[[BZL" JRTM_PKG "Pending;)I", (void *)jrtm_subscribe_peers},
    {"getSubscribed", "(JIL" JRTM_PKG "Pending;)I", (void *)jrtm_get_subscribed},
    {"getMemberCount", "(J[[BL" JRTM_PKG "Pending;)I", (void *)jrtm_get_member_count},
    {"setUserAttributes", "(JZ[[B[[BL" JRTM_PKG "Pending;)I",
     (void *)jrtm_set_user_attributes},
    {"deleteUserAttributes", "(J[[BL" JRTM_PKG "Pending;)I",
     (void *)jrtm_delete_user_attributes},
    {"clearUserAttributes", "(JL" JRTM_PKG "Pending;)I",
     (void *)jrtm_clear_user_attributes},
    {"getUserAttributes", "(J" JRTM_STR "Z[[BL" JRTM_PKG "Pending;)I",
     (void *)jrtm_get_user_attributes},
    {"changeChannelAttributes", "(J" JRTM_STR "I[[B[[BZL" JRTM_PKG "Pending;)I",
     (void *)jrtm_change_channel_attributes},
    {"getChannelAttributes", "(J" JRTM_STR "Z[[BL" JRTM_PKG "Pending;)I",
     (void *)jrtm_get_channel_attributes},
    {"uploadMedia", "(J[BIL" JRTM_PKG "Pending;[J)I", (void *)jrtm_upload_media},
    {"downloadMedia", "(J[B[BL" JRTM_PKG "Pending;[J)I", (void *)jrtm_download_media},
    {"cancelMedia", "(JJZL" JRTM_PKG "Pending;)I", (void *)jrtm_cancel_media},
    {"sendMediaMessage", "(J" JRTM_STR "I[BJ[B[B[I[BZL" JRTM_PKG "Pending;)I",
     (void *)jrtm_send_media_message},
    {"invitationCreate", "(J" JRTM_STR ")J", (void *)jrtm_invitation_create},
    {"invitationCall", "(JIJ[B[BL" JRTM_PKG "Pending;)I", (void *)jrtm_invitation_call},
    {"invitationState", "(JZ)I", (void *)jrtm_invitation_state},
    {"invitationRelease", "(JZ)V", (void *)jrtm_invitation_release},
    {"channelCreate", "(J" JRTM_STR "L" JRTM_PKG "RtmChannelImpl;)J",
     (void *)jrtm_channel_create},
    {"channelJoin", "(JL" JRTM_PKG "Pending;)I", (void *)jrtm_channel_join},
    {"channelLeave", "(JL" JRTM_PKG "Pending;)I", (void *)jrtm_channel_leave},
    {"channelSendMessage", "(JI[B[BL" JRTM_PKG "Pending;)I",
     (void *)jrtm_channel_send_message},
    {"channelGetMembers", "(JL" JRTM_PKG "Pending;)I",
     (void *)jrtm_channel_get_members},
    {"channelRelease", "(J)V", (void *)jrtm_channel_release},
};

/*
 * JNI_OnLoad's failures leave their exception pending (NoClassDefFoundError,
 * NoSuchMethodError, OutOfMemoryError) and return JNI_ERR: the JVM throws it
 * from System.loadLibrary, so the application sees what failed.
 */

/* Throws a new exception of class cls (a JNI name) with message msg. */
static void jrtm_throw(JNIEnv *env, const char *cls, const char *msg)
{
    jclass c = (*env)->FindClass(env, cls);
    if (c != NULL) /* else NoClassDefFoundError is pending */
        (*env)->ThrowNew(env, c, msg);
}

/* A class as a global ref, or NULL with an exception pending. */
static jclass jrtm_find_class(JNIEnv *env, const char *name)
{
    jclass local = (*env)->FindClass(env, name);
    if (local == NULL)
        return NULL;
    jclass global = (*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    if (global == NULL && !(*env)->ExceptionCheck(env))
        jrtm_throw(env, "java/lang/OutOfMemoryError", "rtm-jni: no global reference");
    return global;
}

static jmethodID jrtm_method(JNIEnv *env, jclass cls, const char *name,
                             const char *sig)
{
    return (*env)->GetMethodID(env, cls, name, sig); /* NULL: NoSuchMethodError */
}

static void jrtm_unload(JNIEnv *env)
{
    jclass *classes[] = {&jrtm.native_class, &jrtm.client_class,
                         &jrtm.channel_class, &jrtm.pending_class,
                         &jrtm.string_class, &jrtm.byte_array_class};
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (*classes[i] != NULL)
            (*env)->DeleteGlobalRef(env, *classes[i]);
        *classes[i] = NULL;
    }
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env = NULL;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6) != JNI_OK)
        return JNI_ERR;
    jrtm.vm = vm;
    if (pthread_key_create(&jrtm_thread_key, jrtm_thread_exit) != 0) {
        jrtm_throw(env, "java/lang/UnsatisfiedLinkError", "rtm-jni: pthread_key_create failed");
        return JNI_ERR;
    }

    if ((jrtm.native_class = jrtm_find_class(env, JRTM_PKG "RtmNative")) == NULL ||
        (jrtm.client_class = jrtm_find_class(env, JRTM_PKG "RtmClientImpl")) == NULL ||
        (jrtm.channel_class = jrtm_find_class(env, JRTM_PKG "RtmChannelImpl")) == NULL ||
        (jrtm.pending_class = jrtm_find_class(env, JRTM_PKG "Pending")) == NULL ||
        (jrtm.string_class = jrtm_find_class(env, "java/lang/String")) == NULL ||
        (jrtm.byte_array_class = jrtm_find_class(env, "[B")) == NULL)
        goto fail;

    const char *msg_sig = "(I[B[BJZ" JRTM_STR ")V";
    const char *media_sig = "(I[BJ[B[B[I[BJZ" JRTM_STR ")V";
    if ((jrtm.client_on_state = jrtm_method(env, jrtm.client_class,
                                            "nativeOnState", "(II)V")) == NULL ||
        (jrtm.client_on_message = jrtm_method(env, jrtm.client_class,
                                              "nativeOnMessage", msg_sig)) == NULL ||
        (jrtm.client_on_replay = jrtm_method(env, jrtm.client_class,
                                             "nativeOnReplay", "(IIII)V")) == NULL ||
        (jrtm.client_on_token_expired = jrtm_method(env, jrtm.client_class,
                                                    "nativeOnTokenExpired", "()V")) == NULL ||
        (jrtm.client_on_token_will_expire = jrtm_method(env, jrtm.client_class,
                                                        "nativeOnTokenWillExpire",
                                                        "(I)V")) == NULL ||
        (jrtm.channel_on_message = jrtm_method(env, jrtm.channel_class,
                                               "nativeOnMessage", msg_sig)) == NULL ||
        (jrtm.channel_on_joined = jrtm_method(env, jrtm.channel_class,
                                              "nativeOnMemberJoined",
                                              "(" JRTM_STR ")V")) == NULL ||
        (jrtm.channel_on_left = jrtm_method(env, jrtm.channel_class,
                                            "nativeOnMemberLeft",
                                            "(" JRTM_STR ")V")) == NULL ||
        (jrtm.channel_on_member_count = jrtm_method(env, jrtm.channel_class,
                                                    "nativeOnMemberCount", "(I)V")) == NULL ||
        (jrtm.pending_on_member_counts = jrtm_method(env, jrtm.pending_class,
                                                     "nativeOnMemberCounts",
                                                     "(I[" JRTM_STR "[I)V")) == NULL ||
        (jrtm.pending_on_result = jrtm_method(env, jrtm.pending_class,
                                              "nativeOnResult", "(I)V")) == NULL ||
        (jrtm.pending_on_members = jrtm_method(env, jrtm.pending_class,
                                               "nativeOnMembers",
                                               "(I[" JRTM_STR ")V")) == NULL ||
        (jrtm.pending_on_attributes = jrtm_method(env, jrtm.pending_class,
                                                  "nativeOnAttributes",
                                                  "(I[[B[[B)V")) == NULL ||
        (jrtm.pending_on_peer_states = jrtm_method(env, jrtm.pending_class,
                                                   "nativeOnPeerStates",
                                                   "(I[" JRTM_STR "[I)V")) == NULL ||
        (jrtm.client_on_peers_status = jrtm_method(env, jrtm.client_class,
                                                   "nativeOnPeersStatus",
                                                   "([" JRTM_STR "[I)V")) == NULL ||
        (jrtm.pending_on_channel_attributes =
             jrtm_method(env, jrtm.pending_class, "nativeOnChannelAttributes",
                         "(I[[B[[B[" JRTM_STR "[J)V")) == NULL ||
        (jrtm.channel_on_attributes =
             jrtm_method(env, jrtm.channel_class, "nativeOnAttributesUpdated",
                         "([[B[[B[" JRTM_STR "[J)V")) == NULL ||
        (jrtm.client_on_invitation = jrtm_method(env, jrtm.client_class, "nativeOnInvitation",
                                                 "(IJI[B[B[B)V")) == NULL ||
        (jrtm.client_on_media_message = jrtm_method(env, jrtm.client_class,
                                                    "nativeOnMediaMessage", media_sig)) == NULL ||
        (jrtm.channel_on_media_message = jrtm_method(env, jrtm.channel_class,
                                                     "nativeOnMediaMessage", media_sig)) == NULL ||
        (jrtm.client_on_media_progress = jrtm_method(env, jrtm.client_class,
                                                     "nativeOnMediaProgress", "(ZJJJ)V")) == NULL ||
        (jrtm.pending_on_uploaded = jrtm_method(env, jrtm.pending_class, "nativeOnUploaded",
                                                "(IJI[BJ[B[I)V")) == NULL ||
        (jrtm.pending_on_downloaded = jrtm_method(env, jrtm.pending_class, "nativeOnDownloaded",
                                                  "(IJ[B)V")) == NULL)
        goto fail;

    if ((jrtm.native_report = (*env)->GetStaticMethodID(
             env, jrtm.native_class, "report", "(" JRTM_STR "Ljava/lang/Throwable;)V")) == NULL)
        goto fail;
    /* On failure, NoSuchMethodError is pending. */
    if ((*env)->RegisterNatives(env, jrtm.native_class, jrtm_natives,
                                sizeof(jrtm_natives) / sizeof(jrtm_natives[0])) != 0)
        goto fail;
    return JNI_VERSION_1_6;

fail:
    jrtm_unload(env);
    pthread_key_delete(jrtm_thread_key);
    return JNI_ERR;
}
