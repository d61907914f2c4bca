/*
 * media_jni.c: file and image messages (rtm.h, "File and image messages")
 * for RtmClientImpl and RtmChannelImpl: uploads, downloads, cancels, media
 * messages sent and received, progress.
 *
 * Strings cross as UTF-8 byte[] (a path is bytes to the kernel; a media id
 * or a file name with a NUL byte inside cannot be a C string, and is
 * refused as the core refuses an invalid one). A received media message
 * reaches Java as its fields (nativeOnMediaMessage), which RtmClientImpl and
 * RtmChannelImpl make into an RtmFileMessage or an RtmImageMessage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jrtm.h"

/* The four sizes of a media message, as the int[4] Java gets. */
static jintArray jrtm_dims(JNIEnv *env, int w, int h, int tw, int th)
{
    jint d[4] = { w, h, tw, th };
    jintArray a = (*env)->NewIntArray(env, 4);
    if (a != NULL)
        (*env)->SetIntArrayRegion(env, a, 0, 4, d);
    return a;
}

/* A UTF-8 byte[] to a C string: NULL for null; NULL with *bad set when it
 * holds a NUL (no C string can carry it), or with *oom set when memory ran
 * out. */
static char *jrtm_c_string(JNIEnv *env, jbyteArray a, bool *bad, bool *oom)
{
    bool nul = false;
    size_t len = 0;
    char *s = jrtm_copy_bytes(env, a, &len, &nul);
    if (a != NULL && s == NULL)
        *oom = true;
    if (s != NULL && nul) {
        free(s);
        *bad = true;
        return NULL;
    }
    return s;
}

/* Calls method(type, mediaId, size, fileName, thumbnail, dims, text, ts,
 * offline, from) on obj. */
static void jrtm_deliver_media(JNIEnv *env, jobject obj, jmethodID method,
                               const rtm_media_message *m, const char *from, const char *where)
{
    if ((*env)->PushLocalFrame(env, 16) != 0) {
        jrtm_check(env, "PushLocalFrame");
        return;
    }
    jbyteArray id = jrtm_bytes(env, m->media_id, strlen(m->media_id));
    jbyteArray name = jrtm_bytes(env, m->file_name, strlen(m->file_name));
    jbyteArray thumb = jrtm_bytes(env, m->thumbnail, m->thumbnail_len);
    jbyteArray text = jrtm_bytes(env, m->text ? m->text : "", m->text ? strlen(m->text) : 0);
    jintArray dims = jrtm_dims(env, m->width, m->height, m->thumbnail_width, m->thumbnail_height);
    jstring jfrom = (*env)->NewStringUTF(env, from);
    if (id == NULL || name == NULL || thumb == NULL || text == NULL || dims == NULL ||
        jfrom == NULL) {
        jrtm_check(env, where);
        char what[160];
        snprintf(what, sizeof(what), "out of memory: a media message from %s is lost", from);
        jrtm_report(env, what, NULL);
    } else {
        (*env)->CallVoidMethod(env, obj, method, (jint)m->type, id, (jlong)m->file_size, name,
                               thumb, dims, text, (jlong)m->server_received_ts,
                               (jboolean)m->offline, jfrom);
        jrtm_check(env, where);
    }
    (*env)->PopLocalFrame(env, NULL);
}

void jrtm_on_media_message(rtm_client *c, const rtm_media_message *m, const char *peer_id,
                           void *closure)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL)
        jrtm_deliver_media(env, jc->self, jrtm.client_on_media_message, m, peer_id,
                           "RtmClientListener.on{File,Image}MessageReceivedFromPeer");
}

void jrtm_on_channel_media_message(rtm_channel *ch, const rtm_media_message *m,
                                   const char *from, void *closure)
{
    jrtm_channel *jch = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL)
        jrtm_deliver_media(env, jch->self, jrtm.channel_on_media_message, m, from,
                           "RtmChannelListener.on{File,Image}MessageReceived");
}

static void jrtm_progress(void *closure, bool upload, uint64_t rid, uint64_t cur, uint64_t total)
{
    jrtm_client *jc = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL)
        return;
    (*env)->CallVoidMethod(env, jc->self, jrtm.client_on_media_progress, (jboolean)upload,
                           (jlong)rid, (jlong)cur, (jlong)total);
    jrtm_check(env, upload ? "RtmClientListener.onMediaUploadingProgress"
                           : "RtmClientListener.onMediaDownloadingProgress");
}

