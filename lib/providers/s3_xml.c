/* The strict XML reader of s3_xml.h: one pass over the input with an
 * explicit stack (no recursion), elements in an array, names and decoded
 * texts in one arena. Every malformation stops the parse with a reason and
 * the byte offset where it was seen. */
#include "s3_xml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 256

typedef struct xml_el {
    size_t name;        /* arena offset of the full name */
    size_t local;       /* arena offset of the local name */
    size_t text;        /* arena offset of the decoded text */
    size_t text_len;
    int first, last, next;
} xml_el;

struct plx_xml {
    xml_el *els;
    size_t count, cap;
    plx_buf arena;
};

typedef struct parser {
    const char *s;
    size_t len, pos;
    plx_xml *x;
    int stack[PLX_XML_MAX_DEPTH];
    plx_buf text[PLX_XML_MAX_DEPTH];   /* text of each open element so far */
    int depth;
    bool have_root;
    const char *err;                   /* static reason, NULL while fine */
    size_t err_at;
    bool nomem;
} parser;

static bool fail(parser *ps, const char *why)
{
    if (!ps->err) {
        ps->err = why;
        ps->err_at = ps->pos;
    }
    return false;
}

static bool nomem(parser *ps)
{
    ps->nomem = true;
    return fail(ps, "out of memory");
}

static bool at(const parser *ps, const char *lit)
{
    size_t n = strlen(lit);
    return ps->len - ps->pos >= n && memcmp(ps->s + ps->pos, lit, n) == 0;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool skip_ws(parser *ps)
{
    size_t from = ps->pos;
    while (ps->pos < ps->len && is_ws(ps->s[ps->pos]))
        ps->pos++;
    return ps->pos > from;
}

static bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           c >= 0x80;
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A name as namespaces allow it: "local" or "prefix:local". */
static bool read_name(parser *ps, size_t *start, size_t *n)
{
    size_t p = ps->pos, colons = 0;
    if (p >= ps->len || !name_start((unsigned char)ps->s[p]) || ps->s[p] == ':')
        return fail(ps, "expected a name");
    while (p < ps->len && name_char((unsigned char)ps->s[p]))
        colons += ps->s[p++] == ':';
    if (p - ps->pos > NAME_MAX_LEN)
        return fail(ps, "name longer than 256 bytes");
    if (colons > 1 || ps->s[p - 1] == ':')
        return fail(ps, "a name with an empty or second namespace prefix");
    *start = ps->pos;
    *n = p - ps->pos;
    ps->pos = p;
    return true;
}

/* Where lit next occurs at or after pos, or len. */
static size_t find(const parser *ps, const char *lit)
{
    const char *hit = memmem(ps->s + ps->pos, ps->len - ps->pos, lit, strlen(lit));
    return hit ? (size_t)(hit - ps->s) : ps->len;
}

/* XML 1.0 characters: no C0 controls but tab, LF and CR, valid UTF-8. */
static bool check_chars(parser *ps)
{
    for (size_t i = 0; i < ps->len; i++) {
        unsigned char c = (unsigned char)ps->s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            ps->pos = i;
            return fail(ps, "control character");
        }
    }
    if (!plx_utf8_valid(ps->s, ps->len))
        return fail(ps, "invalid UTF-8");
    return true;
}

/* ---- text and entities ---- */

static bool valid_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static plx_status append_utf8(plx_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return plx_buf_append(b, u, n);
}

