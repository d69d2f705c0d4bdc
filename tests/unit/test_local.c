/* Provider kind "local" through the public API: each op on clear cases,
 * negation and emphasis, languages, summaries, classification, hashing
 * embeddings, the fallback chat, errors that name the field, async. */
#include "../tap.h"
#include "scripted.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

static plx_ctx *ctx_new(void)
{
    plx_ctx *ctx = NULL;
    if (plx_ctx_new(&ctx, "{}") != PLX_OK)
        fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(NULL));
    return ctx;
}

static plx_provider *local_new(plx_ctx *ctx, const char *config)
{
    plx_provider *p = NULL;
    plx_status st = plx_provider_new(ctx, "local", config, &p);
    if (st != PLX_OK)
        fprintf(stderr, "plx_provider_new: %s\n", plx_errmsg(ctx));
    return p;
}

/* Calls op and returns the parsed result (NULL on failure, reported). */
static cJSON *call(plx_provider *p, const char *op, const char *request)
{
    char *out = NULL;
    plx_status st = plx_call(p, op, request, &out);
    if (st != PLX_OK)
        fprintf(stderr, "plx_call %s %s: %s: %s\n", op, request, plx_status_name(st),
                out ? out : "(no result)");
    cJSON *json = st == PLX_OK ? cJSON_Parse(out) : NULL;
    plx_free(out);
    return json;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* {"text": text} as JSON. */
static char *text_request(const char *text)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "text", text);
    char *s = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    return s;
}

static cJSON *sentiment(plx_provider *p, const char *text)
{
    char *req = text_request(text);
    cJSON *r = call(p, "sentiment", req);
    free(req);
    return r;
}

static double score_of(plx_provider *p, const char *text)
{
    cJSON *r = sentiment(p, text);
    double s = num(r, "score");
    cJSON_Delete(r);
    return s;
}

static void check_label(plx_provider *p, const char *text, const char *label)
{
    cJSON *r = sentiment(p, text);
    if (strcmp(str(r, "label"), label) != 0)
        fprintf(stderr, "  sentiment of \"%s\": %s (score %g), expected %s\n", text,
                str(r, "label"), num(r, "score"), label);
    CHECK_STR(str(r, "label"), label);
    cJSON_Delete(r);
}

static void test_sentiment_labels(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    check_label(p, "I love this product! The support team was fantastic and very helpful.",
                "positive");
    check_label(p, "Thanks a lot, the issue was resolved quickly. Great service.", "positive");
    check_label(p, "The app keeps crashing and support was useless. Terrible experience.",
                "negative");
    check_label(p, "I was charged twice and nobody answers my emails. This is unacceptable.",
                "negative");
    check_label(p, "My order number is 4417 and it was shipped on Tuesday.", "neutral");
    check_label(p, "Please update the billing address on my account to 12 Main Street.",
                "neutral");
    check_label(p, "", "neutral");
    cJSON *r = sentiment(p, "Great product, awful delivery, fine price.");
    double sum = num(r, "positive") + num(r, "negative") + num(r, "neutral");
    CHECK(fabs(sum - 1.0) < 0.01);
    CHECK(num(r, "positive") > 0 && num(r, "negative") > 0);
    CHECK(num(r, "score") >= -1 && num(r, "score") <= 1);
    CHECK_INT((int)num(r, "words"), 6);
    cJSON_Delete(r);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_sentiment_modifiers(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    check_label(p, "The support was not good.", "negative");
    check_label(p, "The app doesn't work after the update.", "negative");
    check_label(p, "Honestly, the new version is not bad at all.", "positive");
    check_label(p, "No problems so far, everything works.", "positive");
    check_label(p, "Delivery was fast but the screen arrived broken and unusable.",
                "negative");
    check_label(p, "The app stopped working.", "negative");
    /* What a customer expected, negated; greetings and sign-offs. */
    check_label(p, "My package never arrived.", "negative");
    check_label(p, "The product is good, but nobody told me about the delay.", "negative");
    check_label(p, "Good morning, I would like to change my delivery address.", "neutral");
    check_label(p, "Hi, my laptop will not turn on anymore. Best, Tom", "negative");
    check_label(p, "Please send the invoice as a PDF.\nThanks,\nAnna", "neutral");
    check_label(p, "Thanks!", "positive");
    CHECK(score_of(p, "The support was very good.") > score_of(p, "The support was good."));
    CHECK(score_of(p, "The app is slightly slow.") > score_of(p, "The app is slow."));
    CHECK(score_of(p, "This is great!!!") > score_of(p, "This is great."));
    CHECK(score_of(p, "This is TERRIBLE.") < score_of(p, "This is terrible."));
    CHECK(score_of(p, "This is not great.") < 0);
    CHECK(score_of(p, "It keeps freezing") < 0);     /* "freeze", inflected */
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void check_language(plx_provider *p, const char *text, const char *code)
{
    char *req = text_request(text);
    cJSON *r = call(p, "language", req);
    free(req);
    if (strcmp(str(r, "language"), code) != 0)
        fprintf(stderr, "  language of \"%s\": %s, expected %s\n", text, str(r, "language"),
                code);
    CHECK_STR(str(r, "language"), code);
    CHECK(num(r, "confidence") > 0.5);
    CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r, "scores")));
    cJSON_Delete(r);
}

