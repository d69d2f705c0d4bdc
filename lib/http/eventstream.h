/* An incremental decoder of AWS event-stream bodies
 * (application/vnd.amazon.eventstream), as Bedrock, Transcribe, S3 Select
 * and others stream them. Each message is
 *
 *   uint32 total_length | uint32 headers_length | uint32 prelude_crc
 *   headers[headers_length] | payload | uint32 message_crc
 *
 * big-endian, with CRC32 (zlib's) over the 8 bytes before prelude_crc and
 * over everything before message_crc. Both CRCs are checked, every header
 * is checked against the block it sits in, and a message is delivered only
 * when it is complete, whatever the chunks it arrives in.
 *
 * Delivery through plx_frame_fn, by the ":message-type" header (a string):
 *   "event"     event = ":event-type",                  data = payload
 *   "exception" event = "exception:" ":exception-type", data = payload
 *   "error"     event = "error:" ":error-code",         data = ":error-message"
 * Anything else (no ":message-type", another value, a missing name header,
 * a reserved header twice or of a type other than string) is PLX_EPROTOCOL. */
#ifndef PLX_EVENTSTREAM_H
#define PLX_EVENTSTREAM_H

#include "../core/core.h"
#include "framing.h"

/* The largest message plx_evs_init accepts by default (the limit of the AWS
 * SDKs' decoders); the format itself allows up to 4 GiB. */
#define PLX_EVS_DEFAULT_MAX_MESSAGE ((size_t)16 * 1024 * 1024)
#define PLX_EVS_PRELUDE_LEN 12
/* Prelude plus message CRC: the size of a message with nothing in it. */
#define PLX_EVS_MIN_MESSAGE 16

/* Header value types; the numbers are the wire's. */
typedef enum plx_evs_type {
    PLX_EVS_TRUE = 0,
    PLX_EVS_FALSE = 1,
    PLX_EVS_BYTE = 2,
    PLX_EVS_SHORT = 3,
    PLX_EVS_INT = 4,
    PLX_EVS_LONG = 5,
    PLX_EVS_BYTES = 6,
    PLX_EVS_STRING = 7,
    PLX_EVS_TIMESTAMP = 8,   /* milliseconds since the epoch */
    PLX_EVS_UUID = 9
} plx_evs_type;

/* One header, pointing into the message. */
typedef struct plx_evs_header {
    const char *name;        /* name_len bytes, not NUL-terminated */
    size_t name_len;
    plx_evs_type type;
    int64_t num;             /* TRUE 1, FALSE 0, BYTE..LONG and TIMESTAMP */
    const uint8_t *bytes;    /* BYTES, STRING (len bytes), UUID (16) */
    size_t len;
} plx_evs_header;

/* Reads the header at block[*pos] (pos < len) into h and moves *pos past
 * it. A malformed header returns false with *pos at the offending byte and
 * *why a static phrase saying what is wrong ("unknown header value type"). */
bool plx_evs_header_next(const uint8_t *block, size_t len, size_t *pos, plx_evs_header *h,
                         const char **why);

/* The decoder's state; fields are private. One decoder per stream, used
 * from one thread at a time. */
typedef struct plx_evs {
    size_t max_message;      /* cap on total_length */
    uint64_t offset;         /* stream offset of the next message */
    plx_buf msg;             /* a message split across feeds */
    size_t need;             /* its total_length once its prelude is in */
    plx_buf name;            /* the event name handed to the callback */
    plx_status status;       /* sticky: the first error */
    bool stopped;            /* the error came from the callback */
} plx_evs;

/* Prepares d for a stream; max_message_bytes 0 means
 * PLX_EVS_DEFAULT_MAX_MESSAGE. Allocates nothing until bytes arrive. */
void plx_evs_init(plx_evs *d, size_t max_message_bytes);

/* Decodes len more bytes, calling fn for each complete message. Returns
 * PLX_OK; PLX_EPROTOCOL (a CRC mismatch, impossible lengths, a malformed
 * header, a message that is not an event/exception/error: the message says
 * what and at which byte offset of the stream); PLX_ETOOBIG (total_length
 * over the cap, known from the prelude alone); PLX_ENOMEM; or the first
 * non-OK status fn returned. After an error every feed returns the same
 * status until plx_evs_finish. */
plx_status plx_evs_feed(plx_evs *d, const void *data, size_t len, plx_frame_fn fn,
                        void *user_data);

/* The body ended. Returns true if it ended inside a message: one that is
 * incomplete (its bytes are discarded) or that failed a check; false after
 * the callback stopped decoding. Resets d for a new stream. */
bool plx_evs_finish(plx_evs *d);

/* Frees the buffers; d may be initialised again. */
void plx_evs_free(plx_evs *d);

#endif
