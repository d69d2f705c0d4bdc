/* chat: one chat call, then the same question streamed.
 *
 * The provider is a name from a config file, or a provider kind used with
 * its defaults. Without arguments it is the offline `local` kind, whose
 * "chat" is an extractive summary of the message marked as such: the
 * program runs anywhere, and the same code talks to a real LLM once the
 * config names one.
 *
 * Run: build/examples/chat                              (offline)
 *      build/examples/chat PROVIDER [CONFIG.json] ["prompt"]
 *      e.g. OPENAI_API_KEY=... build/examples/chat openai my.json "Hi"
 *      with my.json: {"providers": {"openai": {"kind": "openai",
 *        "model": "gpt-4o-mini", "auth": {"type": "bearer",
 *        "token": {"env": "OPENAI_API_KEY"}}}}} */
#include <plexus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DEFAULT_PROMPT[] =
    "Our invoice was charged twice this month. The support chat closed before anyone "
    "answered. Please refund the second payment and tell us why it happened.";

/* Reads a whole file into a NUL-terminated string (free it), or NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(text, cap);
            if (!grown)
                break;
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (text)
        text[len] = '\0';
    return text;
}

/* Escapes text as the inside of a JSON string (quotes, backslashes and
 * control characters). Returns a malloc'd string. */
static char *json_escape(const char *s)
{
    char *out = malloc(strlen(s) * 6 + 1), *o = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            o += sprintf(o, "\\%c", c);
        else if (c < 0x20)
            o += sprintf(o, "\\u%04x", c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* Streaming callback: print each piece of text as it arrives. */
static int on_delta(const char *text, size_t len, void *user_data)
{
    size_t *received = user_data;
    *received += len;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0; /* non-zero would stop the stream (PLX_ECANCELED) */
}

/* The provider: a configured name, else a kind with defaults. A provider
 * made by plx_provider_new is ours to free (*owned). */
static plx_status open_provider(plx_ctx *ctx, const char *name, plx_provider **p, int *owned)
{
    *owned = 0;
    if (plx_ctx_provider(ctx, name, p) == PLX_OK)
        return PLX_OK;
    *owned = 1;
    return plx_provider_new(ctx, name, NULL, p);
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "local";
    const char *config_path = argc > 2 ? argv[2] : NULL;
    const char *prompt = argc > 3 ? argv[3] : DEFAULT_PROMPT;

    char *config = NULL;
    if (config_path && !(config = read_file(config_path))) {
        fprintf(stderr, "chat: cannot read %s\n", config_path);
        return 1;
    }
    plx_ctx *ctx = NULL;
    plx_status st = plx_ctx_new(&ctx, config);
    free(config);
    if (st != PLX_OK) {
        fprintf(stderr, "chat: config: %s\n", plx_errmsg(NULL));
        return 1;
    }
    plx_provider *p = NULL;
    int owned = 0;
    if ((st = open_provider(ctx, name, &p, &owned)) != PLX_OK) {
        fprintf(stderr, "chat: provider '%s': %s\n", name, plx_errmsg(ctx));
        plx_ctx_free(ctx);
        return 1;
    }

    /* Requests are JSON text: the canonical chat request of every kind. */
    char *escaped = json_escape(prompt);
    size_t need = strlen(escaped) + 256;
    char *request = malloc(need);
    snprintf(request, need,
             "{\"messages\": [{\"role\": \"system\", \"content\": \"Answer briefly.\"},"
             " {\"role\": \"user\", \"content\": \"%s\"}], \"max_tokens\": 200}",
             escaped);
    free(escaped);

    /* 1. One blocking call: the whole result as JSON. */
    char *result = NULL;
    st = plx_chat(p, request, &result);
    printf("plx_chat (%s, kind %s): %s\n%s\n\n", plx_provider_name(p), plx_provider_kind(p),
           plx_status_name(st), result ? result : plx_errmsg(ctx));
    plx_free(result);

    /* 2. Streamed: text as it is generated, then the same result JSON. */
    size_t received = 0;
    result = NULL;
    if (st == PLX_OK) {
        printf("plx_chat_stream: ");
        st = plx_chat_stream(p, request, on_delta, &received, &result);
        printf("\n[%zu bytes streamed, %s]\n%s\n", received, plx_status_name(st),
               result ? result : plx_errmsg(ctx));
        plx_free(result);
    }

    free(request);
    if (owned)
        plx_provider_free(p);
    plx_ctx_free(ctx);
    return st == PLX_OK ? 0 : 1;
}
