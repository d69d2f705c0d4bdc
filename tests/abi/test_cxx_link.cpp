// A C++ program calling libplexus: links only if the public headers give the
// functions C linkage (PLX_BEGIN_DECLS), and C++ sees the same constants.
#include <plexus.h>

#include <cstdio>
#include <cstring>

int main()
{
    plx_ctx *ctx = nullptr;
    if (plx_ctx_new(&ctx, "{}") != PLX_OK || !ctx) {
        std::fprintf(stderr, "plx_ctx_new: %s\n", plx_errmsg(nullptr));
        return 1;
    }
    plx_ctx_free(ctx);
    if (std::strcmp(plx_status_name(PLX_EINTERNAL), "PLX_EINTERNAL") != 0 ||
        plx_version() != PLX_VERSION_NUMBER) {
        std::fprintf(stderr, "C++ sees different constants\n");
        return 1;
    }
    std::printf("ok - C++ links and calls libplexus %s\n", plx_version_string());
    return 0;
}
