/*
 * jrtm.h: what the files of the JNI shim (libagora-rtm-sdk-jni.so) share.
 *
 * The shim only converts between Java and the C client core (rtm.h). Each
 * Java RtmClientImpl / RtmChannelImpl holds a long handle, a pointer to a
 * jrtm_client / jrtm_channel below, whose global reference to the Java object
 * is the closure of the C callbacks. A client's callbacks run one at a time,
 * on the threads of the core's callback pool (rtm.h), each attached to the
 * JVM once, as a daemon, and detached when it exits.
 */
#ifndef JRTM_H
#define JRTM_H

#include <jni.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "rtm/rtm.h"

/* Classes (global refs) and method ids, cached by JNI_OnLoad. */
typedef struct jrtm_cache {
    JavaVM *vm;
    jclass native_class;   /* io.agora.rtm.RtmNative */
    jmethodID native_report; /* static RtmNative.report(String, Throwable) */
    jclass client_class;   /* io.agora.rtm.RtmClientImpl */
    jclass channel_class;  /* io.agora.rtm.RtmChannelImpl */
    jclass pending_class;  /* io.agora.rtm.Pending */
    jclass string_class;   /* java.lang.String */
    jclass byte_array_class; /* byte[] */
    jmethodID client_on_state;
    jmethodID client_on_message;
    jmethodID client_on_replay;
    jmethodID client_on_token_expired;
    jmethodID client_on_token_will_expire;
    jmethodID client_on_peers_status;
    jmethodID channel_on_message;
    jmethodID channel_on_joined;
    jmethodID channel_on_left;
    jmethodID channel_on_member_count;
    jmethodID pending_on_result;
    jmethodID pending_on_members;
    jmethodID pending_on_attributes;
    jmethodID pending_on_peer_states;
    jmethodID pending_on_member_counts;
    jmethodID pending_on_channel_attributes;
    jmethodID channel_on_attributes;
    jmethodID client_on_invitation; /* RtmClientImpl.nativeOnInvitation */
    jmethodID client_on_media_message;  /* RtmClientImpl.nativeOnMediaMessage */
    jmethodID client_on_media_progress; /* RtmClientImpl.nativeOnMediaProgress */
    jmethodID channel_on_media_message; /* RtmChannelImpl.nativeOnMediaMessage */
    jmethodID pending_on_uploaded;      /* Pending.nativeOnUploaded */
    jmethodID pending_on_downloaded;    /* Pending.nativeOnDownloaded */
} jrtm_cache;

extern jrtm_cache jrtm;

typedef struct jrtm_channel jrtm_channel;

/*
 * A client and a channel: the C handle and the Java object its callbacks go
 * to. The core's lifetime rule (rtm.h, "Lifetime") is the shim's: a record
 * lives from its creation to its handle's close callback (the client's
 * rtm_client_close callback, the channel's on_closed), the last callback
 * the handle gets, where the global reference is deleted and the record
 * freed; nothing else ends it. The Java handle closes first (Guard.java),
 * so no native call reaches a closed record.
 */
typedef struct jrtm_client {
    rtm_client *c;
    jobject self;             /* global ref: the RtmClientImpl */
} jrtm_client;

struct jrtm_channel {
    jrtm_client *jc;
    rtm_channel *ch;
    jobject self;             /* global ref: the RtmChannelImpl */
};

/* One operation in flight: the closure of its result callback, which the
 * core calls exactly once. */
typedef struct jrtm_op {
    jobject pending;          /* global ref: the io.agora.rtm.Pending */
} jrtm_op;

/* Records alive, for the leak tests (RtmNative.liveRecords): clients,
 * channels, operations in flight. Each holds one global reference. */
extern atomic_long jrtm_live_clients;
extern atomic_long jrtm_live_channels;
extern atomic_long jrtm_live_ops;

/* The record of a Java handle (a jlong). */
static inline jrtm_client *jrtm_client_of(jlong h)
{
    return (jrtm_client *)(intptr_t)h;
}

/* --- jnilib.c --- */

/* The JNIEnv of this thread, attaching it as a daemon the first time (the
 * attachment is undone when the thread exits). NULL if that failed. */
JNIEnv *jrtm_env(void);

/* After every call into Java: an exception pending is cleared and reported
 * (jrtm_report) with where it came from. Returns true when there was one. */
bool jrtm_check(JNIEnv *env, const char *where);

/* Reports what no callback can carry to RtmNative.report, the logger
 * "io.agora.rtm": the library never prints. thrown may be NULL. */
void jrtm_report(JNIEnv *env, const char *what, jthrowable thrown);

/* --- client_jni.c --- */

/* A result closure for pending, or NULL (out of memory; an exception may be
 * pending). */
jrtm_op *jrtm_op_new(JNIEnv *env, jobject pending);

/* Drops op (its global reference) after its result was delivered. */
void jrtm_op_done(JNIEnv *env, jrtm_op *op);

