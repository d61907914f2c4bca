/*
 * attributes_jni.c: the user and channel attribute natives of RtmClient over
 * rtm_set_local_user_attributes, rtm_set_channel_attributes and their
 * families, and their result callbacks into Java
 * (Pending.nativeOnAttributes, Pending.nativeOnChannelAttributes).
 *
 * Keys and values cross JNI as UTF-8 byte[] (Java encodes and decodes them),
 * so any string survives and the limits of SPEC A5 count UTF-8 bytes, as the
 * C API does. Two things that Java can express and C strings cannot are
 * handed to the C API as what it refuses with INVALID_ARGUMENT, never
 * cut or dropped:
 *   - a null list: NULL with a count of 1 (the C API refuses a missing array
 *     whose count is not 0);
 *   - a null key or value, or one with a NUL byte inside: a NULL key or
 *     value ("a bad key").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jrtm.h"


/* The strings of a Java byte[][] (NULL elements and elements with a NUL byte
 * inside become NULL). Returns false when out of memory (an exception may be
 * pending). */
bool jrtm_strings_from_java(JNIEnv *env, jobjectArray a, jrtm_strings *out)
{
    memset(out, 0, sizeof(*out));
    if (a == NULL) {
        out->null_list = true;
        return true;
    }
    jsize n = (*env)->GetArrayLength(env, a);
    out->s = calloc(n > 0 ? (size_t)n : 1, sizeof(char *));
    if (out->s == NULL)
        return false;
    out->n = (size_t)n;
    for (jsize i = 0; i < n; i++) {
        jbyteArray b = (*env)->GetObjectArrayElement(env, a, i);
        if ((*env)->ExceptionCheck(env))
            goto fail;
        if (b == NULL)
            continue;
        jsize len = (*env)->GetArrayLength(env, b);
        char *s = malloc((size_t)len + 1);
        if (s == NULL) {
            (*env)->DeleteLocalRef(env, b);
            goto fail;
        }
        (*env)->GetByteArrayRegion(env, b, 0, len, (jbyte *)s);
        (*env)->DeleteLocalRef(env, b);
        s[len] = '\0';
        if (memchr(s, '\0', (size_t)len) != NULL) { /* not a C string */
            free(s);
            continue;
        }
        out->s[i] = s;
    }
    return true;
fail:
    jrtm_strings_free(out);
    return false;
}

void jrtm_strings_free(jrtm_strings *v)
{
    for (size_t i = 0; v->s != NULL && i < v->n; i++)
        free(v->s[i]);
    free(v->s);
    memset(v, 0, sizeof(*v));
}

/* The (array, count) the C API gets for a list: see the top of this file. */
size_t jrtm_strings_count(const jrtm_strings *v)
{
    return v->null_list ? 1 : v->n;
}

/* ------------------------------------------------------------------ */
/* Result                                                              */

/* The i-th string of a list of attributes, for jrtm_byte_arrays. */
typedef const char *(*jrtm_string_at)(const void *list, size_t i);

static const char *jrtm_attr_key(const void *l, size_t i)
{
    return ((const rtm_attribute *)l)[i].key;
}

static const char *jrtm_attr_value(const void *l, size_t i)
{
    return ((const rtm_attribute *)l)[i].value;
}

static const char *jrtm_chattr_key(const void *l, size_t i)
{
    return ((const rtm_channel_attribute *)l)[i].key;
}

static const char *jrtm_chattr_value(const void *l, size_t i)
{
    return ((const rtm_channel_attribute *)l)[i].value;
}