/* "#123" or "#x7B" (without & and ;) as a code point; false if invalid. */
static bool char_ref(const char *s, size_t n, uint32_t *out)
{
    bool hex = n > 1 && s[1] == 'x';
    size_t i = hex ? 2 : 1;
    uint32_t v = 0;
    if (i >= n)
        return false;
    for (; i < n; i++) {
        char c = s[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = v * (hex ? 16 : 10) + d;
        if (v > 0x10FFFF)
            return false;
    }
    *out = v;
    return valid_char(v);
}

/* Decodes the entity at s[*i] ('&') into b and moves *i past its ';'. */
static bool entity(parser *ps, size_t end, size_t *i, plx_buf *b)
{
    static const struct { const char *name; char c; } named[] = {
        {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    const char *s = ps->s + *i + 1;
    size_t room = end - *i - 1, n = 0;
    while (n < room && n < 12 && s[n] != ';')
        n++;
    ps->pos = *i;
    if (n == room || s[n] != ';')
        return fail(ps, "'&' that does not start an entity");
    uint32_t c;
    plx_status st = PLX_EINVAL;
    if (n && s[0] == '#') {
        if (!char_ref(s, n, &c))
            return fail(ps, "invalid character reference");
        st = append_utf8(b, c);
    } else {
        for (size_t k = 0; k < PLX_ARRAY_LEN(named); k++)
            if (strlen(named[k].name) == n && memcmp(named[k].name, s, n) == 0)
                st = plx_buf_append(b, &named[k].c, 1);
        if (st == PLX_EINVAL)
            return fail(ps, "unknown entity");
    }
    if (st != PLX_OK)
        return nomem(ps);
    *i += n + 2;
    return true;
}

/* Appends s[from, to) to b: entities decoded (unless raw, for CDATA), line
 * ends normalized to LF as XML wants. */
static bool append_text(parser *ps, plx_buf *b, size_t from, size_t to, bool raw)
{
    size_t i = from;
    while (i < to) {
        size_t run = i;
        while (run < to && ps->s[run] != '\r' && (raw || ps->s[run] != '&'))
            run++;
        if (run > i && plx_buf_append(b, ps->s + i, run - i) != PLX_OK)
            return nomem(ps);
        i = run;
        if (i == to)
            break;
        if (ps->s[i] == '\r') {
            if (plx_buf_append(b, "\n", 1) != PLX_OK)
                return nomem(ps);
            i += (i + 1 < to && ps->s[i + 1] == '\n') ? 2 : 1;
        } else if (!entity(ps, to, &i, b)) {
            return false;
        }
    }
    return true;
}

/* ---- comments, processing instructions, CDATA ---- */

static bool comment(parser *ps)
{
    ps->pos += 4;
    size_t dashes = find(ps, "--");
    if (dashes == ps->len)
        return fail(ps, "unterminated comment");
    ps->pos = dashes;
    if (dashes + 2 >= ps->len || ps->s[dashes + 2] != '>')
        return fail(ps, "'--' inside a comment");
    ps->pos = dashes + 3;
    return true;
}

/* The encoding an XML declaration names must be UTF-8 (or its subset). */
static bool declaration_encoding(parser *ps, size_t end)
{
    const char *e = memmem(ps->s + ps->pos, end - ps->pos, "encoding", 8);
    if (!e)
        return true;
    const char *q = e + 8;
    while (q < ps->s + end && (is_ws(*q) || *q == '='))
        q++;
    if (q >= ps->s + end || (*q != '"' && *q != '\''))
        return fail(ps, "malformed XML declaration");
    const char *close = memchr(q + 1, *q, (size_t)(ps->s + end - q - 1));
    size_t n = close ? (size_t)(close - q - 1) : 0;
    if ((n == 5 && strncasecmp(q + 1, "utf-8", 5) == 0) ||
        (n == 8 && strncasecmp(q + 1, "us-ascii", 8) == 0))
        return true;
    return fail(ps, "encoding other than UTF-8");
}

static bool processing_instruction(parser *ps, bool document_start)
{
    ps->pos += 2;
    size_t name, n;
    if (!read_name(ps, &name, &n))
        return false;
    bool decl = n == 3 && strncasecmp(ps->s + name, "xml", 3) == 0;
    if (decl && !document_start)
        return fail(ps, "XML declaration not at the start");
    size_t end = find(ps, "?>");
    if (end == ps->len)
        return fail(ps, "unterminated processing instruction");
    if (decl && !declaration_encoding(ps, end))
        return false;
    ps->pos = end + 2;
    return true;
}

static bool cdata(parser *ps)
{
    ps->pos += 9;
    size_t end = find(ps, "]]>");
    if (end == ps->len)
        return fail(ps, "unterminated CDATA section");
    if (!append_text(ps, &ps->text[ps->depth - 1], ps->pos, end, true))
        return false;
    ps->pos = end + 3;
    return true;
}

/* Whitespace, comments and processing instructions around the root. */
static bool misc(parser *ps)
{
    for (;;) {
        skip_ws(ps);
        if (at(ps, "<!--")) {
            if (!comment(ps))
                return false;
        } else if (at(ps, "<?")) {
            if (!processing_instruction(ps, false))
                return false;
        } else {
            return true;
        }
    }
}

/* ---- elements ---- */

static bool arena_add(parser *ps, const char *s, size_t n, size_t *off)
{
    *off = ps->x->arena.len;
    if (plx_buf_append(&ps->x->arena, s, n) != PLX_OK ||
        plx_buf_append(&ps->x->arena, "", 1) != PLX_OK)
        return nomem(ps);
    return true;
}

static bool new_element(parser *ps, size_t name, size_t n, int *idx)
{
    plx_xml *x = ps->x;
    if (x->count >= PLX_XML_MAX_ELEMENTS)
        return fail(ps, "more than 200000 elements");
    if (x->count == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        xml_el *els = realloc(x->els, cap * sizeof *els);
        if (!els)
            return nomem(ps);
        x->els = els;
        x->cap = cap;
    }
    xml_el *el = &x->els[x->count];
    *el = (xml_el){.first = -1, .last = -1, .next = -1};
    if (!arena_add(ps, ps->s + name, n, &el->name))
        return false;
    const char *colon = memrchr(ps->s + name, ':', n);
    el->local = el->name + (colon ? (size_t)(colon - (ps->s + name)) + 1 : 0);
    *idx = (int)x->count++;
    if (ps->depth > 0) {
        xml_el *parent = &x->els[ps->stack[ps->depth - 1]];
        if (parent->last >= 0)
            x->els[parent->last].next = *idx;
        else
            parent->first = *idx;
        parent->last = *idx;
    }
    return true;
}

/* Stores the element's text and pops it. */
static bool close_element(parser *ps)
{
    ps->depth--;
    plx_buf *t = &ps->text[ps->depth];
    size_t off;
    if (!arena_add(ps, t->data ? t->data : "", t->len, &off))
        return false;
    xml_el *el = &ps->x->els[ps->stack[ps->depth]];
    el->text = off;
    el->text_len = t->len;
    plx_buf_reset(t);
    return true;
}

/* name="value" or name='value'; the value is checked, not kept. */
static bool attribute(parser *ps)
{
    size_t name, n;
    if (!read_name(ps, &name, &n))
        return false;
    skip_ws(ps);
    if (ps->pos >= ps->len || ps->s[ps->pos] != '=')
        return fail(ps, "expected '=' after an attribute name");
    ps->pos++;
    skip_ws(ps);
    char quote = ps->pos < ps->len ? ps->s[ps->pos] : '\0';
    if (quote != '"' && quote != '\'')
        return fail(ps, "expected a quoted attribute value");
    const char *close = memchr(ps->s + ps->pos + 1, quote, ps->len - ps->pos - 1);
    if (!close)
        return fail(ps, "unterminated attribute value");
    size_t from = ps->pos + 1, to = (size_t)(close - ps->s);
    if (memchr(ps->s + from, '<', to - from))
        return fail(ps, "'<' in an attribute value");
    plx_buf scratch = {0};
    bool ok = append_text(ps, &scratch, from, to, false);
    plx_buf_free(&scratch);
    ps->pos = to + 1;
    return ok;
}

static bool start_tag(parser *ps)
{
    ps->pos++;
    size_t name, n;
    int idx;
    if (!read_name(ps, &name, &n))
        return false;
    if (ps->depth == 0 && ps->have_root)
        return fail(ps, "a second root element");
    if (ps->depth == PLX_XML_MAX_DEPTH)
        return fail(ps, "elements nested deeper than 64");
    if (!new_element(ps, name, n, &idx))
        return false;
    ps->have_root = true;
    ps->stack[ps->depth++] = idx;
    for (;;) {
        bool space = skip_ws(ps);
        if (at(ps, "/>")) {
            ps->pos += 2;
            return close_element(ps);
        }
        if (at(ps, ">")) {
            ps->pos++;
            return true;
        }
        if (ps->pos >= ps->len)
            return fail(ps, "unterminated start tag");
        if (!space)
            return fail(ps, "expected whitespace, '>' or '/>' in a start tag");
        if (!attribute(ps))
            return false;
    }
}

static bool end_tag(parser *ps)
{
    ps->pos += 2;
    size_t name, n;
    if (!read_name(ps, &name, &n))
        return false;
    const xml_el *el = &ps->x->els[ps->stack[ps->depth - 1]];
    const char *open = ps->x->arena.data + el->name;
    if (strlen(open) != n || memcmp(open, ps->s + name, n) != 0) {
        ps->pos = name;
        return fail(ps, "end tag does not match the open element");
    }
    skip_ws(ps);
    if (ps->pos >= ps->len || ps->s[ps->pos] != '>')
        return fail(ps, "expected '>' to end an end tag");
    ps->pos++;
    return close_element(ps);
}

static bool text_run(parser *ps)
{
    const char *lt = memchr(ps->s + ps->pos, '<', ps->len - ps->pos);
    size_t end = lt ? (size_t)(lt - ps->s) : ps->len;
    const char *bad = memmem(ps->s + ps->pos, end - ps->pos, "]]>", 3);
    if (bad) {
        ps->pos = (size_t)(bad - ps->s);
        return fail(ps, "']]>' in text");
    }
    if (!append_text(ps, &ps->text[ps->depth - 1], ps->pos, end, false))
        return false;
    ps->pos = end;
    return true;
}

/* The root element and everything in it. */
static bool content(parser *ps)
{
    if (!start_tag(ps))
        return false;
    while (ps->depth > 0) {
        bool ok;
        if (ps->pos >= ps->len)
            return fail(ps, "the document ends inside an element");
        if (ps->s[ps->pos] != '<')
            ok = text_run(ps);
        else if (at(ps, "</"))
            ok = end_tag(ps);
        else if (at(ps, "<!--"))
            ok = comment(ps);
        else if (at(ps, "<![CDATA["))
            ok = cdata(ps);
        else if (at(ps, "<?"))
            ok = processing_instruction(ps, false);
        else if (at(ps, "<!"))
            ok = fail(ps, "markup declaration inside an element");
        else
            ok = start_tag(ps);
        if (!ok)
            return false;
    }
    return true;
}

static bool document(parser *ps)
{
    if (!check_chars(ps))
        return false;
    if (at(ps, "\xEF\xBB\xBF"))
        ps->pos += 3;
    if (at(ps, "<?xml") && ps->pos + 5 < ps->len &&
        (is_ws(ps->s[ps->pos + 5]) || ps->s[ps->pos + 5] == '?') &&
        !processing_instruction(ps, true))
        return false;
    if (!misc(ps))
        return false;
    if (at(ps, "<!DOCTYPE") || at(ps, "<!"))
        return fail(ps, "DOCTYPE and other declarations are not allowed");
    if (ps->pos >= ps->len || ps->s[ps->pos] != '<')
        return fail(ps, "no root element");
    if (!content(ps) || !misc(ps))
        return false;
    if (ps->pos != ps->len)
        return fail(ps, "content after the root element");
    return true;
}

void plx_xml_free(plx_xml *x)
{
    if (!x)
        return;
    free(x->els);
    plx_buf_free(&x->arena);
    free(x);
}

plx_status plx_xml_parse(const plx_ctx *ctx, const char *what, const char *data, size_t len,
                         plx_xml **out)
{
    *out = NULL;
    plx_xml *x = calloc(1, sizeof *x);
    if (!x)
        return PLX_ENOMEM;
    parser *ps = calloc(1, sizeof *ps);
    if (!ps) {
        free(x);
        return PLX_ENOMEM;
    }
    *ps = (parser){.s = data ? data : "", .len = data ? len : 0, .x = x};
    bool ok = document(ps);
    for (int i = 0; i < PLX_XML_MAX_DEPTH; i++)
        plx_buf_free(&ps->text[i]);
    plx_status st = PLX_OK;
    if (!ok && ps->nomem)
        st = plx_fail(ctx, PLX_ENOMEM, "%s: out of memory reading XML", what);
    else if (!ok)
        st = plx_fail(ctx, PLX_EPROTOCOL, "%s: malformed XML: %s at byte %zu", what, ps->err,
                      ps->err_at);
    free(ps);
    if (st != PLX_OK) {
        plx_xml_free(x);
        return st;
    }
    *out = x;
    return PLX_OK;
}

/* ---- reading the tree ---- */

static const xml_el *el_of(const plx_xml *x, int el)
{
    return x && el >= 0 && (size_t)el < x->count ? &x->els[el] : NULL;
}

int plx_xml_root(const plx_xml *x)
{
    return x && x->count ? 0 : -1;
}

const char *plx_xml_name(const plx_xml *x, int el)
{
    const xml_el *e = el_of(x, el);
    return e ? x->arena.data + e->local : "";
}

static int matching(const plx_xml *x, int el, const char *name)
{
    for (const xml_el *e; (e = el_of(x, el)); el = e->next)
        if (!name || strcmp(x->arena.data + e->local, name) == 0)
            return el;
    return -1;
}

int plx_xml_child(const plx_xml *x, int el, const char *name)
{
    const xml_el *e = el_of(x, el);
    return e ? matching(x, e->first, name) : -1;
}

int plx_xml_next(const plx_xml *x, int el, const char *name)
{
    const xml_el *e = el_of(x, el);
    return e ? matching(x, e->next, name) : -1;
}

const char *plx_xml_text(const plx_xml *x, int el, size_t *len)
{
    const xml_el *e = el_of(x, el);
    if (len)
        *len = e ? e->text_len : 0;
    return e ? x->arena.data + e->text : "";
}

const char *plx_xml_child_text(const plx_xml *x, int el, const char *name, size_t *len)
{
    int child = plx_xml_child(x, el, name);
    if (len)
        *len = 0;
    return child < 0 ? NULL : plx_xml_text(x, child, len);
}