/* The C result callbacks: call Pending.nativeOnResult / nativeOnMembers once,
 * then drop the op. */
void jrtm_on_result(rtm_client *c, int code, void *closure);
void jrtm_on_members(rtm_channel *ch, int code, const char *const *users,
                     size_t count, void *closure);

/* Builds a message from Java's (type, body, description). Text and
 * description are UTF-8; one with a NUL byte inside cannot be sent as a C
 * string and makes the message invalid (the core refuses it with
 * INVALID_MESSAGE). Returns false when out of memory. jrtm_message_free
 * frees what it allocated. */
bool jrtm_message_from_java(JNIEnv *env, jint type, jbyteArray body,
                            jbyteArray description, rtm_message *out);
void jrtm_message_free(rtm_message *m);

/* A copy of a Java byte[] with a NUL after it; *len gets its length and
 * *has_nul (when not NULL) whether a NUL byte is inside. NULL for a null
 * array (nothing pending) or when out of memory (an exception may be
 * pending). */
char *jrtm_copy_bytes(JNIEnv *env, jbyteArray a, size_t *len, bool *has_nul);

/* A received message's arguments for Java: body and description as byte[]
 * (NULL on failure, with the exception cleared). */
jbyteArray jrtm_bytes(JNIEnv *env, const void *data, size_t len);

/* The natives of RtmNative, for the registration table. */
jstring JNICALL jrtm_version(JNIEnv *env, jclass cls);
jint JNICALL jrtm_set_service_context(JNIEnv *env, jclass cls, jint area_code,
                                      jint proxy_type);
jstring JNICALL jrtm_code_name(JNIEnv *env, jclass cls, jint family, jint code);
jintArray JNICALL jrtm_code_table(JNIEnv *env, jclass cls);
jstring JNICALL jrtm_strerror(JNIEnv *env, jclass cls, jint status);
jlong JNICALL jrtm_malloc_in_use(JNIEnv *env, jclass cls);
jlongArray JNICALL jrtm_live_records(JNIEnv *env, jclass cls);
jint JNICALL jrtm_client_create(JNIEnv *env, jclass cls, jstring app_id,
                                jstring params, jobject self, jlongArray out);
void JNICALL jrtm_client_destroy(JNIEnv *env, jclass cls, jlong h);
jint JNICALL jrtm_client_set_parameters(JNIEnv *env, jclass cls, jlong h,
                                        jstring json);
jint JNICALL jrtm_login(JNIEnv *env, jclass cls, jlong h, jstring token,
                        jstring user_id, jobject pending);
jint JNICALL jrtm_logout(JNIEnv *env, jclass cls, jlong h, jobject pending);
jint JNICALL jrtm_renew_token(JNIEnv *env, jclass cls, jlong h, jstring token,
                              jobject pending);
jint JNICALL jrtm_send_peer_message(JNIEnv *env, jclass cls, jlong h,
                                    jstring peer_id, jint type, jbyteArray body,
                                    jbyteArray description, jboolean offline,
                                    jobject pending);
void JNICALL jrtm_network_changed(JNIEnv *env, jclass cls, jlong h);
jint JNICALL jrtm_set_log_file(JNIEnv *env, jclass cls, jlong h, jstring path);
jint JNICALL jrtm_set_log_filter(JNIEnv *env, jclass cls, jlong h, jint filter);
jint JNICALL jrtm_set_log_file_size(JNIEnv *env, jclass cls, jlong h, jint kb);

/* --- attributes_jni.c --- */
/* The strings of a Java byte[][] of UTF-8 (the keys of attributes, user
 * ids): a NULL array is null_list; NULL elements and elements with a NUL
 * byte inside become NULL. jrtm_strings_from_java returns false when out of
 * memory (an exception may be pending). jrtm_strings_count is the count the
 * C API gets: 1 for a null list (with a NULL array, which it refuses). */
typedef struct jrtm_strings {
    char **s;
    size_t n;
    bool null_list;
} jrtm_strings;
bool jrtm_strings_from_java(JNIEnv *env, jobjectArray a, jrtm_strings *out);
void jrtm_strings_free(jrtm_strings *v);
size_t jrtm_strings_count(const jrtm_strings *v);

jint JNICALL jrtm_set_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                      jboolean replace, jobjectArray keys,
                                      jobjectArray values, jobject pending);
jint JNICALL jrtm_delete_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                         jobjectArray keys, jobject pending);
jint JNICALL jrtm_clear_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                        jobject pending);
jint JNICALL jrtm_get_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                      jstring user_id, jboolean by_keys,
                                      jobjectArray keys, jobject pending);

/* Channel attributes as the Java arrays of Pending.nativeOnChannelAttributes
 * and RtmChannelImpl.nativeOnAttributesUpdated (local refs). False when out
 * of memory (the exception cleared). */
