/* Mail end to end: an mbox and a Maildir written by the test, indexed and
 * asked for through `query`: each message a document titled by its
 * Subject, its body's paragraphs as passages (quoted replies and the
 * signature left out), its attachments as documents of their own, and the
 * from:, to:, subject:, date: and id: filters; damaged messages skipped
 * with one warning while the rest is indexed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cmocka_noreturn.h"

#include "test_indexer_util.h"

static int setup(void **state)
{
    return ix_setup(state);
}

static int teardown(void **state)
{
    return cli_teardown(state);
}

static const char mbox[] =
    "From alice@example.org Mon Mar  4 10:00:00 2024\n"
    "From: Alice Liddell <alice@example.org>\n"
    "To: Bob Builder <bob@example.org>\n"
    "Cc: carol@example.net\n"
    "Subject: Rabbit warren survey\n"
    "Date: Mon, 4 Mar 2024 10:00:00 +0100\n"
    "Message-ID: <survey-1@example.org>\n"
    "\n"
    "Bob, the survey of the rabbit warren is finished. We counted forty\n"
    "burrows along the northern hedge, most of them recently dug.\n"
    "\n"
    "On Sunday, Bob Builder wrote:\n"
    "> Could you count the badgers tomorrow morning?\n"
    "> Thanks\n"
    "\n"
    "The southern meadow is still to be walked.\n"
    "\n"
    "-- \n"
    "Alice Liddell, Wonderland Survey Office, telephone extension 42\n"
    "\n"
    "From bob@example.org Tue Mar  5 11:00:00 2024\n"
    "From: Bob Builder <bob@example.org>\n"
    "To: Alice Liddell <alice@example.org>\n"
    "Subject: Re: Rabbit warren survey\n"
    "Date: Tue, 5 Mar 2024 11:00:00 +0000\n"
    "Message-ID: <survey-2@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"ALT\"\n"
    "\n"
    "--ALT\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>The html copy of this message.</p>\n"
    "--ALT\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Gr=FC=DFe! The excavator arrives on Thursday to fill the abandoned\n"
    "burrows.\n"
    "--ALT--\n"
    "\n"
    "From carol@example.net Wed Mar  6 09:30:00 2024\n"
    "From: Carol Marsh <carol@example.net>\n"
    "To: Alice Liddell <alice@example.org>\n"
    "Subject: Minutes of the parish meeting\n"
    "Date: Wed, 6 Mar 2024 09:30:00 +0000\n"
    "Message-ID: <minutes@example.net>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"MIX\"\n"
    "\n"
    "--MIX\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<html><body><p>The <b>minutes</b> are attached, with the map of the "
    "allotments.</p></body></html>\n"
    "--MIX\n"
    "Content-Type: text/markdown; charset=utf-8\n"
    "Content-Disposition: attachment; filename=\"minutes.md\"\n"
    "\n"
    "# Parish meeting\n"
    "\n"
    "The council agreed to repair the footbridge over the millstream "
    "before the spring floods.\n"
    "--MIX\n"
    "Content-Type: image/png\n"
    "Content-Disposition: attachment; filename=\"map.png\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n"
    "--MIX--\n";

static const cJSON *only_hit(const cJSON *answer)
{
    assert_int_equal(cJSON_GetArraySize(hits_of(answer)), 1);
    return cJSON_GetArrayItem(hits_of(answer), 0);
}

/* Each message of an mbox is a document: its Subject the title, its
 * addresses, date and Message-ID stored with its passages. */
