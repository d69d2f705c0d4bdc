/* Progress of a batch run on stderr: on a terminal one line redrawn in
 * place (\r); otherwise a plain line every few seconds, for logs. */
#include "progress.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

void progress_init(progress *pr, bool enabled, double interval_s)
{
    memset(pr, 0, sizeof *pr);
    pr->enabled = enabled;
    pr->tty = isatty(STDERR_FILENO) == 1;
    pr->interval_s = interval_s > 0 ? interval_s : 5;
    pr->last_s = now_s();
}

int progress_interval_ms(const progress *pr)
{
    /* Often enough for a smooth bar and a prompt stop on Ctrl-C; plain
     * lines are throttled to interval_s. */
    return pr->interval_s < 0.25 ? (int)(pr->interval_s * 1000) : 250;
}

static double num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* "1:02:03", "2:03", "45s". */
static void format_eta(double s, char *buf, size_t size)
{
    if (s < 0) {
        snprintf(buf, size, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60)
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
    else
        snprintf(buf, size, "%lds", t);
}

static void read_counts(progress_counts *pc, const cJSON *o)
{
    pc->done = num(o, "done", 0);
    pc->failed = num(o, "failed", 0);
    pc->total = num(o, "total", -1);
    pc->rate = num(o, "rate", 0);
    pc->eta_s = num(o, "eta_s", -1);
    pc->cost_usd = num(o, "cost_usd", 0);
}

/* The terminal line: counts, a bar when the total is known, rate, eta. */
static void draw(progress *pr, const progress_counts *pc)
{
    char eta[32], line[512], bar[64] = "";
    format_eta(pc->eta_s, eta, sizeof eta);
    int width = terminal_width();
    if (pc->total > 0) {
        double f = pc->done / pc->total;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        int cells = width >= 100 ? 30 : 20, full = (int)(f * cells);
        bar[0] = '[';
        for (int i = 0; i < cells; i++)
            bar[1 + i] = i < full ? '#' : '-';
        snprintf(bar + 1 + cells, sizeof bar - 1 - (size_t)cells, "] %3d%% ",
                 (int)(f * 100));
        snprintf(line, sizeof line, "%s%.0f/%.0f  failed %.0f  %.1f/s  eta %s  $%.4f", bar,
                 pc->done, pc->total, pc->failed, pc->rate, eta, pc->cost_usd);
    } else {
        snprintf(line, sizeof line, "%.0f done  failed %.0f  %.1f/s  $%.4f", pc->done,
                 pc->failed, pc->rate, pc->cost_usd);
    }
    if ((int)strlen(line) >= width)
        line[width - 1] = '\0';
    /* \033[K clears what a longer previous line left. */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    pr->drawn = true;
}

static void plain(const progress_counts *pc)
{
    char eta[32];
    format_eta(pc->eta_s, eta, sizeof eta);
    if (pc->total >= 0)
        fprintf(stderr, "plexus: run: %.0f/%.0f done, %.0f failed, %.1f/s, eta %s, $%.4f\n",
                pc->done, pc->total, pc->failed, pc->rate, eta, pc->cost_usd);
    else
        fprintf(stderr, "plexus: run: %.0f done, %.0f failed, %.1f/s, $%.4f\n", pc->done,
                pc->failed, pc->rate, pc->cost_usd);
}

int progress_update(const char *progress_json, void *user_data)
{
    progress *pr = user_data;
    cJSON *o = cJSON_Parse(progress_json);
    bool fresh = o != NULL;
    if (fresh)
        read_counts(&pr->last, o);
    cJSON_Delete(o);
    if (pr->enabled && fresh) {
        double t = now_s();
        if (pr->tty) {
            draw(pr, &pr->last);
        } else if (t - pr->last_s >= pr->interval_s) {
            plain(&pr->last);
            pr->last_s = t;
        }
    }
    return cli_interrupted() ? 1 : 0;
}

void progress_end(progress *pr)
{
    if (pr->drawn) {
        fputc('\n', stderr);
        pr->drawn = false;
    }
}
