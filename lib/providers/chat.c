/* plx_chat, plx_embed and plx_chat_stream: the reply of a streamed chat
 * goes through a body sink into the framing decoder, the kind's
 * stream_event handler and the accumulator (stream.c), on the calling
 * thread, as the bytes arrive. */
#include "stream_internal.h"
#include "../http/eventstream.h"
#include "../http/sse.h"

#include <stdio.h>
#include <string.h>

PLX_API plx_status plx_chat(plx_provider *p, const char *request_json, char **response_json)
{
    return plx_call(p, "chat", request_json, response_json);
}

PLX_API plx_status plx_embed(plx_provider *p, const char *request_json, char **response_json)
{
    return plx_call(p, "embed", request_json, response_json);
}

typedef struct stream_call {
    plx_provider *p;
    plx_exchange x;
    plx_policy policy;      /* a copy: retries stop once text was delivered */
    plx_stream s;
    plx_framing framing;
    plx_sse sse;            /* one of these two, by framing */
    plx_evs evs;
    uint32_t attempt;       /* the attempt the decoder's state belongs to */
} stream_call;

static plx_status on_frame(const char *event, const char *data, size_t len, void *user_data);

static plx_status decoder_feed(stream_call *c, const void *data, size_t len)
{
    if (c->framing == PLX_FRAMING_SSE)
        return plx_sse_feed(&c->sse, data, len, on_frame, c);
    return plx_evs_feed(&c->evs, data, len, on_frame, c);
}

/* The body ended; true if it ended inside an event. Resets the decoder. */
static bool decoder_finish(stream_call *c)
{
    return c->framing == PLX_FRAMING_SSE ? plx_sse_finish(&c->sse) : plx_evs_finish(&c->evs);
}

static plx_status on_frame(const char *event, const char *data, size_t len, void *user_data)
{
    stream_call *c = user_data;
    return c->p->kind->stream_event(c->p, &c->s, event, data, len);
}

/* A new attempt starts over, unless output was delivered (then there is
 * no new attempt). */
static void start_attempt(stream_call *c)
{
    plx_chat_delta_fn fn = c->s.on_delta;
    void *ud = c->s.user_data;
    plx_stream_cleanup(&c->s);
    plx_stream_init(&c->s, fn, ud);
    decoder_finish(c);
    c->attempt = c->x.attempts;
    if (c->p->kind->stream_begin)
        c->p->kind->stream_begin(c->p, &c->s, c->x.base_req);
}

static plx_status stream_sink(plx_response *resp, const void *data, size_t len,
                              void *user_data)
{
    stream_call *c = user_data;
    if (resp->status < 200 || resp->status >= 300)
        return plx_buf_append(&resp->body, data, len); /* an error reply, for parse */
    if (c->attempt != c->x.attempts)
        start_attempt(c);
    plx_status st = decoder_feed(c, data, len);
    if (st != PLX_OK && st != PLX_ECANCELED)
        plx_response_set_error_message(resp, plx_errmsg_current());
    else if (st == PLX_ECANCELED)
        plx_response_set_error_message(resp, "stopped by the delta callback");
    if (c->s.delivered)
        c->policy.retry.max_attempts = c->x.attempts;
    return st;
}

/* The final result from the accumulator: the stream's error event, a
 * stream cut short, or the text. */
static plx_status write_stream_result(plx_provider *p, plx_reply *r, void *user_data)
{
    stream_call *c = user_data;
    plx_stream *s = &c->s;
    if (r->failed && !s->delivered)
        return PLX_OK; /* the exchange's own error says it all */
    plx_stream_write_result(s, r->out);
    snprintf(r->usage.model, sizeof r->usage.model, "%s", s->model);
    r->usage.input_tokens = s->input_tokens;
    r->usage.output_tokens = s->output_tokens;
    bool cut = decoder_finish(c);
    if (r->failed)
        return PLX_OK;
    if (s->error != PLX_OK) {
        snprintf(r->service_code, sizeof r->service_code, "%s", s->error_code);
        snprintf(r->service_message, sizeof r->service_message, "%s", s->error_message);
        return plx_fail(p->ctx, s->error, "the service reported an error in the stream");
    }
    if (!s->ended)
        return plx_fail(p->ctx, PLX_EPROTOCOL, "the stream ended before its end event%s",
                        cut ? ", in the middle of an event" : "");
    return PLX_OK;
}

/* Kinds that cannot stream: a plain chat, its text delivered in one delta. */
static plx_status chat_in_one_delta(plx_provider *p, const char *request_json,
                                    plx_chat_delta_fn on_delta, void *user_data,
                                    char **response_json)
{
    plx_status st = plx_call(p, "chat", request_json, response_json);
    if (st != PLX_OK)
        return st;
    cJSON *result = cJSON_Parse(*response_json);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(result, "text");
    if (cJSON_IsString(text) && text->valuestring[0] &&
        on_delta(text->valuestring, strlen(text->valuestring), user_data) != 0)
        st = plx_fail(p->ctx, PLX_ECANCELED, "provider '%s', op 'chat': stopped by the "
                      "delta callback", p->name);
    cJSON_Delete(result);
    return st;
}

PLX_API plx_status plx_chat_stream(plx_provider *p, const char *request_json,
                                   plx_chat_delta_fn on_delta, void *user_data,
                                   char **response_json)
{
    if (response_json)
        *response_json = NULL;
    if (!p || !request_json || !on_delta || !response_json)
        return plx_fail(p ? p->ctx : NULL, PLX_EINVAL, "plx_chat_stream: provider, "
                        "request, on_delta and response must not be NULL");
    if (p->kind->stream_framing == PLX_FRAMING_NONE || !p->kind->stream_event)
        return chat_in_one_delta(p, request_json, on_delta, user_data, response_json);
    const plx_transport_funcs *t = plx_provider_transport(p);
    if (!t)
        return PLX_ENOMEM;
    stream_call c = {.p = p, .policy = p->policy, .framing = p->kind->stream_framing};
    plx_stream_init(&c.s, on_delta, user_data);
    plx_sse_init(&c.sse, 0);
    plx_evs_init(&c.evs, 0);
    plx_status st = plx_call_prepare(p, "chat_stream", request_json, &c.x);
    if (st == PLX_OK) {
        c.x.policy = &c.policy;
        c.x.base_req->sink = stream_sink;
        c.x.base_req->sink_data = &c;
        plx_exchange_run_blocking(&c.x, t);
        plx_reply_writer writer = {write_stream_result, &c};
        st = plx_call_finish_with(p, "chat", &c.x, &writer, response_json);
    }
    plx_stream_cleanup(&c.s);
    plx_sse_free(&c.sse);
    plx_evs_free(&c.evs);
    return st;
}
