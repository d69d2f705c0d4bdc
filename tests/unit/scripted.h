/* A scripted in-process transport for tests: each send answers with the next
 * scripted reply (the last one repeats) and records what was sent. */
#ifndef PLX_TEST_SCRIPTED_H
#define PLX_TEST_SCRIPTED_H

#include <plexus.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct scripted_reply {
    plx_status transport_status;   /* PLX_OK: a reply; else a failure */
    int status;
    const char *headers;           /* "Name: value\n..." or NULL */
    const char *body;              /* or NULL */
} scripted_reply;

typedef struct scripted {
    const scripted_reply *replies;
    int count;
    int sent;                      /* guarded by lock */
    pthread_mutex_t lock;
    char last_url[512];
    char last_method[16];
    char last_auth[256];
    char last_body[1024];
    char last_headers[2048];       /* "name: value\n"... */
} scripted;

static plx_status scripted_send(const plx_request *req, plx_response *resp, void *ud)
{
    scripted *s = ud;
    pthread_mutex_lock(&s->lock);
    int i = s->sent < s->count ? s->sent : s->count - 1;
    s->sent++;
    snprintf(s->last_url, sizeof s->last_url, "%s", plx_request_url(req));
    snprintf(s->last_method, sizeof s->last_method, "%s", plx_request_method(req));
    const char *auth = plx_request_header(req, "authorization");
    snprintf(s->last_auth, sizeof s->last_auth, "%s", auth ? auth : "");
    size_t len = 0;
    const char *body = plx_request_body(req, &len);
    snprintf(s->last_body, sizeof s->last_body, "%.*s", (int)len, body ? body : "");
    size_t used = 0;
    s->last_headers[0] = '\0';
    for (size_t h = 0; h < plx_request_header_count(req); h++) {
        const char *n, *v;
        plx_request_header_at(req, h, &n, &v);
        used += (size_t)snprintf(s->last_headers + used, sizeof s->last_headers - used,
                                 "%s: %s\n", n, v);
        if (used >= sizeof s->last_headers)
            break;
    }
    pthread_mutex_unlock(&s->lock);
    const scripted_reply *r = &s->replies[i];
    if (r->transport_status != PLX_OK) {
        plx_response_set_error_message(resp, "scripted transport failure");
        return r->transport_status;
    }
    plx_response_set_status(resp, r->status);
    if (r->headers) {
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", r->headers);
        for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            *colon = '\0';
            plx_response_add_header(resp, line, colon + 1 + (colon[1] == ' '));
        }
    }
    if (r->body)
        return plx_response_append_body(resp, r->body, strlen(r->body));
    return PLX_OK;
}

/* An immutable funcs object over s (which must outlive it). */
static plx_transport_funcs *scripted_funcs(scripted *s, const scripted_reply *replies,
                                           int count)
{
    memset(s, 0, sizeof *s);
    s->replies = replies;
    s->count = count;
    pthread_mutex_init(&s->lock, NULL);
    plx_transport_funcs *t = NULL;
    plx_transport_funcs_new(&t);
    plx_transport_funcs_set_send(t, scripted_send, s, NULL);
    plx_transport_funcs_make_immutable(t);
    return t;
}

#endif
