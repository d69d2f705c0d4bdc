/* SigV4 signing throughput on one thread: header signing of a typical AWS
 * JSON call (the work each attempt of a call does), and presigning an S3
 * URL. Prints signs per second; bench/sigv4.sh runs botocore's signer in the
 * same run for the ratio.
 *
 *   bench_sigv4 [--seconds S] [--json]
 */
#include "auth/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double run_header(plx_sigv4_signer *s, double seconds, uint64_t *count)
{
    plx_request *req = NULL;
    const char *body = "{\"Text\":\"I love this product, it works great.\",\"LanguageCode\":\"en\"}";
    if (plx_request_create("POST", "https://comprehend.us-east-1.amazonaws.com/", &req) != PLX_OK)
        return 0;
    plx_request_set_body(req, body, strlen(body));
    plx_request_set_header(req, "Content-Type", "application/x-amz-json-1.1");
    plx_request_set_header(req, "X-Amz-Target", "Comprehend_20171127.DetectSentiment");
    plx_request_set_header(req, "User-Agent", "plexus-bench");
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "comprehend");
    uint64_t n = 0, start = plx_now_us(), end = start + (uint64_t)(seconds * 1e6), now;
    do {
        for (int i = 0; i < 1000; i++)
            if (plx_sigv4_sign_request(s, &o, req) != PLX_OK)
                abort();
        n += 1000;
    } while ((now = plx_now_us()) < end);
    plx_request_free(req);
    *count = n;
    return (double)n / ((double)(now - start) / 1e6);
}

static double run_presign(plx_sigv4_signer *s, double seconds)
{
    plx_sigv4_options o;
    plx_sigv4_options_init(&o, "us-east-1", "s3");
    uint64_t n = 0, start = plx_now_us(), end = start + (uint64_t)(seconds * 1e6), now;
    do {
        for (int i = 0; i < 1000; i++) {
            char *url = NULL;
            if (plx_sigv4_presign_url(s, &o, "GET", "https://bucket.s3.amazonaws.com/a/key.txt",
                                      &url) != PLX_OK)
                abort();
            plx_free(url);
        }
        n += 1000;
    } while ((now = plx_now_us()) < end);
    return (double)n / ((double)(now - start) / 1e6);
}

int main(int argc, char **argv)
{
    double seconds = 2;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--json]\n", argv[0]);
            return 2;
        }
    }
    plx_sigv4_signer *s = NULL;
    if (plx_sigv4_signer_new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
                             &s) != PLX_OK)
        return 1;
    uint64_t n = 0;
    double header = run_header(s, seconds, &n);
    double presign = run_presign(s, seconds / 2);
    if (json)
        printf("{\"sign_per_s\":%.0f,\"presign_per_s\":%.0f}\n", header, presign);
    else
        printf("plexus   header signing: %9.0f signs/s  (%llu signs)\n"
               "plexus   S3 presigning:  %9.0f URLs/s\n",
               header, (unsigned long long)n, presign);
    plx_sigv4_signer_free(s);
    return 0;
}
