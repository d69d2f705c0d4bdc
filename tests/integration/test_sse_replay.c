/* plx_chat_stream over a real socket, against a server that replays a
 * recorded OpenAI stream one byte per TCP segment (sse_replay.py): text
 * with multi-byte UTF-8, a comment, CRLF and LF line ends, a tool call in
 * fragments, usage in the last chunk. The result must be exactly the
 * transcript's, whatever the cuts. */
#include "tap.h"

#include <plexus.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server_pid;
static int server_stdin = -1;
static int port;

/* Starts the replay server; skips when python3 is missing. */
static void setup(void)
{
    const char *dir = getenv("PLX_TEST_DIR");
    char script[1024], transcript[1024];
    snprintf(script, sizeof script, "%s/sse_replay.py", dir ? dir : ".");
    snprintf(transcript, sizeof transcript, "%s/transcripts/openai_tool_stream.sse",
             dir ? dir : ".");
    if (access("/usr/bin/python3", X_OK) != 0)
        TAP_SKIP("no /usr/bin/python3 for the replay server");
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        TAP_SKIP("pipe failed");
    server_pid = fork();
    if (server_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl("/usr/bin/python3", "python3", script, transcript, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_stdin = in[1];
    FILE *f = fdopen(out[0], "r");
    if (!f || fscanf(f, "PORT %d", &port) != 1)
        TAP_SKIP("the replay server did not start (%s)", script);
    fclose(f);
}

typedef struct deltas {
    char text[256];
    int calls;
} deltas;

static int on_delta(const char *text, size_t len, void *ud)
{
    deltas *d = ud;
    strncat(d->text, text, len);
    d->calls++;
    return 0;
}

static void test_replay_byte_by_byte(void)
{
    char config[256];
    snprintf(config, sizeof config, "{\"base_url\": \"http://127.0.0.1:%d\", "
             "\"retry\": {\"max_attempts\": 1}}", port);
    plx_ctx *ctx = NULL;
    plx_provider *p = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\": \"none\"}"), PLX_OK);
    CHECK_INT(plx_provider_new(ctx, "openai", config, &p), PLX_OK);
    deltas d = {0};
    char *out = NULL;
    CHECK_INT(plx_chat_stream(p, "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": "
                              "\"user\", \"content\": \"Weather in Zürich?\"}]}",
                              on_delta, &d, &out), PLX_OK);
    CHECK_STR(d.text, "Grüße aus Zürich — こんにちは 🌍!");
    CHECK_INT(d.calls, 5);
    CHECK_CONTAINS(out, "\"text\":\"Grüße aus Zürich — こんにちは 🌍!\"");
    CHECK_CONTAINS(out, "\"finish_reason\":\"tool_calls\"");
    CHECK_CONTAINS(out, "\"tool_calls\":[{\"id\":\"call_7\",\"name\":\"get_weather\","
                        "\"arguments\":{\"city\": \"Zürich\"}}]");
    CHECK_CONTAINS(out, "\"usage\":{\"input_tokens\":21,\"output_tokens\":17}");
    CHECK_CONTAINS(out, "\"model\":\"gpt-4o-mini-2024-07-18\"");
    plx_free(out);
    plx_provider_free(p);
    plx_ctx_free(ctx);
}

static void cleanup(void)
{
    close(server_stdin);
    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
}

TEST_MAIN(setup, test_replay_byte_by_byte, cleanup)
