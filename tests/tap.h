/* A minimal test harness: CHECK macros that report file:line and keep going,
 * and TEST_MAIN that runs test functions and sets the exit code. */
#ifndef PLX_TAP_H
#define PLX_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failures;
static int tap_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        tap_checks++;                                                        \
        if (!(cond)) {                                                       \
            tap_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long tap_a = (long long)(a), tap_b = (long long)(b);              \
        tap_checks++;                                                          \
        if (tap_a != tap_b) {                                                  \
            tap_failures++;                                                    \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",        \
                    __FILE__, __LINE__, #a, tap_a, #b, tap_b);                 \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *tap_a = (a), *tap_b = (b);                                 \
        tap_checks++;                                                          \
        if (!tap_a || !tap_b || strcmp(tap_a, tap_b) != 0) {                   \
            tap_failures++;                                                    \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n",          \
                    __FILE__, __LINE__, #a, tap_a ? tap_a : "(null)",          \
                    tap_b ? tap_b : "(null)");                                 \
        }                                                                      \
    } while (0)

/* a contains b */
#define CHECK_CONTAINS(a, b)                                                   \
    do {                                                                       \
        const char *tap_a = (a), *tap_b = (b);                                 \
        tap_checks++;                                                          \
        if (!tap_a || !tap_b || !strstr(tap_a, tap_b)) {                       \
            tap_failures++;                                                    \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected to contain \"%s\"\n", \
                    __FILE__, __LINE__, #a, tap_a ? tap_a : "(null)", tap_b);  \
        }                                                                      \
    } while (0)

typedef void (*tap_test_fn)(void);

static inline int tap_run(const char *const *names, const tap_test_fn *fns, int n)
{
    for (int i = 0; i < n; i++) {
        int before = tap_failures;
        fns[i]();
        printf("%s %d - %s\n", tap_failures == before ? "ok" : "not ok", i + 1,
               names[i]);
    }
    printf("1..%d\n# %d checks, %d failed\n", n, tap_checks, tap_failures);
    return tap_failures ? 1 : 0;
}

/* TEST_MAIN(test_a, test_b, ...) */
#define TAP_NAMES(...) #__VA_ARGS__
#define TEST_MAIN(...)                                                         \
    int main(void)                                                             \
    {                                                                          \
        static const tap_test_fn fns[] = {__VA_ARGS__};                        \
        static char names_buf[] = TAP_NAMES(__VA_ARGS__);                      \
        const char *names[sizeof fns / sizeof fns[0]];                         \
        int n = 0;                                                             \
        for (char *tok = strtok(names_buf, ", "); tok && n < (int)(sizeof fns / sizeof fns[0]); \
             tok = strtok(NULL, ", "))                                         \
            names[n++] = tok;                                                  \
        return tap_run(names, fns, n);                                         \
    }

/* Skips the whole test program (meson counts exit code 77 as skipped). */
#define TAP_SKIP(...)                                                          \
    do {                                                                       \
        printf("1..0 # SKIP ");                                                \
        printf(__VA_ARGS__);                                                   \
        printf("\n");                                                          \
        exit(77);                                                              \
    } while (0)

#endif
