/* One ctx and one provider shared by many threads making blocking calls. */
#include "../tap.h"
#include "scripted.h"

#include <pthread.h>

#define THREADS 8
#define CALLS 500

typedef struct worker {
    plx_provider *p;
    int ok;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < CALLS; i++) {
        char *out = NULL;
        if (plx_call(w->p, "request", "{\"path\":\"/t\"}", &out) == PLX_OK && out &&
            strstr(out, "\"status\":200"))
            w->ok++;
        plx_free(out);
    }
    return NULL;
}

static void test_shared_provider(void)
{
    static const scripted_reply r[] = {{PLX_OK, 200, "Content-Type: application/json", "{\"v\":1}"}};
    scripted s;
    plx_ctx *ctx = NULL;
    CHECK_INT(plx_ctx_new(&ctx, "{\"providers\":{\"api\":{\"kind\":\"http\","
                                "\"base_url\":\"http://svc.test\","
                                "\"auth\":{\"type\":\"bearer\",\"token\":\"tok-12345\"},"
                                "\"rate_limit\":{\"per_second\":1000000,\"burst\":100}}}}"),
              PLX_OK);
    plx_transport_funcs *t = scripted_funcs(&s, r, 1);
    plx_ctx_set_transport(ctx, t);
    plx_transport_funcs_unref(t);
    plx_provider *p = NULL;
    plx_ctx_provider(ctx, "api", &p);
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){p, 0};
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    CHECK_INT(ok, THREADS * CALLS);
    CHECK_INT(s.sent, THREADS * CALLS);
    char *stats = NULL;
    plx_provider_stats(p, &stats);
    CHECK_CONTAINS(stats, "\"succeeded\":4000");
    plx_free(stats);
    plx_ctx_free(ctx);
}

TEST_MAIN(test_shared_provider)
