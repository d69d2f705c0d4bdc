/* The strict XML reader of the s3 kind (lib/providers/s3_xml.c): trees of
 * well-formed documents, entities, CDATA, line ends, namespaces; and every
 * kind of malformation is PLX_EPROTOCOL with a reason, never a crash. */
#include "../tap.h"
#include "providers/s3_xml.h"

#include <stdlib.h>
#include <string.h>

static plx_ctx *ctx;

static plx_xml *parse_ok(const char *doc)
{
    plx_xml *x = NULL;
    plx_status st = plx_xml_parse(ctx, "doc", doc, strlen(doc), &x);
    if (st != PLX_OK)
        fprintf(stderr, "parse of %s: %s\n", doc, plx_errmsg(ctx));
    CHECK_INT(st, PLX_OK);
    return x;
}

static void test_tree(void)
{
    plx_xml *x = parse_ok(
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- a listing -->\n"
        "<s3:ListBucketResult xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\" a='1'>\n"
        "  <Name>bucket</Name>\n"
        "  <Contents><Key>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</Key><Size>3</Size>"
        "</Contents>\n"
        "  <Contents><Key>&#233;&#x20AC;&#x1F600;</Key><Size>4</Size></Contents>\n"
        "  <Empty/><Empty></Empty>\n"
        "  <Mixed>one<b>two</b>three<![CDATA[<four & five>]]></Mixed>\n"
        "  <?pi stuff?>\n"
        "</s3:ListBucketResult>\n<!-- end -->\n");
    int root = plx_xml_root(x);
    CHECK_STR(plx_xml_name(x, root), "ListBucketResult");
    CHECK_STR(plx_xml_child_text(x, root, "Name", NULL), "bucket");
    int c = plx_xml_child(x, root, "Contents");
    CHECK_STR(plx_xml_child_text(x, c, "Key", NULL), "a & b <c> \"d\" 'e'");
    c = plx_xml_next(x, c, "Contents");
    CHECK_STR(plx_xml_child_text(x, c, "Key", NULL), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    CHECK_STR(plx_xml_child_text(x, c, "Size", NULL), "4");
    CHECK_INT(plx_xml_next(x, c, "Contents"), -1);
    int e = plx_xml_child(x, root, "Empty");
    size_t len = 99;
    CHECK_STR(plx_xml_text(x, e, &len), "");
    CHECK_INT(len, 0);
    CHECK(plx_xml_next(x, e, "Empty") >= 0);
    int m = plx_xml_child(x, root, "Mixed");
    CHECK_STR(plx_xml_text(x, m, NULL), "onethree<four & five>");
    CHECK_STR(plx_xml_child_text(x, m, "b", NULL), "two");
    CHECK(plx_xml_child_text(x, root, "Missing", NULL) == NULL);
    /* any child, in order */
    CHECK_STR(plx_xml_name(x, plx_xml_child(x, root, NULL)), "Name");
    /* -1 everywhere is harmless */
    CHECK_STR(plx_xml_name(x, -1), "");
    CHECK_STR(plx_xml_text(x, -1, &len), "");
    CHECK_INT(plx_xml_child(x, -1, NULL), -1);
    CHECK_INT(plx_xml_next(x, 12345, NULL), -1);
    plx_xml_free(x);
}

static void test_line_ends(void)
{
    plx_xml *x = parse_ok("<a>one\r\ntwo\rthree\n<![CDATA[x\r\ny]]></a>");
    CHECK_STR(plx_xml_text(x, plx_xml_root(x), NULL), "one\ntwo\nthree\nx\ny");
    plx_xml_free(x);
    x = parse_ok("<a\r\n  b = \"1\"\t></a >");
    CHECK_STR(plx_xml_name(x, 0), "a");
    plx_xml_free(x);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "", "   \n", "<a>", "<a></b>", "<a><b></a></b>", "<a/><b/>", "text<a/>",
        "<a/>text", "<a>&unknown;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#x110000;</a>",
        "<a>&#99999999999999999999;</a>", "<a>&amp</a>", "<a>& b</a>", "<a>&;</a>", "<a>&#;</a>",
        "<a>&#x;</a>", "<a>&#12a;</a>", "<a x=1/>", "<a x='1'y='2'/>", "<a x=\"<\"/>",
        "<a x=\"1/>", "<a x/>", "<!DOCTYPE a><a/>", "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        "<a><!DOCTYPE b></a>", "<a><!-- -- --></a>", "<a><!-- x ---></a>", "<a><!-- x</a>",
        "<a><![CDATA[x</a>", "<a>]]></a>", "<?xml version='1.0' encoding='latin1'?><a/>",
        "<?xml version='1.0' encoding=latin1?><a/>", "<a/><?xml version='1.0'?>",
        "<a><?xml x?></a>", "\xff<a/>", "<a>\xc3</a>", "<a>\x01</a>", "<1a/>", "< a/>", "<a",
        "<a b", "<a b=", "<a b='", "</a>", "<a></", "<a></a", "<a><b/></a", "<?pi", "<?",
        "<!-- x", "<a><!x></a>", "<a/>\x00", "<a:b></a:c>", "<ab></a>", "<a></ab>",
        "<:/>", "<a:/>", "<:a/>", "<a:b:c/>", "<a :b='1'/>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        plx_xml *x = (plx_xml *)1;
        size_t len = strlen(bad[i]);
        if (strcmp(bad[i], "<a/>\x00") == 0)
            len = 5;
        plx_status st = plx_xml_parse(ctx, "reply", bad[i], len, &x);
        if (st != PLX_EPROTOCOL)
            fprintf(stderr, "accepted or wrong status %d: %s\n", st, bad[i]);
        CHECK_INT(st, PLX_EPROTOCOL);
        CHECK(x == NULL);
        CHECK_CONTAINS(plx_errmsg(ctx), "reply: malformed XML: ");
        CHECK_CONTAINS(plx_errmsg(ctx), " at byte ");
    }
    plx_xml *x = NULL;
    CHECK_INT(plx_xml_parse(ctx, "reply", "<a>&bogus;</a>", 14, &x), PLX_EPROTOCOL);
    CHECK_STR(plx_errmsg(ctx), "reply: malformed XML: unknown entity at byte 3");
    CHECK_INT(plx_xml_parse(ctx, "reply", NULL, 0, &x), PLX_EPROTOCOL);
}