static void test_mbox(void **state)
{
    (void)state;
    put_file("mail/survey.mbox", mbox);
    char *idx = tmp_file("mbox.idx"), *box = tmp_file("mail/survey.mbox");
    cJSON *j = index_json(0, idx, box, (char *)NULL);
    expect_files(j, 1, 0, 0, 0, 0);
    /* The two paragraphs of the first message, one of the second, one of
     * the third, and the attachment's paragraph (its heading is its
     * title). */
    assert_int_equal((int)json_num(j, "passages"), 5);
    /* The quotation and the signature. */
    assert_int_equal((int)json_num(j, "dropped"), 2);
    cJSON_Delete(j);

    cJSON *a = query_json(0, idx, "hedge", (char *)NULL);
    const cJSON *h = only_hit(a);
    assert_string_equal(str_field(h, "text"),
                        "Bob, the survey of the rabbit warren is finished. We "
                        "counted forty burrows along the northern hedge, most "
                        "of them recently dug.");
    assert_string_equal(str_field(h, "title"), "Rabbit warren survey");
    assert_string_equal(str_field(h, "from"),
                        "Alice Liddell <alice@example.org>");
    assert_string_equal(str_field(h, "to"),
                        "Bob Builder <bob@example.org>, carol@example.net");
    assert_string_equal(str_field(h, "date"), "2024-03-04T10:00:00+01:00");
    assert_string_equal(str_field(h, "id"), "survey-1@example.org");
    cJSON_Delete(a);

    /* Of alternatives, the plain text, decoded to UTF-8. */
    a = query_json(0, idx, "excavator", (char *)NULL);
    h = only_hit(a);
    assert_string_equal(str_field(h, "text"),
                        "Gr\u00fc\u00dfe! The excavator arrives on Thursday "
                        "to fill the abandoned burrows.");
    assert_string_equal(str_field(h, "title"), "Re: Rabbit warren survey");
    cJSON_Delete(a);
    a = query_json(1, idx, "copy", (char *)NULL);
    cJSON_Delete(a);

    /* Quoted replies and the signature are not indexed. */
    a = query_json(1, idx, "badgers", (char *)NULL);
    cJSON_Delete(a);
    a = query_json(1, idx, "telephone", (char *)NULL);
    cJSON_Delete(a);
    a = query_json(0, idx, "meadow", (char *)NULL);
    cJSON_Delete(a);

    /* An HTML body is read as HTML; a Markdown attachment is a document of
     * its own, after the message, with the message's addresses. */
    a = query_json(0, idx, "allotments", (char *)NULL);
    h = only_hit(a);
    assert_string_equal(
        str_field(h, "text"),
        "The minutes are attached, with the map of the allotments.");
    assert_string_equal(str_field(h, "title"), "Minutes of the parish meeting");
    cJSON_Delete(a);
    a = query_json(0, idx, "footbridge", (char *)NULL);
    h = only_hit(a);
    assert_string_equal(str_field(h, "title"), "Parish meeting");
    assert_string_equal(str_field(h, "from"),
                        "Carol Marsh <carol@example.net>");
    assert_string_equal(str_field(h, "id"), "minutes@example.net");
    cJSON_Delete(a);

    /* The filters: they select, as source: and date: do. */
    static const struct {
        const char *filter;
        int hits; /* of "burrows" */
    } filters[] = {
        {"from:alice", 1},
        {"from:bob@example.org", 1},
        {"from:carol", 0},
        {"to:carol@example.net", 1},
        {"to:alice", 1},
        {"subject:re", 1},
        {"subject:survey", 2},
        {"subject:minutes", 0},
        {"date:2024-03-05..2024-03-06", 1},
        {"id:survey-1@example.org", 1},
    };
    for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
        a = query_json(filters[i].hits ? 0 : 1, idx, "burrows",
                       filters[i].filter, (char *)NULL);
        if (cJSON_GetArraySize(hits_of(a)) != filters[i].hits)
            fail_msg("burrows %s: %d hits, not %d", filters[i].filter,
                     cJSON_GetArraySize(hits_of(a)), filters[i].hits);
        cJSON_Delete(a);
    }
    a = query_json(0, idx, "from:alice", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
    cJSON_Delete(a);

    /* The human output says from whom and when. */
    run_result_t r = run(QUERY, "-d", idx, "excavator", (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "survey.mbox:3  "));
    assert_non_null(strstr(r.out, "   Re: Rabbit warren survey\n   from Bob "
                                  "Builder <bob@example.org>, "
                                  "2024-03-05T11:00:00+00:00\n"));
    run_free(&r);
    /* Documents that are not mail have no such fields. */
    put_file("mail/note.txt", "A note about the burrows of the old warren "
                              "that is not a mail.\n");
    char *note = tmp_file("mail/note.txt");
    j = index_json(0, idx, note, (char *)NULL);
    cJSON_Delete(j);
    a = query_json(0, idx, "note", (char *)NULL);
    h = only_hit(a);
    assert_null(cJSON_GetObjectItemCaseSensitive(h, "from"));
    assert_null(cJSON_GetObjectItemCaseSensitive(h, "date"));
    cJSON_Delete(a);
    free(note);

    /* Unchanged, it is not read again. */
    j = index_json(0, idx, box, (char *)NULL);
    expect_files(j, 0, 0, 0, 1, 0);
    cJSON_Delete(j);
    free(box);
    free(idx);
}

static void put_message(const char *rel, const char *from, const char *subject,
                        const char *date, const char *body)
{
    char text[4096];
    snprintf(text, sizeof text,
             "Return-Path: <%s>\n"
             "From: %s\n"
             "To: archive@example.org\n"
             "Subject: %s\n"
             "Date: %s\n"
             "Message-ID: <%s@example.org>\n"
             "\n"
             "%s\n",
             from, from, subject, date, subject, body);
    put_file(rel, text);
}