void jrtm_on_upload_progress(rtm_client *c, uint64_t rid, uint64_t cur, uint64_t total,
                             void *closure)
{
    jrtm_progress(closure, true, rid, cur, total);
}

void jrtm_on_download_progress(rtm_client *c, uint64_t rid, uint64_t cur, uint64_t total,
                               void *closure)
{
    jrtm_progress(closure, false, rid, cur, total);
}

/* ---- results ---------------------------------------------------------------- */

static void jrtm_on_uploaded(rtm_client *c, int code, const rtm_media_message *m,
                             uint64_t rid, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL) {
        jrtm_op_done(env, op);
        return;
    }
    if ((*env)->PushLocalFrame(env, 8) != 0) {
        /* No room for the message: the result comes all the same, once, as
         * FAILURE (which reads none of the arrays). */
        (*env)->ExceptionClear(env);
        jrtm_report(env, "out of memory: an upload's result is reported as FAILURE", NULL);
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_uploaded,
                               (jint)RTM_UPLOAD_MEDIA_ERR_FAILURE, (jlong)rid, (jint)0, NULL,
                               (jlong)0, NULL, NULL);
        jrtm_check(env, "ResultCallback (upload)");
    } else {
        jbyteArray id = NULL, name = NULL;
        jintArray dims = jrtm_dims(env, m ? m->width : 0, m ? m->height : 0, 0, 0);
        if (m != NULL) {
            id = jrtm_bytes(env, m->media_id, strlen(m->media_id));
            name = jrtm_bytes(env, m->file_name, strlen(m->file_name));
        }
        if (dims == NULL || (m != NULL && (id == NULL || name == NULL))) {
            /* The result must still come, exactly once: as FAILURE. */
            (*env)->ExceptionClear(env);
            jrtm_report(env, "out of memory: an upload's result is reported as FAILURE", NULL);
            code = RTM_UPLOAD_MEDIA_ERR_FAILURE;
            m = NULL;
            dims = jrtm_dims(env, 0, 0, 0, 0);
        }
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_uploaded, (jint)code,
                               (jlong)rid, (jint)(m ? m->type : 0), id, (jlong)(m ? m->file_size : 0),
                               name, dims);
        jrtm_check(env, "ResultCallback (upload)");
        (*env)->PopLocalFrame(env, NULL);
    }
    jrtm_op_done(env, op);
}

static void jrtm_on_downloaded(rtm_client *c, int code, const void *data, size_t len,
                               uint64_t rid, void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env == NULL) {
        jrtm_op_done(env, op);
        return;
    }
    jbyteArray bytes = NULL;
    if (code == 0 && data != NULL && (bytes = jrtm_bytes(env, data, len)) == NULL) {
        jrtm_report(env, "out of memory: a download's result is reported as FAILURE", NULL);
        code = RTM_DOWNLOAD_MEDIA_ERR_FAILURE;
    }
    (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_downloaded, (jint)code, (jlong)rid,
                           bytes);
    jrtm_check(env, "ResultCallback (download)");
    if (bytes != NULL)
        (*env)->DeleteLocalRef(env, bytes);
    jrtm_op_done(env, op);
}

/* ---- the natives ---------------------------------------------------------------- */

static void jrtm_set_rid(JNIEnv *env, jlongArray out, uint64_t rid)
{
    jlong v = (jlong)rid;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &v);
    (*env)->ExceptionClear(env); /* out too short: a bug of ours, the id is in the result */
}

jint JNICALL jrtm_upload_media(JNIEnv *env, jclass cls, jlong h, jbyteArray path, jint type,
                               jobject pending, jlongArray out)
{
    jrtm_client *jc = jrtm_client_of(h);
    bool bad = false, oom = false;
    char *p = jrtm_c_string(env, path, &bad, &oom);
    jrtm_op *op = oom ? NULL : jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        free(p);
        return -RTM_UPLOAD_MEDIA_ERR_FAILURE;
    }
    uint64_t rid = 0;
    /* A path that is no C string is no file: INVALID_ARGUMENT, as NULL is. */
    jint rc = rtm_upload_media(jc->c, bad ? NULL : p, type, jrtm_on_uploaded, op, &rid);
    jrtm_set_rid(env, out, rid);
    free(p);
    return rc;
}

