/* What the streaming decoders (sse.h, eventstream.h) hand to their caller:
 * one decoded event at a time, through the same callback type, so the
 * streaming code above them does not care how the reply was framed. */
#ifndef PLX_FRAMING_H
#define PLX_FRAMING_H

#include <plexus.h>

#include <stddef.h>

/* Called once per decoded event. event is a NUL-terminated name; data is
 * data_len bytes (may contain NUL bytes; not necessarily NUL-terminated).
 * Both stay valid only until the callback returns. A non-OK return stops
 * decoding: the decoder's feed returns that status, and keeps returning it.
 * The callback must not feed the decoder that called it. */
typedef plx_status (*plx_frame_fn)(const char *event, const char *data, size_t data_len,
                                   void *user_data);

#endif