static void test_language(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    check_language(p, "My package has not arrived yet and I would like to know where it is.",
                   "en");
    check_language(p, "Mi pedido todavía no ha llegado y nadie responde a mis correos, "
                      "¿qué está pasando?", "es");
    check_language(p, "Je n'ai toujours pas reçu ma commande et le service client ne "
                      "répond pas.", "fr");
    check_language(p, "Ich habe meine Bestellung noch nicht erhalten und der Kundendienst "
                      "antwortet nicht.", "de");
    check_language(p, "Non ho ancora ricevuto il mio ordine e il servizio clienti non "
                      "risponde.", "it");
    check_language(p, "Ainda não recebi o meu pedido e o suporte não responde aos meus "
                      "emails.", "pt");
    check_language(p, "Ik heb mijn bestelling nog steeds niet ontvangen en de klantenservice "
                      "reageert niet.", "nl");
    cJSON *r = call(p, "language", "{\"text\":\"12345 !!! ???\"}");
    CHECK_STR(str(r, "language"), "und");
    CHECK(num(r, "confidence") == 0);
    cJSON_Delete(r);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static const char TICKET[] =
    "Hello team. I ordered a laptop on March 3 and the laptop arrived with a cracked "
    "screen. The weather here is nice. I contacted Dr. Miller at your store about the "
    "cracked laptop screen, but nobody replied. My cat likes boxes. Please replace the "
    "laptop or refund the laptop order.";

static void test_summarize(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "text", TICKET);
    cJSON_AddNumberToObject(req, "max_sentences", 2);
    char *json = cJSON_PrintUnformatted(req);
    cJSON *r = call(p, "summarize", json);
    free(json);
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "sentences");
    CHECK_INT(cJSON_GetArraySize(idx), 2);
    /* The sentences about the laptop, in text order; not the weather or the
     * cat; "Dr. Miller" does not end a sentence (else the last would be 6). */
    CHECK_INT(cJSON_GetArrayItem(idx, 0)->valueint, 1);
    CHECK_INT(cJSON_GetArrayItem(idx, 1)->valueint, 5);
    CHECK_STR(str(r, "summary"), "I ordered a laptop on March 3 and the laptop arrived with "
              "a cracked screen. Please replace the laptop or refund the laptop order.");
    cJSON_Delete(r);
    /* Default 3; a text with fewer sentences comes back whole. */
    r = call(p, "summarize", "{\"text\":\"One line only.\\nSecond  line here\"}");
    CHECK_STR(str(r, "summary"), "One line only. Second line here");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "sentences")), 2);
    cJSON_Delete(r);
    r = call(p, "summarize", "{\"text\":\"\"}");
    CHECK_STR(str(r, "summary"), "");
    cJSON_Delete(r);
    cJSON_Delete(req);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void test_classify(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    cJSON *r = call(p, "classify",
                    "{\"text\":\"I was charged twice on my last invoice, please refund.\","
                    "\"labels\":{\"billing\":[\"invoice\",\"charged twice\",\"refunds\"],"
                    "\"shipping\":[\"delivery\",\"package\"],\"login\":[\"password\"]}}");
    CHECK_STR(str(r, "label"), "billing");
    const cJSON *scores = cJSON_GetObjectItemCaseSensitive(r, "scores");
    CHECK(num(scores, "billing") == 1.0);
    CHECK(num(scores, "shipping") == 0.0);
    cJSON_Delete(r);
    r = call(p, "classify", "{\"text\":\"The delivery of my package is late, and my "
                            "invoice too.\",\"labels\":[\"billing\",\"delivery\",\"invoice\"]}");
    CHECK_STR(str(r, "label"), "delivery");
    scores = cJSON_GetObjectItemCaseSensitive(r, "scores");
    CHECK(num(scores, "delivery") == 0.5 && num(scores, "invoice") == 0.5);
    cJSON_Delete(r);
    r = call(p, "classify", "{\"text\":\"Hello\",\"labels\":[\"billing\"]}");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "label")));
    cJSON_Delete(r);
    r = call(p, "classify", "{\"text\":\"Hello\",\"labels\":[\"billing\"],\"default\":\"other\"}");
    CHECK_STR(str(r, "label"), "other");
    cJSON_Delete(r);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static double dot(const cJSON *a, const cJSON *b, int *n)
{
    double d = 0;
    *n = 0;
    for (const cJSON *x = a->child, *y = b->child; x && y; x = x->next, y = y->next, ++*n)
        d += x->valuedouble * y->valuedouble;
    return d;
}