/* A Maildir's messages, in cur/ and new/ with the names mail programs give
 * them; a damaged one is skipped with one warning, and so is a file named
 * as a mailbox that holds none; a vanished message is removed. */
static void test_maildir(void **state)
{
    (void)state;
    put_message("Maildir/cur/1709550000.M1P100.host:2,S", "dora@example.org",
                "Lantern festival", "Sat, 2 Mar 2024 18:00:00 +0000",
                "The lantern festival moves to the harbour this year, with\n"
                "the procession starting at the old customs house.");
    put_message("Maildir/new/1709560000.M2P200.host", "ezra@example.org",
                "Ferry timetable", "Sun, 3 Mar 2024 08:15:00 +0000",
                "The winter ferry timetable ends on Friday; the first summer "
                "crossing leaves at seven.");
    put_bytes("Maildir/new/1709570000.M3P300.host", "\x01\x02\xff\xfe\x00junk",
              9);
    put_file("Maildir/tmp/.keep", "");
    put_file("other/empty.mbox", "Nothing in this file is mail at all.\n");
    char *idx = tmp_file("maildir.idx"), *dir = tmp_file("Maildir"),
         *other = tmp_file("other/empty.mbox");
    run_result_t r =
        run(INDEXER, "-d", idx, "--json", dir, other, (char *)NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(stderr_lines(r.err), 2);
    assert_non_null(strstr(r.err, "1709570000.M3P300.host: not a mail message "
                                  "or mbox, skipped"));
    assert_non_null(
        strstr(r.err, "empty.mbox: not a mail message or mbox, skipped"));
    cJSON *j = cJSON_Parse(r.out);
    expect_files(j, 2, 0, 0, 0, 2);
    cJSON_Delete(j);
    run_free(&r);

    cJSON *a = query_json(0, idx, "lantern", (char *)NULL);
    const cJSON *h = only_hit(a);
    assert_string_equal(str_field(h, "title"), "Lantern festival");
    assert_string_equal(str_field(h, "from"), "dora@example.org");
    assert_string_equal(str_field(h, "to"), "archive@example.org");
    assert_string_equal(str_field(h, "date"), "2024-03-02T18:00:00+00:00");
    cJSON_Delete(a);
    a = query_json(0, idx, "crossing", "from:ezra", (char *)NULL);
    assert_string_equal(str_field(only_hit(a), "title"), "Ferry timetable");
    cJSON_Delete(a);

    remove_file("Maildir/new/1709560000.M2P200.host");
    j = index_json(0, idx, dir, (char *)NULL);
    expect_files(j, 0, 0, 1, 2, 0); /* the damaged one: skipped until it
                                       changes */
    cJSON_Delete(j);
    a = query_json(1, idx, "crossing", (char *)NULL);
    cJSON_Delete(a);
    free(other);
    free(dir);
    free(idx);
}

/* Files without an extension are read as mail when their content is: an
 * mbox (a "From " line, then headers) and a message. A mailbox cut short
 * keeps the messages before the cut. */
static void test_sniffed_and_cut(void **state)
{
    (void)state;
    put_file("sniffed/Inbox", mbox);
    char *msg = tmp_file("sniffed/letter");
    put_message("sniffed/letter", "fay@example.org", "Orchard pruning",
                "Thu, 7 Mar 2024 12:00:00 +0000",
                "The orchard pruning starts next week with the old pear "
                "trees by the wall.");
    /* Cut inside the third message's headers. */
    const char *third = strstr(mbox, "From carol@");
    put_bytes("sniffed/cut.mbox", mbox, (size_t)(third - mbox) + 80);
    char *idx = tmp_file("sniffed.idx"), *dir = tmp_file("sniffed");
    cJSON *j = index_json(0, idx, dir, (char *)NULL);
    expect_files(j, 3, 0, 0, 0, 0);
    cJSON_Delete(j);
    cJSON *a = query_json(0, idx, "pear", (char *)NULL);
    assert_string_equal(str_field(only_hit(a), "title"), "Orchard pruning");
    cJSON_Delete(a);
    a = query_json(0, idx, "excavator", (char *)NULL);
    assert_int_equal(cJSON_GetArraySize(hits_of(a)), 2);
    cJSON_Delete(a);
    a = query_json(0, idx, "footbridge", (char *)NULL);
    assert_non_null(strstr(str_field(only_hit(a), "source"), "Inbox"));
    cJSON_Delete(a);
    free(msg);
    free(dir);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbox),
        cmocka_unit_test(test_maildir),
        cmocka_unit_test(test_sniffed_and_cut),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
