/* HTTP dates (Retry-After, Date), parsed by curl's date parser. */
#include "http_internal.h"

#include <curl/curl.h>

int64_t plx_http_date_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    time_t t = curl_getdate(s, NULL);
    return t == (time_t)-1 ? -1 : (int64_t)t;
}
