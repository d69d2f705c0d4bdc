/* Version queries and status codes, through the public API only. The status
 * numbers are part of the ABI (common.h: never renumbered, only appended), so
 * they are pinned here by value and by name: a renumbering fails this test. */
#include <plexus.h>

#include "tap.h"

#ifndef PLX_EXPECTED_VERSION
#error "meson passes the project version as PLX_EXPECTED_VERSION"
#endif

static void test_version_number(void)
{
    CHECK_INT(plx_version(), PLX_VERSION_NUMBER);
    CHECK_INT(PLX_VERSION_NUMBER,
              (PLX_VERSION_MAJOR << 16) | (PLX_VERSION_MINOR << 8) | PLX_VERSION_MICRO);
}

static void test_version_string(void)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", PLX_VERSION_MAJOR, PLX_VERSION_MINOR,
             PLX_VERSION_MICRO);
    CHECK_STR(plx_version_string(), PLX_VERSION_STRING);
    CHECK_STR(PLX_VERSION_STRING, expected);
    /* The header and meson.build's project(version:) must move together. */
    CHECK_STR(PLX_VERSION_STRING, PLX_EXPECTED_VERSION);
}

static const struct {
    plx_status status;
    int value;
    const char *name;
} PINNED[] = {
    {PLX_OK, 0, "PLX_OK"},
    {PLX_EINVAL, 1, "PLX_EINVAL"},
    {PLX_ENOMEM, 2, "PLX_ENOMEM"},
    {PLX_ECONFIG, 3, "PLX_ECONFIG"},
    {PLX_ENOTFOUND, 4, "PLX_ENOTFOUND"},
    {PLX_ETRANSPORT, 5, "PLX_ETRANSPORT"},
    {PLX_ETIMEOUT, 6, "PLX_ETIMEOUT"},
    {PLX_ETLS, 7, "PLX_ETLS"},
    {PLX_EHTTP, 8, "PLX_EHTTP"},
    {PLX_EAUTH, 9, "PLX_EAUTH"},
    {PLX_ERATELIMIT, 10, "PLX_ERATELIMIT"},
    {PLX_ECIRCUIT, 11, "PLX_ECIRCUIT"},
    {PLX_EPROTOCOL, 12, "PLX_EPROTOCOL"},
    {PLX_ETOOBIG, 13, "PLX_ETOOBIG"},
    {PLX_EBUDGET, 14, "PLX_EBUDGET"},
    {PLX_EUNSUPPORTED, 15, "PLX_EUNSUPPORTED"},
    {PLX_EIO, 16, "PLX_EIO"},
    {PLX_EBUSY, 17, "PLX_EBUSY"},
    {PLX_ECANCELED, 18, "PLX_ECANCELED"},
    {PLX_EINTERNAL, 19, "PLX_EINTERNAL"},
};
#define NPINNED (int)(sizeof PINNED / sizeof PINNED[0])

static void test_status_values_pinned(void)
{
    for (int i = 0; i < NPINNED; i++) {
        CHECK_INT(PINNED[i].status, PINNED[i].value);
        CHECK_STR(plx_status_name(PINNED[i].status), PINNED[i].name);
    }
}

static void test_status_strings(void)
{
    for (int s = PLX_OK; s <= PLX_EINTERNAL; s++) {
        const char *str = plx_status_str((plx_status)s);
        const char *name = plx_status_name((plx_status)s);
        CHECK(str && str[0]);
        CHECK(str && strcmp(str, "unknown status") != 0);
        CHECK(name && strncmp(name, "PLX_", 4) == 0);
        CHECK(name && strcmp(name, "PLX_UNKNOWN") != 0);
        if (!str || !name || !str[0] || strncmp(name, "PLX_", 4) != 0)
            fprintf(stderr, "  status %d: str=\"%s\" name=\"%s\"\n", s, str ? str : "(null)",
                    name ? name : "(null)");
    }
}

static void test_unknown_status(void)
{
    const int unknown[] = {-1, PLX_EINTERNAL + 1, 1000, 0x7fffffff};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_STR(plx_status_str((plx_status)unknown[i]), "unknown status");
        CHECK_STR(plx_status_name((plx_status)unknown[i]), "PLX_UNKNOWN");
    }
}

TEST_MAIN(test_version_number, test_version_string, test_status_values_pinned,
          test_status_strings, test_unknown_status)
