/* An incremental parser of text/event-stream bodies (Server-Sent Events),
 * following the WHATWG HTML "event stream interpretation" rules: lines end
 * in CRLF, LF or CR (also when a CR ends one chunk and its LF starts the
 * next); a leading UTF-8 BOM is dropped; ":" starts a comment; a field
 * without a colon has an empty value; one space after the colon is dropped;
 * "data" lines are joined with "\n"; "event", "id" and "retry" are kept; a
 * blank line dispatches the event unless no "data" field came. Bytes may be
 * fed in chunks of any size; the events are the same for any split.
 *
 * The event name and data handed to the callback are valid UTF-8: ill-formed
 * sequences are replaced by U+FFFD as a browser's UTF-8 decoder does.
 *
 * Memory is bounded by max_event_bytes: an event whose data plus event name
 * is larger, an "id" longer than that, or a line of a known field longer
 * than max_event_bytes + 8, fails with PLX_ETOOBIG. Comments and unknown
 * fields are skipped without being stored, whatever their length. */
#ifndef PLX_SSE_H
#define PLX_SSE_H

#include "../core/core.h"
#include "framing.h"

/* The cap plx_sse_init uses when given 0. */
#define PLX_SSE_DEFAULT_MAX_EVENT ((size_t)16 * 1024 * 1024)

/* The parser's state; fields are private. One parser per stream, used from
 * one thread at a time. */
typedef struct plx_sse {
    size_t max_event;   /* cap on data + event name, and on an id */
    uint64_t offset;    /* bytes fed so far, for error messages */
    plx_buf line;       /* a line split across feeds */
    plx_buf data;       /* data lines of the pending event, joined */
    plx_buf event;      /* event type of the pending event */
    plx_buf id;         /* the last event ID buffer */
    plx_buf last_id;    /* the last event ID as of the last dispatch */
    plx_buf fixed;      /* scratch for UTF-8 repair */
    int64_t retry_ms;   /* -1 until a valid retry field */
    uint8_t bom;        /* BOM bytes matched at the start; 3 = past it */
    bool after_cr;      /* the last line ended in CR: skip one LF */
    bool discard;       /* skipping the rest of a comment or unknown field */
    bool data_seen;     /* a data field came since the last dispatch */
    bool in_event;      /* a non-comment line came since the last blank line */
    bool id_changed;    /* id differs from last_id */
    plx_status status;  /* sticky: the first error */
} plx_sse;

/* Prepares p for a stream; max_event_bytes 0 means PLX_SSE_DEFAULT_MAX_EVENT.
 * Allocates nothing until bytes arrive. */
void plx_sse_init(plx_sse *p, size_t max_event_bytes);

/* Parses len more bytes of the body, calling fn for each event completed.
 * Returns PLX_OK, PLX_ETOOBIG (message says which limit and the byte
 * offset), PLX_ENOMEM, or the first non-OK status fn returned. After an
 * error every feed returns the same status until plx_sse_finish. */
plx_status plx_sse_feed(plx_sse *p, const void *data, size_t len, plx_frame_fn fn,
                        void *user_data);

/* The body ended. A pending event (no blank line after it) is discarded,
 * not dispatched, as the standard says. Returns true if the body ended in
 * the middle of an event: after a field line (or part of one) that no blank
 * line followed; comments do not count. Resets p for a new stream (as after
 * a reconnect), keeping the last event ID and the retry time. */
bool plx_sse_finish(plx_sse *p);

/* The last event ID as of the last dispatch ("" if none): what a client
 * sends as Last-Event-ID when it reconnects. Valid until the next feed. */
const char *plx_sse_last_event_id(const plx_sse *p);

/* The reconnection time the server asked for with "retry", in ms; -1 if it
 * never did. */
int64_t plx_sse_retry_ms(const plx_sse *p);

/* Frees the buffers; p may be initialised again. */
void plx_sse_free(plx_sse *p);

#endif