/* A byte[][] of n strings (UTF-8 bytes), or NULL with the exception cleared. */
static jobjectArray jrtm_byte_arrays(JNIEnv *env, const void *list, size_t n,
                                     jrtm_string_at at)
{
    jobjectArray arr = (*env)->NewObjectArray(env, (jsize)n,
                                              jrtm.byte_array_class, NULL);
    if (arr == NULL) {
        jrtm_check(env, "NewObjectArray");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = at(list, i);
        jbyteArray b = jrtm_bytes(env, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
        if (b == NULL)
            return NULL;
        (*env)->SetObjectArrayElement(env, arr, (jsize)i, b);
        (*env)->DeleteLocalRef(env, b);
    }
    return arr;
}

static void jrtm_on_attributes(rtm_client *c, int code, const char *user_id,
                               const rtm_attribute *attrs, size_t count,
                               void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 8) == 0) {
        jobjectArray keys = NULL, values = NULL;
        if (code == 0) {
            keys = jrtm_byte_arrays(env, attrs, count, jrtm_attr_key);
            values = keys != NULL ? jrtm_byte_arrays(env, attrs, count, jrtm_attr_value)
                                  : NULL;
            if (values == NULL)
                code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE; /* out of memory */
        }
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_attributes,
                               code, code == 0 ? keys : NULL,
                               code == 0 ? values : NULL);
        jrtm_check(env, "ResultCallback (getUserAttributes)");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

bool jrtm_channel_attribute_arrays(JNIEnv *env, const rtm_channel_attribute *attrs,
                                   size_t n, jrtm_chattr_arrays *out)
{
    memset(out, 0, sizeof(*out));
    if ((out->keys = jrtm_byte_arrays(env, attrs, n, jrtm_chattr_key)) == NULL ||
        (out->values = jrtm_byte_arrays(env, attrs, n, jrtm_chattr_value)) == NULL)
        return false;
    out->users = (*env)->NewObjectArray(env, (jsize)n, jrtm.string_class, NULL);
    out->ts = (*env)->NewLongArray(env, (jsize)n);
    if (out->users == NULL || out->ts == NULL) {
        jrtm_check(env, "NewObjectArray");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *u = attrs[i].last_update_user_id;
        jstring js = (*env)->NewStringUTF(env, u != NULL ? u : "");
        if (js == NULL) {
            jrtm_check(env, "NewStringUTF");
            return false;
        }
        (*env)->SetObjectArrayElement(env, out->users, (jsize)i, js);
        (*env)->DeleteLocalRef(env, js);
        jlong t = (jlong)attrs[i].last_update_ts;
        (*env)->SetLongArrayRegion(env, out->ts, (jsize)i, 1, &t);
    }
    return true;
}

static void jrtm_on_channel_attributes(rtm_client *c, int code, const char *channel_id,
                                       const rtm_channel_attribute *attrs, size_t count,
                                       void *closure)
{
    jrtm_op *op = closure;
    JNIEnv *env = jrtm_env();
    if (env != NULL && (*env)->PushLocalFrame(env, 16) == 0) {
        jrtm_chattr_arrays a;
        memset(&a, 0, sizeof(a));
        if (code == 0 && !jrtm_channel_attribute_arrays(env, attrs, count, &a))
            code = RTM_ATTRIBUTE_OPERATION_ERR_FAILURE; /* out of memory */
        bool ok = code == 0;
        (*env)->CallVoidMethod(env, op->pending, jrtm.pending_on_channel_attributes, code,
                               ok ? a.keys : NULL, ok ? a.values : NULL,
                               ok ? a.users : NULL, ok ? a.ts : NULL);
        jrtm_check(env, "ResultCallback (getChannelAttributes)");
        (*env)->PopLocalFrame(env, NULL);
    } else if (env != NULL) {
        jrtm_check(env, "PushLocalFrame");
    }
    jrtm_op_done(env, op);
}

/* ------------------------------------------------------------------ */
/* Natives                                                             */

/* The rtm_attribute list of Java keys and values (see the top of this file)
 * in *attrs, count in *n. False when out of memory (nothing to free). */
