/* Progress display of `plexus run` (progress.c). */
#ifndef PLEXUS_CLI_PROGRESS_H
#define PLEXUS_CLI_PROGRESS_H

#include "cli.h"

typedef struct progress_counts {
    double done, failed, total;  /* total < 0: unknown */
    double rate, eta_s;          /* eta_s < 0: unknown */
    double cost_usd;
} progress_counts;

typedef struct progress {
    bool enabled;
    bool tty;                   /* stderr is a terminal: redraw one line */
    bool drawn;                 /* a line is on screen without its newline */
    double interval_s;          /* between plain lines */
    double last_s;              /* when the last plain line went out */
    progress_counts last;       /* the latest report */
} progress;

/* interval_s: seconds between plain lines when stderr is not a terminal. */
void progress_init(progress *pr, bool enabled, double interval_s);
/* How often to ask the runner for progress, in ms. */
int progress_interval_ms(const progress *pr);
/* A plx_progress_fn (user_data: the progress); asks the run to stop once
 * SIGINT or SIGTERM came. */
int progress_update(const char *progress_json, void *user_data);
/* Ends the redrawn line. */
void progress_end(progress *pr);

#endif