static void test_embed(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    const char *req = "{\"input\":[\"My password reset email never arrived\","
                      "\"The password reset link in the email does not arrive\","
                      "\"Great pizza recipe with fresh basil\"]}";
    char *a = NULL, *b = NULL;
    CHECK_INT(plx_embed(p, req, &a), PLX_OK);
    CHECK_INT(plx_call(p, "embed", req, &b), PLX_OK);
    cJSON *r = cJSON_Parse(a), *r2 = cJSON_Parse(b);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "vectors");
    CHECK_INT(cJSON_GetArraySize(v), 3);
    CHECK(cJSON_Compare(v, cJSON_GetObjectItemCaseSensitive(r2, "vectors"), 1));
    int n;
    const cJSON *v0 = cJSON_GetArrayItem(v, 0), *v1 = cJSON_GetArrayItem(v, 1),
                *v2 = cJSON_GetArrayItem(v, 2);
    CHECK(fabs(dot(v0, v0, &n) - 1.0) < 1e-4);
    CHECK_INT(n, 256);
    CHECK(fabs(dot(v2, v2, &n) - 1.0) < 1e-4);
    double related = dot(v0, v1, &n), unrelated = dot(v0, v2, &n);
    CHECK(related > 0.3);
    CHECK(related > unrelated + 0.3);
    CHECK_STR(str(r, "model"), "local-hash-256");
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(r, "usage");
    CHECK_INT((int)num(usage, "input_tokens"), 6 + 10 + 6);
    CHECK_INT((int)num(usage, "output_tokens"), 0);
    CHECK(num(r, "cost_usd") == 0);
    cJSON_Delete(r);
    cJSON_Delete(r2);
    plx_free(a);
    plx_free(b);
    /* A single string; dimensions from the config, and from the request. */
    plx_provider *p64 = local_new(ctx, "{\"dimensions\":64}");
    r = call(p64, "embed", "{\"input\":\"hello world\"}");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "vectors"), 0)), 64);
    CHECK_STR(str(r, "model"), "local-hash-64");
    cJSON_Delete(r);
    r = call(p64, "embed", "{\"input\":[\"hello\"],\"dimensions\":8,\"model\":\"x\"}");
    CHECK_STR(str(r, "model"), "local-hash-8");
    cJSON_Delete(r);
    r = call(p, "embed", "{\"input\":[\"the and of\"]}");     /* no content word */
    const cJSON *zero = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "vectors"), 0);
    CHECK(dot(zero, zero, &n) == 0);
    cJSON_Delete(r);
    plx_provider_free(p64);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static int on_delta(const char *text, size_t len, void *ud)
{
    (void)text;
    *(size_t *)ud += len;
    return 0;
}