static bool jrtm_attrs_from_java(JNIEnv *env, jobjectArray keys, jobjectArray values,
                                 jrtm_strings *k, jrtm_strings *v, rtm_attribute **attrs,
                                 size_t *n)
{
    *attrs = NULL;
    if (!jrtm_strings_from_java(env, keys, k)) {
        (*env)->ExceptionClear(env);
        return false;
    }
    if (!jrtm_strings_from_java(env, values, v)) {
        (*env)->ExceptionClear(env);
        jrtm_strings_free(k);
        return false;
    }
    *n = jrtm_strings_count(k);
    if (!k->null_list && k->n > 0) {
        *attrs = calloc(k->n, sizeof(**attrs));
        if (*attrs == NULL) {
            jrtm_strings_free(k);
            jrtm_strings_free(v);
            return false;
        }
        for (size_t i = 0; i < k->n; i++) {
            (*attrs)[i].key = k->s[i];
            (*attrs)[i].value = i < v->n ? v->s[i] : NULL;
        }
    }
    return true;
}

jint JNICALL jrtm_set_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                      jboolean replace, jobjectArray keys,
                                      jobjectArray values, jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jrtm_strings k, v;
    rtm_attribute *attrs;
    size_t n;
    jint rc = -RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (!jrtm_attrs_from_java(env, keys, values, &k, &v, &attrs, &n))
        return rc;
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
    } else if (replace) {
        rc = rtm_set_local_user_attributes(jc->c, attrs, n, jrtm_on_result, op);
    } else {
        rc = rtm_add_or_update_local_user_attributes(jc->c, attrs, n,
                                                     jrtm_on_result, op);
    }
    free(attrs);
    jrtm_strings_free(&k);
    jrtm_strings_free(&v);
    return rc;
}

jint JNICALL jrtm_delete_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                         jobjectArray keys, jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jrtm_strings k;
    jint rc = -RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    if (!jrtm_strings_from_java(env, keys, &k)) {
        (*env)->ExceptionClear(env);
        return rc;
    }
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL)
        (*env)->ExceptionClear(env);
    else
        rc = rtm_delete_local_user_attributes_by_keys(
            jc->c, (const char *const *)k.s, jrtm_strings_count(&k), jrtm_on_result, op);
    jrtm_strings_free(&k);
    return rc;
}

jint JNICALL jrtm_clear_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                        jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL) {
        (*env)->ExceptionClear(env);
        return -RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    }
    return rtm_clear_local_user_attributes(jc->c, jrtm_on_result, op);
}

/* Calls the C API's get of a user's or a channel's attributes. */
typedef int (*jrtm_get_fn)(rtm_client *c, const char *id, bool by_keys,
                           const jrtm_strings *k, jrtm_op *op);

static int jrtm_get_user(rtm_client *c, const char *id, bool by_keys,
                         const jrtm_strings *k, jrtm_op *op)
{
    if (!by_keys)
        return rtm_get_user_attributes(c, id, jrtm_on_attributes, op);
    return rtm_get_user_attributes_by_keys(c, id, (const char *const *)k->s,
                                           jrtm_strings_count(k), jrtm_on_attributes, op);
}

static int jrtm_get_channel(rtm_client *c, const char *id, bool by_keys,
                            const jrtm_strings *k, jrtm_op *op)
{
    if (!by_keys)
        return rtm_get_channel_attributes(c, id, jrtm_on_channel_attributes, op);
    return rtm_get_channel_attributes_by_keys(c, id, (const char *const *)k->s,
                                              jrtm_strings_count(k),
                                              jrtm_on_channel_attributes, op);
}

/* The natives' common part: the id (a user's or a channel's) and the keys
 * from Java, then get. */
