/* deadlines.c: the server's deadlines, computed from a given now. */
#include "deadlines.h"

static uint64_t after(uint64_t t, uint64_t d)
{
    return t > RTMD_NEVER - d ? RTMD_NEVER : t + d;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- a link --------------------------------------------------------------- */

rtmd_link_due rtmd_link_check(const rtmd_link_clock *k, rtmd_link_phase phase, uint64_t now,
                              uint64_t *next)
{
    if (phase == RTMD_LINK_CLOSING) {
        *next = after(k->closing_ms, k->linger_ms);
        return now >= *next ? RTMD_LINK_DUE_LINGER_OVER : RTMD_LINK_DUE_NOTHING;
    }
    uint64_t login = phase == RTMD_LINK_READY ? RTMD_NEVER
                                               : after(k->accepted_ms, k->login_deadline_ms);
    uint64_t idle = after(k->last_rx_ms, k->idle_timeout_ms);
    /* Before Hello the client has not said it speaks our protocol: no Ping. */
    uint64_t ping = phase == RTMD_LINK_HELLO ? RTMD_NEVER
                                              : after(k->last_tx_ms, k->heartbeat_ms);
    *next = earliest(login, earliest(idle, ping));
    if (now >= login)
        return RTMD_LINK_DUE_LOGIN_LATE;
    if (now >= idle)
        return RTMD_LINK_DUE_IDLE;
    if (now >= ping)
        return RTMD_LINK_DUE_PING;
    return RTMD_LINK_DUE_NOTHING;
}

/* ---- sessions without a link ---------------------------------------------- */

uint64_t rtmd_grace_deadline(uint64_t last_rx_ms, uint32_t grace_ms)
{
    return after(last_rx_ms, grace_ms);
}

void rtmd_grace_enter(rtmd_grace_list *l, rtmd_grace_node *n, uint64_t until)
{
    n->until = until;
    n->in = true;
    rtmd_grace_node *prev = l->tail;
    while (prev && prev->until > until)
        prev = prev->prev;
    n->prev = prev;
    n->next = prev ? prev->next : l->head;
    if (n->next)
        n->next->prev = n;
    else
        l->tail = n;
    if (prev)
        prev->next = n;
    else
        l->head = n;
    l->count++;
}

void rtmd_grace_leave(rtmd_grace_list *l, rtmd_grace_node *n)
{
    if (!n->in)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else
        l->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        l->tail = n->prev;
    n->prev = n->next = NULL;
    n->in = false;
    n->until = 0;
    l->count--;
}

uint64_t rtmd_grace_next(const rtmd_grace_list *l)
{
    return l->head ? l->head->until : RTMD_NEVER;
}

rtmd_grace_node *rtmd_grace_pop_due(rtmd_grace_list *l, uint64_t now)
{
    rtmd_grace_node *n = l->head;
    if (!n || n->until > now)
        return NULL;
    rtmd_grace_leave(l, n);
    return n;
}

/* ---- presence ------------------------------------------------------------- */

uint64_t rtmd_unreachable_at(uint64_t last_rx_ms, uint32_t unreachable_ms,
                             uint64_t grace_until)
{
    uint64_t at = after(last_rx_ms, unreachable_ms);
    return at >= grace_until ? RTMD_NEVER : at;
}

/* ---- tokens --------------------------------------------------------------- */

rtmd_token_due rtmd_token_check(uint64_t expires_s, uint32_t warn_s, bool warned,
                                uint64_t now_wall_ms, uint64_t *next_wall_ms)
{
    *next_wall_ms = RTMD_NEVER;
    if (expires_s == 0)
        return RTMD_TOKEN_DUE_NOTHING;
    uint64_t exp_ms = expires_s * 1000u;
    if (now_wall_ms >= exp_ms)
        return RTMD_TOKEN_DUE_EXPIRED;
    uint64_t warn_ms = expires_s > warn_s ? (expires_s - warn_s) * 1000u : 0;
    if (!warned && now_wall_ms >= warn_ms) {
        *next_wall_ms = exp_ms;
        return RTMD_TOKEN_DUE_WARN;
    }
    *next_wall_ms = warned ? exp_ms : warn_ms;
    return RTMD_TOKEN_DUE_NOTHING;
}

/* ---- channel history ------------------------------------------------------ */

uint64_t rtmd_history_horizon(uint64_t at, uint32_t window_ms)
{
    return at > window_ms ? at - window_ms : 0;
}