static void test_limits(void)
{
    plx_buf b = {0};
    for (int i = 0; i < PLX_XML_MAX_DEPTH; i++)
        plx_buf_append_str(&b, "<d>");
    for (int i = 0; i < PLX_XML_MAX_DEPTH; i++)
        plx_buf_append_str(&b, "</d>");
    plx_xml *x = NULL;
    CHECK_INT(plx_xml_parse(ctx, "deep", b.data, b.len, &x), PLX_OK);
    plx_xml_free(x);
    plx_buf_reset(&b);
    for (int i = 0; i <= PLX_XML_MAX_DEPTH; i++)
        plx_buf_append_str(&b, "<d>");
    CHECK_INT(plx_xml_parse(ctx, "deep", b.data, b.len, &x), PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "nested deeper than 64");
    plx_buf_reset(&b);
    plx_buf_append_str(&b, "<r>");
    for (int i = 0; i < PLX_XML_MAX_ELEMENTS; i++)
        plx_buf_append_str(&b, "<a/>");
    plx_buf_append_str(&b, "</r>");
    CHECK_INT(plx_xml_parse(ctx, "wide", b.data, b.len, &x), PLX_EPROTOCOL);
    CHECK_CONTAINS(plx_errmsg(ctx), "more than 200000 elements");
    /* a long name */
    plx_buf_reset(&b);
    plx_buf_append_str(&b, "<");
    for (int i = 0; i < 300; i++)
        plx_buf_append_str(&b, "n");
    plx_buf_append_str(&b, "/>");
    CHECK_INT(plx_xml_parse(ctx, "long", b.data, b.len, &x), PLX_EPROTOCOL);
    plx_buf_free(&b);
}

/* Every prefix of a valid document is malformed, never a crash. */
static void test_truncations(void)
{
    const char *doc = "<?xml version=\"1.0\"?><R a=\"&amp;\"><K>x&#65;y</K><![CDATA[z]]>"
                      "<!-- c --><E/></R>";
    size_t n = strlen(doc);
    for (size_t i = 0; i < n; i++) {
        plx_xml *x = NULL;
        CHECK_INT(plx_xml_parse(ctx, "cut", doc, i, &x), PLX_EPROTOCOL);
        CHECK(x == NULL);
    }
    plx_xml *x = parse_ok(doc);
    CHECK_STR(plx_xml_child_text(x, 0, "K", NULL), "xAy");
    plx_xml_free(x);
}

static void test_setup(void)
{
    CHECK_INT(plx_ctx_new(&ctx, "{\"log_level\":\"error\"}"), PLX_OK);
}

static void test_teardown(void)
{
    plx_ctx_free(ctx);
}

TEST_MAIN(test_setup, test_tree, test_line_ends, test_malformed, test_limits, test_truncations,
          test_teardown)