typedef struct jrtm_chattr_arrays {
    jobjectArray keys;    /* byte[][] UTF-8 */
    jobjectArray values;  /* byte[][] UTF-8 */
    jobjectArray users;   /* String[] */
    jlongArray ts;
} jrtm_chattr_arrays;
bool jrtm_channel_attribute_arrays(JNIEnv *env, const rtm_channel_attribute *attrs,
                                   size_t n, jrtm_chattr_arrays *out);

/* RtmNative.changeChannelAttributes's `what` (RtmClientImpl.CHATTRS_*). */
enum {
    JRTM_CHATTRS_SET = 0,
    JRTM_CHATTRS_ADD_OR_UPDATE = 1,
    JRTM_CHATTRS_DELETE = 2,
    JRTM_CHATTRS_CLEAR = 3
};
jint JNICALL jrtm_change_channel_attributes(JNIEnv *env, jclass cls, jlong h,
                                            jstring channel_id, jint what,
                                            jobjectArray keys, jobjectArray values,
                                            jboolean notify, jobject pending);
jint JNICALL jrtm_get_channel_attributes(JNIEnv *env, jclass cls, jlong h,
                                         jstring channel_id, jboolean by_keys,
                                         jobjectArray keys, jobject pending);

/* --- presence_jni.c (SPEC A8) --- */
void jrtm_on_peers_status(rtm_client *c, const rtm_peer_status *peers, size_t count,
                          void *closure);
jint JNICALL jrtm_query_peers(JNIEnv *env, jclass cls, jlong h, jobjectArray users,
                              jobject pending);
jint JNICALL jrtm_subscribe_peers(JNIEnv *env, jclass cls, jlong h, jobjectArray users,
                                  jboolean unsubscribe, jobject pending);
jint JNICALL jrtm_get_subscribed(JNIEnv *env, jclass cls, jlong h, jint option,
                                 jobject pending);
jint JNICALL jrtm_get_member_count(JNIEnv *env, jclass cls, jlong h, jobjectArray channels,
                                   jobject pending);

/* --- invitations_jni.c (SPEC C1-C7) --- */
/* Sets the ten invitation callbacks of cbs. */
void jrtm_invitation_callbacks(rtm_client_callbacks *cbs);
jlong JNICALL jrtm_invitation_create(JNIEnv *env, jclass cls, jlong h, jstring callee_id);
jint JNICALL jrtm_invitation_call(JNIEnv *env, jclass cls, jlong h, jint step, jlong inv,
                                  jbyteArray a, jbyteArray b, jobject pending);
jint JNICALL jrtm_invitation_state(JNIEnv *env, jclass cls, jlong inv, jboolean local);
void JNICALL jrtm_invitation_release(JNIEnv *env, jclass cls, jlong inv, jboolean local);

/* --- media_jni.c (SPEC M1-M5) --- */
void jrtm_on_media_message(rtm_client *c, const rtm_media_message *m, const char *peer_id,
                           void *closure);
void jrtm_on_channel_media_message(rtm_channel *ch, const rtm_media_message *m,
                                   const char *from, void *closure);
void jrtm_on_upload_progress(rtm_client *c, uint64_t rid, uint64_t cur, uint64_t total,
                             void *closure);
void jrtm_on_download_progress(rtm_client *c, uint64_t rid, uint64_t cur, uint64_t total,
                               void *closure);
jint JNICALL jrtm_upload_media(JNIEnv *env, jclass cls, jlong h, jbyteArray path, jint type,
                               jobject pending, jlongArray out);
jint JNICALL jrtm_download_media(JNIEnv *env, jclass cls, jlong h, jbyteArray media_id,
                                 jbyteArray path, jobject pending, jlongArray out);
jint JNICALL jrtm_cancel_media(JNIEnv *env, jclass cls, jlong h, jlong rid, jboolean upload,
                               jobject pending);
jint JNICALL jrtm_send_media_message(JNIEnv *env, jclass cls, jlong h, jstring peer_id,
                                     jint type, jbyteArray media_id, jlong size,
                                     jbyteArray file_name, jbyteArray thumbnail,
                                     jintArray dims, jbyteArray text, jboolean offline,
                                     jobject pending);

/* --- channel_jni.c --- */
jlong JNICALL jrtm_channel_create(JNIEnv *env, jclass cls, jlong h,
                                  jstring channel_id, jobject self);
jint JNICALL jrtm_channel_join(JNIEnv *env, jclass cls, jlong h, jobject pending);
jint JNICALL jrtm_channel_leave(JNIEnv *env, jclass cls, jlong h, jobject pending);
jint JNICALL jrtm_channel_send_message(JNIEnv *env, jclass cls, jlong h,
                                       jint type, jbyteArray body,
                                       jbyteArray description, jobject pending);
jint JNICALL jrtm_channel_get_members(JNIEnv *env, jclass cls, jlong h,
                                      jobject pending);
void JNICALL jrtm_channel_release(JNIEnv *env, jclass cls, jlong h);

#endif
