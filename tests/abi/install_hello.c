/* Built by check-install.sh against the installed headers and library only. */
#include <plexus.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    if (strcmp(plx_version_string(), PLX_VERSION_STRING) != 0) {
        fprintf(stderr, "headers say %s, library says %s\n", PLX_VERSION_STRING,
                plx_version_string());
        return 1;
    }
    printf("plexus %s\n", plx_version_string());
    return 0;
}
