/* SIGINT and SIGTERM as a flag, so that a run stops between records and
 * leaves a checkpoint that --resume can continue from. */
#include "cli.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted) {
        /* A second interrupt: stop now, the usual way. */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        raise(sig);
    }
    interrupted = 1;
}

void cli_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool cli_interrupted(void)
{
    return interrupted != 0;
}
