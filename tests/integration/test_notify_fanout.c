/* plx_notify fan-out over real sockets: targets on a local nginx
 * (with_nginx.sh: /echo-body answers at once), one on a port where nothing
 * listens, one on a server that accepts and never answers. The healthy
 * targets finish as fast as alone; the report and the return status tell
 * the dead and the slow one apart. */
#include "../tap.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <plexus.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *base;

#define ALERT "{\"title\":\"Cost spike\",\"text\":\"EC2 spend +200%\",\"severity\":\"critical\"," \
              "\"source\":\"cost-optimizer\",\"dedup_key\":\"cost-spike-ec2\"}"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A listening socket on 127.0.0.1 (port 0: any); its port in *port. */
static int listen_on(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port nobody listens on: bound, then closed. */
static int dead_port(void)
{
    int port = 0, fd = listen_on(&port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* The black hole: accepts connections, reads, never answers. */
typedef struct hole {
    int fd;
    int port;
    volatile int stop;
    pthread_t thread;
} hole;

static void *hole_loop(void *arg)
{
    hole *h = arg;
    int conns[64], n = 0;
    char buf[4096];
    while (!h->stop) {
        struct pollfd fds[65];
        int polled = n;
        fds[0] = (struct pollfd){.fd = h->fd, .events = POLLIN};
        for (int i = 0; i < polled; i++)
            fds[i + 1] = (struct pollfd){.fd = conns[i], .events = POLLIN};
        if (poll(fds, (nfds_t)polled + 1, 50) <= 0)
            continue;
        /* drain what clients send; forget those that hung up */
        for (int i = polled - 1; i >= 0; i--) {
            if (!(fds[i + 1].revents & (POLLIN | POLLHUP)) || read(conns[i], buf, sizeof buf) > 0)
                continue;
            close(conns[i]);
            conns[i] = conns[--n];
        }
        if ((fds[0].revents & POLLIN) && n < 64) {
            int c = accept(h->fd, NULL, NULL);
            if (c >= 0)
                conns[n++] = c;
        }
    }
    for (int i = 0; i < n; i++)
        close(conns[i]);
    return NULL;
}

static void hole_start(hole *h)
{
    h->fd = listen_on(&h->port);
    h->stop = 0;
    if (h->fd < 0 || pthread_create(&h->thread, NULL, hole_loop, h) != 0)
        TAP_SKIP("cannot listen on 127.0.0.1");
}

static void hole_stop(hole *h)
{
    h->stop = 1;
    pthread_join(h->thread, NULL);
    close(h->fd);
}

static long member(const cJSON *results, int i, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, i), key);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : cJSON_IsTrue(v) ? 1 : 0;
}

static const char *code(const cJSON *results, int i)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, i), "error");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(err, "code");
    return cJSON_IsString(c) ? c->valuestring : "";
}

#define HOOK "{\"kind\":\"webhook\",\"name\":\"%s\",\"url\":\"%s\",\"timeout_ms\":%d," \
             "\"retry\":{\"max_attempts\":%d,\"base_delay_ms\":10}}"

static void test_dead_and_slow_do_not_delay(void)
{
    hole h;
    hole_start(&h);
    char echo[256], dead[64], slow[64], targets[2048];
    snprintf(echo, sizeof echo, "%s/echo-body", base);
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d/hook", dead_port());
    snprintf(slow, sizeof slow, "http://127.0.0.1:%d/hook", h.port);
    snprintf(targets, sizeof targets, "[" HOOK "," HOOK "," HOOK "," HOOK "]",
             "fast-1", echo, 5000, 3, "dead", dead, 5000, 3, "slow", slow, 3000, 1,
             "fast-2", echo, 5000, 3);
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "{\"log_level\":\"none\"}");
    char *report = NULL;
    uint64_t start = now_ms();
    plx_status st = plx_notify(ctx, targets, ALERT, &report);
    uint64_t took = now_ms() - start;
    CHECK_INT(st, PLX_ETRANSPORT);                /* the first failed target: "dead" */
    CHECK_CONTAINS(plx_errmsg(ctx), "2 of 4 target(s) failed; first 'dead'");
    cJSON *r = cJSON_Parse(report);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(r, "results");
    CHECK_INT(member(results, 0, "ok"), 1);
    CHECK_INT(member(results, 0, "status"), 200);
    CHECK_INT(member(results, 3, "ok"), 1);
    /* the healthy targets took what they take alone (well under a second;
     * a generous bound, for valgrind), not the slow one's 3 s */
    CHECK(member(results, 0, "latency_ms") < 1500);
    CHECK(member(results, 3, "latency_ms") < 1500);
    CHECK_INT(member(results, 1, "status"), 0);
    CHECK_STR(code(results, 1), "PLX_ETRANSPORT");
    CHECK_INT(member(results, 1, "attempts"), 3);  /* connect errors are retried */
    CHECK(member(results, 1, "latency_ms") < 1500);
    CHECK_STR(code(results, 2), "PLX_ETIMEOUT");
    CHECK(member(results, 2, "latency_ms") >= 2900);
    CHECK(took >= 2900 && took < 6000);           /* the call waits for the slowest */
    cJSON_Delete(r);
    plx_free(report);
    plx_ctx_free(ctx);
    hole_stop(&h);
}

/* Many healthy targets at once take about as long as one. */
static void test_wide_fan_out(void)
{
    char echo[256];
    snprintf(echo, sizeof echo, "%s/echo-body", base);
    plx_ctx *ctx = NULL;
    plx_ctx_new(&ctx, "{\"log_level\":\"none\"}");
    char targets[16384] = "[";
    for (int i = 0; i < 32; i++) {
        char one[512], name[16];
        snprintf(name, sizeof name, "t%d", i);
        snprintf(one, sizeof one, HOOK, name, echo, 5000, 3);
        snprintf(targets + strlen(targets), sizeof targets - strlen(targets), "%s%s",
                 i ? "," : "", one);
    }
    strcat(targets, "]");
    char *report = NULL;
    CHECK_INT(plx_notify(ctx, targets, ALERT, &report), PLX_OK);
    CHECK_CONTAINS(report, "\"ok\":true,\"delivered\":32,\"failed\":0");
    plx_free(report);
    plx_ctx_free(ctx);
}

static void test_setup(void)
{
    base = getenv("PLX_TEST_HTTP_URL");
    if (!base)
        TAP_SKIP("PLX_TEST_HTTP_URL unset: run through tests/integration/with_nginx.sh");
}

TEST_MAIN(test_setup, test_dead_and_slow_do_not_delay, test_wide_fan_out)