jint JNICALL jrtm_download_media(JNIEnv *env, jclass cls, jlong h, jbyteArray media_id,
                                 jbyteArray path, jobject pending, jlongArray out)
{
    jrtm_client *jc = jrtm_client_of(h);
    bool bad = false, oom = false;
    char *id = jrtm_c_string(env, media_id, &bad, &oom);
    char *p = jrtm_c_string(env, path, &bad, &oom);
    jrtm_op *op = oom ? NULL : jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        free(id);
        free(p);
        return -RTM_DOWNLOAD_MEDIA_ERR_FAILURE;
    }
    uint64_t rid = 0;
    jint rc = path != NULL
                  ? rtm_download_media_to_file(jc->c, bad ? NULL : id, bad ? NULL : p,
                                               jrtm_on_downloaded, op, &rid)
                  : rtm_download_media_to_memory(jc->c, bad ? NULL : id, jrtm_on_downloaded, op,
                                                 &rid);
    jrtm_set_rid(env, out, rid);
    free(id);
    free(p);
    return rc;
}

jint JNICALL jrtm_cancel_media(JNIEnv *env, jclass cls, jlong h, jlong rid, jboolean upload,
                               jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_CANCEL_MEDIA_ERR_FAILURE;
    }
    return upload ? rtm_cancel_media_upload(jc->c, (uint64_t)rid, jrtm_on_result, op)
                  : rtm_cancel_media_download(jc->c, (uint64_t)rid, jrtm_on_result, op);
}

jint JNICALL jrtm_send_media_message(JNIEnv *env, jclass cls, jlong h, jstring peer_id,
                                     jint type, jbyteArray media_id, jlong size,
                                     jbyteArray file_name, jbyteArray thumbnail,
                                     jintArray dims, jbyteArray text, jboolean offline,
                                     jobject pending)
{
    bool channel = peer_id == NULL;
    jint failure = channel ? -RTM_CHANNEL_MESSAGE_ERR_FAILURE : -RTM_PEER_MESSAGE_ERR_FAILURE;
    bool bad = false, oom = false;
    size_t thumb_len = 0;
    char *id = jrtm_c_string(env, media_id, &bad, &oom);
    char *name = jrtm_c_string(env, file_name, &bad, &oom);
    char *t = jrtm_c_string(env, text, &bad, &oom);
    char *thumb = jrtm_copy_bytes(env, thumbnail, &thumb_len, NULL);
    if (thumbnail != NULL && thumb == NULL)
        oom = true;
    jint d[4] = { 0, 0, 0, 0 };
    if (dims != NULL && (*env)->GetArrayLength(env, dims) == 4)
        (*env)->GetIntArrayRegion(env, dims, 0, 4, d);
    const char *peer = peer_id ? (*env)->GetStringUTFChars(env, peer_id, NULL) : NULL;
    jrtm_op *op = !oom && (peer_id == NULL || peer != NULL) ? jrtm_op_new(env, pending) : NULL;
    jint rc = failure;
    if (op != NULL) {
        rtm_media_message m;
        rtm_media_message_init(&m, type);
        /* A string that is no C string makes the message invalid: the core
         * refuses a NULL media id with INVALID_MESSAGE. */
        m.media_id = bad ? NULL : id;
        m.file_size = (uint64_t)size;
        m.file_name = name;
        m.thumbnail = thumb;
        m.thumbnail_len = thumb ? thumb_len : 0;
        m.width = d[0];
        m.height = d[1];
        m.thumbnail_width = d[2];
        m.thumbnail_height = d[3];
        m.text = t;
        rtm_send_options opts = { .enable_offline_messaging = offline == JNI_TRUE };
        rc = channel ? rtm_channel_send_media_message(((jrtm_channel *)(intptr_t)h)->ch, &m,
                                                      jrtm_on_result, op)
                     : rtm_send_peer_media_message(jrtm_client_of(h)->c, peer, &m, &opts,
                                                   jrtm_on_result, op);
    } else {
        (*env)->ExceptionClear(env);
    }
    if (peer != NULL)
        (*env)->ReleaseStringUTFChars(env, peer_id, peer);
    free(id);
    free(name);
    free(t);
    free(thumb);
    return rc;
}
