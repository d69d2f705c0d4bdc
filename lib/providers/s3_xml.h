/* A small, strict XML reader for service replies (S3's ListBucketResult,
 * InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error).
 * It reads a whole document into a read-only tree: elements, their local
 * names and their decoded text. No DTDs (a DOCTYPE is an error, so no
 * entity expansion), no external anything; the five predefined entities
 * and character references only. Anything that is not well-formed XML
 * 1.0 is PLX_EPROTOCOL with the byte offset; limits on depth and element
 * count keep a hostile reply from costing more than a few times its size. */
#ifndef PLX_S3_XML_H
#define PLX_S3_XML_H

#include "../core/core.h"

#define PLX_XML_MAX_DEPTH 64
#define PLX_XML_MAX_ELEMENTS 200000

typedef struct plx_xml plx_xml;

/* Parses len bytes (UTF-8, optional BOM). On failure *out is NULL and the
 * ctx's message says "<what>: malformed XML: <reason> at byte N". */
plx_status plx_xml_parse(const plx_ctx *ctx, const char *what, const char *data, size_t len,
                         plx_xml **out);
void plx_xml_free(plx_xml *x);

/* Elements are small integers; -1 is "none" and is accepted everywhere. */
int plx_xml_root(const plx_xml *x);
/* The element's local name (any "prefix:" removed), "" for -1. */
const char *plx_xml_name(const plx_xml *x, int el);
/* The first child, or the next sibling, whose local name is name (NULL:
 * any element); -1 when there is none. */
int plx_xml_child(const plx_xml *x, int el, const char *name);
int plx_xml_next(const plx_xml *x, int el, const char *name);
/* The element's own text (its text and CDATA, without its children's),
 * decoded, NUL-terminated; *len (may be NULL) its length. "" for -1. */
const char *plx_xml_text(const plx_xml *x, int el, size_t *len);
/* The text of the first child named name, or NULL when there is none. */
const char *plx_xml_child_text(const plx_xml *x, int el, const char *name, size_t *len);

#endif