static void test_chat(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    const char *req = "{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"messages\":["
                      "{\"role\":\"system\",\"content\":\"You are terse.\"},"
                      "{\"role\":\"user\",\"content\":\"Old question.\"},"
                      "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},"
                      "{\"role\":\"user\",\"content\":\"My router reboots every hour. "
                      "The router firmware is current. I need the router fixed.\"}]}";
    cJSON *r = call(p, "chat", req);
    CHECK_CONTAINS(str(r, "text"), "[Automatic reply: no AI service could answer");
    CHECK_CONTAINS(str(r, "text"), "My router reboots every hour.");
    CHECK_STR(str(r, "finish_reason"), "stop");
    CHECK_STR(str(r, "model"), "local");
    CHECK(num(r, "cost_usd") == 0);
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(r, "usage");
    CHECK_INT((int)num(usage, "input_tokens"), 3 + 2 + 15);
    CHECK(num(usage, "output_tokens") > 15);
    cJSON_Delete(r);
    /* Deterministic, streaming as one delta, max_tokens and stop. */
    char *a = NULL, *b = NULL;
    size_t streamed = 0;
    CHECK_INT(plx_chat(p, req, &a), PLX_OK);
    CHECK_INT(plx_chat_stream(p, req, on_delta, &streamed, &b), PLX_OK);
    cJSON *ra = cJSON_Parse(a), *rb = cJSON_Parse(b);
    CHECK_STR(str(ra, "text"), str(rb, "text"));
    CHECK_INT(streamed, strlen(str(ra, "text")));
    cJSON_Delete(ra);
    cJSON_Delete(rb);
    plx_free(a);
    plx_free(b);
    plx_provider *q = local_new(ctx, "{\"chat_prefix\":\"(offline)\"}");
    r = call(q, "chat", "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\","
                        "\"content\":\"Reset my password please.\"}]}");
    CHECK_STR(str(r, "text"), "(offline) Reset my");
    CHECK_STR(str(r, "finish_reason"), "length");
    cJSON_Delete(r);
    r = call(q, "chat", "{\"stop\":[\"please\"],\"messages\":[{\"role\":\"user\","
                        "\"content\":\"Reset my password please.\"}]}");
    CHECK_STR(str(r, "text"), "(offline) Reset my password ");
    CHECK_STR(str(r, "finish_reason"), "stop");
    cJSON_Delete(r);
    plx_provider_free(q);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

/* A long text (about 200 KB, 3000 sentences) through every op: linear
 * time, and summaries of many sentences stay in text order. */
static void test_long_text(void)
{
    static const char *const parts[] = {
        "The courier lost parcel %d again. ", "Support answered ticket %d quickly! ",
        "Invoice %d shows a charge I do not recognise. ", "Order %d arrived on time. ",
        "Le colis %d est arrivé en retard. ", "Why did refund %d take so long? "};
    plx_ctx *ctx = ctx_new();
    plx_provider *p_long = local_new(ctx, NULL);
    size_t cap = 256 * 1024, len = 0;
    char *text = malloc(cap);
    for (int i = 0; len + 128 < cap - 1024 && i < 3000; i++)
        len += (size_t)snprintf(text + len, cap - len, parts[i % 6], i);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "text", text);
    cJSON_AddNumberToObject(req, "max_sentences", 40);
    char *json = cJSON_PrintUnformatted(req);
    cJSON *r = call(p_long, "summarize", json);
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "sentences");
    CHECK_INT(cJSON_GetArraySize(idx), 40);
    int prev = -1, ordered = 1;
    const cJSON *i;
    cJSON_ArrayForEach(i, idx) {
        ordered &= i->valueint > prev;
        prev = i->valueint;
    }
    CHECK(ordered);
    cJSON_Delete(r);
    cJSON_DeleteItemFromObject(req, "max_sentences");
    free(json);
    json = cJSON_PrintUnformatted(req);
    static const char *const ops[] = {"sentiment", "language", "summarize"};
    for (size_t k = 0; k < 3; k++) {
        r = call(p_long, ops[k], json);
        CHECK(r != NULL);
        cJSON_Delete(r);
    }
    cJSON_AddItemToObject(req, "labels", cJSON_Parse("{\"delivery\":[\"courier\",\"parcel\","
                                                      "\"arrived\",\"colis\"],\"billing\":[\"invoice\","
                                                      "\"refund\",\"charge\"]}"));
    free(json);
    json = cJSON_PrintUnformatted(req);
    r = call(p_long, "classify", json);
    CHECK_STR(str(r, "label"), "delivery");
    cJSON_Delete(r);
    free(json);
    cJSON_Delete(req);
    free(text);
    plx_provider_free(p_long);
    plx_ctx_free(ctx);
}