static jint jrtm_get_attributes(JNIEnv *env, jlong h, jstring jid, jboolean by_keys,
                                jobjectArray keys, jobject pending, jrtm_get_fn get)
{
    jrtm_client *jc = jrtm_client_of(h);
    jint rc = -RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    const char *id = NULL;
    if (jid != NULL) {
        id = (*env)->GetStringUTFChars(env, jid, NULL);
        if (id == NULL) {
            (*env)->ExceptionClear(env);
            return rc;
        }
    }
    jrtm_strings k;
    memset(&k, 0, sizeof(k));
    if (by_keys && !jrtm_strings_from_java(env, keys, &k)) {
        (*env)->ExceptionClear(env);
        goto done;
    }
    jrtm_op *op = jrtm_op_new(env, pending);
    if (op == NULL)
        (*env)->ExceptionClear(env);
    else
        rc = get(jc->c, id, by_keys, &k, op);
    jrtm_strings_free(&k);
done:
    if (id != NULL)
        (*env)->ReleaseStringUTFChars(env, jid, id);
    return rc;
}

jint JNICALL jrtm_get_user_attributes(JNIEnv *env, jclass cls, jlong h,
                                      jstring user_id, jboolean by_keys,
                                      jobjectArray keys, jobject pending)
{
    return jrtm_get_attributes(env, h, user_id, by_keys, keys, pending, jrtm_get_user);
}

jint JNICALL jrtm_get_channel_attributes(JNIEnv *env, jclass cls, jlong h,
                                         jstring channel_id, jboolean by_keys,
                                         jobjectArray keys, jobject pending)
{
    return jrtm_get_attributes(env, h, channel_id, by_keys, keys, pending, jrtm_get_channel);
}

jint JNICALL jrtm_change_channel_attributes(JNIEnv *env, jclass cls, jlong h,
                                            jstring channel_id, jint what,
                                            jobjectArray keys, jobjectArray values,
                                            jboolean notify, jobject pending)
{
    jrtm_client *jc = jrtm_client_of(h);
    jint rc = -RTM_ATTRIBUTE_OPERATION_ERR_FAILURE;
    const char *ch = NULL;
    if (channel_id != NULL && (ch = (*env)->GetStringUTFChars(env, channel_id, NULL)) == NULL) {
        (*env)->ExceptionClear(env);
        return rc;
    }
    jrtm_strings k, v;
    rtm_attribute *attrs = NULL;
    size_t n = 0;
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    bool ok = true;
    if (what == JRTM_CHATTRS_SET || what == JRTM_CHATTRS_ADD_OR_UPDATE)
        ok = jrtm_attrs_from_java(env, keys, values, &k, &v, &attrs, &n);
    else if (what == JRTM_CHATTRS_DELETE && !jrtm_strings_from_java(env, keys, &k)) {
        (*env)->ExceptionClear(env);
        ok = false;
    }
    jrtm_op *op = ok ? jrtm_op_new(env, pending) : NULL;
    rtm_channel_attribute_options opts = { notify == JNI_TRUE };
    if (op == NULL) {
        (*env)->ExceptionClear(env);
    } else {
        switch (what) {
        case JRTM_CHATTRS_SET:
            rc = rtm_set_channel_attributes(jc->c, ch, attrs, n, &opts, jrtm_on_result, op);
            break;
        case JRTM_CHATTRS_ADD_OR_UPDATE:
            rc = rtm_add_or_update_channel_attributes(jc->c, ch, attrs, n, &opts,
                                                      jrtm_on_result, op);
            break;
        case JRTM_CHATTRS_DELETE:
            rc = rtm_delete_channel_attributes_by_keys(jc->c, ch, (const char *const *)k.s,
                                                       jrtm_strings_count(&k), &opts,
                                                       jrtm_on_result, op);
            break;
        default:
            rc = rtm_clear_channel_attributes(jc->c, ch, &opts, jrtm_on_result, op);
            break;
        }
    }
    free(attrs);
    jrtm_strings_free(&k);
    jrtm_strings_free(&v);
    if (ch != NULL)
        (*env)->ReleaseStringUTFChars(env, channel_id, ch);
    return rc;
}