/* Fails with status and a message containing what. */
static void check_error(plx_provider *p, const char *op, const char *request,
                        plx_status status, const char *what)
{
    char *out = NULL;
    CHECK_INT(plx_call(p, op, request, &out), status);
    CHECK(out == NULL);
    CHECK_CONTAINS(plx_errmsg(NULL), what);
    plx_free(out);
}

static void test_errors(void)
{
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, "{\"max_text_bytes\":64}");
    check_error(p, "sentiment", "{}", PLX_EINVAL, "request.text: missing");
    check_error(p, "sentiment", "{\"text\":5}", PLX_EINVAL, "request.text: expected a string");
    check_error(p, "language", "{\"text\":\"caf\xc3\x28\"}", PLX_EINVAL,
                "request.text: not valid UTF-8");
    check_error(p, "summarize", "{\"text\":\"" "0123456789012345678901234567890123456789"
                "0123456789012345678901234567890\"}", PLX_EINVAL,
                "request.text: 71 bytes, more than max_text_bytes (64)");
    check_error(p, "summarize", "{\"text\":\"a\",\"max_sentences\":0}", PLX_EINVAL,
                "request.max_sentences");
    check_error(p, "sentiment", "{\"text\":\"a\",\"lang\":\"en\"}", PLX_EINVAL,
                "request.lang: unknown key");
    check_error(p, "translate", "{}", PLX_EUNSUPPORTED, "kind 'local' has no op 'translate'");
    check_error(p, "classify", "{\"text\":\"a\",\"labels\":{\"billing\":[\"x\",1]}}",
                PLX_EINVAL, "request.labels.billing[1]: expected a string");
    check_error(p, "classify", "{\"text\":\"a\",\"labels\":[]}", PLX_EINVAL, "request.labels");
    check_error(p, "embed", "{\"input\":[\"a\",null]}", PLX_EINVAL,
                "request.input[1]: expected a string");
    check_error(p, "embed", "{\"input\":[]}", PLX_EINVAL, "request.input");
    char big[8192] = "{\"dimensions\":4096,\"input\":[\"a\"";
    for (int i = 1; i < 1100; i++)
        strcat(big, ",\"a\"");
    strcat(big, "]}");
    check_error(p, "embed", big, PLX_EINVAL, "split the call");
    check_error(p, "chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                "{\"role\":\"robot\",\"content\":\"y\"}]}", PLX_EINVAL,
                "request.messages[1].role");
    check_error(p, "chat", "{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                PLX_EINVAL, "no message with role 'user'");
    check_error(p, "chat", "{\"messages\":[{\"role\":\"user\"}]}", PLX_EINVAL,
                "request.messages[0].content: missing");
    check_error(p, "chat", "{\"stop\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                PLX_EINVAL, "request.stop[0]");
    plx_provider_free(p);
    plx_provider *bad = NULL;
    CHECK_INT(plx_provider_new(ctx, "local", "{\"dimensions\":0}", &bad), PLX_ECONFIG);
    CHECK_CONTAINS(plx_errmsg(ctx), "dimensions");
    CHECK_INT(plx_provider_new(ctx, "local", "{\"chat_prefix\":7}", &bad), PLX_ECONFIG);
    CHECK_INT(plx_provider_new(ctx, "local", "{\"model\":\"x\"}", &bad), PLX_ECONFIG);
    CHECK(bad == NULL);
    plx_ctx_free(ctx);
}

static void on_done(plx_status st, const char *json, void *ud)
{
    int *ok = ud;
    if (st == PLX_OK && json && strstr(json, "\"label\":\"negative\""))
        ++*ok;
}

/* Named in the config, with a ctx transport set that the kind must not use;
 * async calls; stats. */
static void test_config_async_stats(void)
{
    static const scripted_reply never[] = {{PLX_ETRANSPORT, 0, NULL, NULL}};
    scripted s;
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"nlp\":{\"kind\":\"local\","
                                "\"rate_limit\":{\"per_second\":100000,\"burst\":100}}}}"),
              PLX_OK);
    plx_transport_funcs *t = scripted_funcs(&s, never, 1);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_provider(ctx, "nlp", &p), PLX_OK);
    int ok = 0;
    for (int i = 0; i < 50; i++)
        CHECK_INT(plx_call_async(p, "sentiment", "{\"text\":\"awful, broken, useless\"}",
                                 on_done, &ok), PLX_OK);
    size_t left = 1;
    for (int i = 0; left && i < 100; i++)
        CHECK_INT(plx_ctx_poll(ctx, 100, &left), PLX_OK);
    CHECK_INT(ok, 50);
    CHECK_INT(s.sent, 0);
    char *stats = NULL;
    CHECK_INT(plx_provider_stats(p, &stats), PLX_OK);
    CHECK_CONTAINS(stats, "\"kind\":\"local\"");
    CHECK_CONTAINS(stats, "\"succeeded\":50");
    plx_free(stats);
    char *out = NULL;
    CHECK_INT(plx_call(p, "sentiment", "{\"text\":\"fine\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"provider\":\"nlp\"");
    CHECK_CONTAINS(out, "\"attempts\":1");
    CHECK(strstr(out, "usage") == NULL);
    plx_free(out);
    plx_ctx_free(ctx);
}

/* A user transport set on a local provider answers instead; a reply that
 * is not a JSON object is a protocol error, not a crash. */
static void test_user_transport(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, NULL, "{\"label\":\"mocked\"}"},
                                       {PLX_OK, 200, NULL, "{\"label\":"}};
    scripted s;
    plx_ctx *ctx = ctx_new();
    plx_provider *p = local_new(ctx, NULL);
    plx_transport_funcs *t = scripted_funcs(&s, r, 2);
    CHECK_INT(plx_provider_set_transport(p, t), PLX_OK);
    plx_transport_funcs_unref(t);
    char *out = NULL;
    CHECK_INT(plx_call(p, "sentiment", "{\"text\":\"good\"}", &out), PLX_OK);
    CHECK_CONTAINS(out, "\"label\":\"mocked\"");
    CHECK_STR(s.last_url, "http://local/sentiment");
    CHECK_STR(s.last_body, "good");
    plx_free(out);
    CHECK_INT(plx_call(p, "sentiment", "{\"text\":\"good\"}", &out), PLX_EPROTOCOL);
    CHECK_CONTAINS(out, "PLX_EPROTOCOL");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_sentiment_labels, test_sentiment_modifiers, test_language, test_summarize,
          test_classify, test_embed, test_chat, test_long_text, test_errors,
          test_config_async_stats,
          test_user_transport)
