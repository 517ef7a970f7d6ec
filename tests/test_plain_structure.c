/* The structure of real plain text: the title and some section headings
 * of RFCs, README files and manual pages, written by hand from reading
 * each file, against what qy_split_plain makes of it. The files are read
 * at test time; those absent are left out, and the test is skipped when
 * fewer than half are there. At least 95% must be right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_noreturn.h"

#include "quarry/passage.h"

#define MAX_SECTIONS 3

typedef struct expect {
    const char *file; /* under the data directory ("rfc-sample/..."), an
                         absolute path, or "man:PAGE" for `man -P cat` */
    const char *title;
    const char *sections[MAX_SECTIONS]; /* headings some passage stands in */
} expect_t;

static const expect_t table[] = {
    {"rfc-sample/rfc1110.txt",
     "A Problem with the TCP Big Window Option",
     {"Status of this Memo", "Abstract"}},
    {"rfc-sample/rfc1179.txt",
     "Line Printer Daemon Protocol",
     {"Status of this Memo", "1. Introduction"}},
    {"rfc-sample/rfc1375.txt",
     "Suggestion for New Classes of IP Addresses",
     {"Status of this Memo", "Abstract"}},
    {"rfc-sample/rfc1404.txt",
     "A Model for Common Operational Statistics",
     {"Status of the Memo", "1. Introduction"}},
    {"rfc-sample/rfc1547.txt",
     "Requirements for an Internet Standard Point-to-Point Protocol",
     {"Status of this Memo", "1.1 Definitions of Terms"}},
    {"rfc-sample/rfc1634.txt",
     "Novell IPX Over Various WAN Media (IPXWAN)",
     {"Status of this Memo", "1.1 Operation Over PPP"}},
    {"rfc-sample/rfc1709.txt",
     "K-12 Internetworking Guidelines",
     {"Status Of This Memo", "1.2 Premise wiring"}},
    {"rfc-sample/rfc2002.txt",
     "IP Mobility Support",
     {"Status of this Memo", "1.2. Goals"}},
    {"rfc-sample/rfc2014.txt",
     "IRTF Research Group Guidelines and Procedures",
     {"Status of this Memo", "1.1. IRTF approach"}},
    {"rfc-sample/rfc2086.txt",
     "IMAP4 ACL extension",
     {"Status of this Memo", "4.1. SETACL"}},
    {"rfc-sample/rfc2138.txt",
     "Remote Authentication Dial In User Service (RADIUS)",
     {"1.1. Specification of Requirements"}},
    {"rfc-sample/rfc2196.txt",
     "Site Security Handbook",
     {"Status of this Memo"}},
    {"rfc-sample/rfc2187.txt",
     "Application of Internet Cache Protocol (ICP), version 2",
     {"Status of this Memo", "1. Introduction"}},
    {"rfc-sample/rfc2351.txt",
     "Mapping of Airline Reservation, Ticketing, and Messaging Traffic over IP",
     {"Status of this Memo", "1. Introduction", "2. Terminology & Acronyms"}},
    {"rfc-sample/rfc2405.txt",
     "The ESP DES-CBC Cipher Algorithm With Explicit IV",
     {"Status of this Memo", "1. Introduction"}},
    {"rfc-sample/rfc2506.txt",
     "Media Feature Tag Registration Procedure",
     {"2.1 Media feature tag purpose"}},
    {"rfc-sample/rfc2605.txt",
     "Directory Server Monitoring MIB",
     {"Status of this Memo", "1. The SNMP Network Management Framework"}},
    {"rfc-sample/rfc2653.txt", "CIP Transport Protocols", {"1.1 Philosophy"}},
    {"rfc-sample/rfc2683.txt",
     "IMAP4 Implementation Recommendations",
     {"Status of this Memo", "2. Conventions used in this document"}},
    {"rfc-sample/rfc2721.txt",
     "RTFM: Applicability Statement",
     {"Status of this Memo"}},
    {"rfc-sample/rfc2772.txt",
     "6Bone Backbone Routing Guidelines",
     {"Status of this Memo", "2. Scope of this document"}},
    {"rfc-sample/rfc2820.txt",
     "Access Control Requirements for LDAP",
     {"1. Introduction", "2. Objectives"}},
    {"rfc-sample/rfc3014.txt",
     "Notification Log MIB",
     {"Status of this Memo", "1. The SNMP Management Framework"}},
    {"rfc-sample/rfc3054.txt",
     "Megaco IP Phone Media Gateway Application Profile",
     {"1. Introduction"}},
    {"rfc-sample/rfc3128.txt",
     "Protection Against a Variant of the Tiny Fragment Attack",
     {"Status of this Memo", "1.1 The scope of the attack"}},
    {"rfc-sample/rfc3290.txt",
     "An Informal Management Model for Diffserv Routers",
     {"1. Introduction", "2. Glossary"}},
    {"rfc-sample/rfc3309.txt",
     "Stream Control Transmission Protocol (SCTP) Checksum Change",
     {"1.1 Conventions"}},
    {"rfc-sample/rfc3431.txt",
     "Sieve Extension: Relational Tests",
     {"Status of this Memo", "4.1 Match Type Value"}},
    {"rfc-sample/rfc3509.txt",
     "Alternative Implementations of OSPF Area Border Routers",
     {"1.1 Introduction", "1.2 Motivation"}},
    {"rfc-sample/rfc3704.txt",
     "Ingress Filtering for Multihomed Networks",
     {"Status of this Memo", "1. Introduction"}},
    {"rfc-sample/rfc3961.txt",
     "Encryption and Checksum Specifications for Kerberos 5",
     {"Status of This Memo", "1. Introduction"}},
    {"rfc-sample/rfc3965.txt",
     "A Simple Mode of Facsimile Using Internet Mail",
     {"1.1. Services"}},
    {"rfc-sample/rfc4151.txt",
     "The 'tag' URI Scheme",
     {"Status of this Memo", "1. Introduction"}},
    {"rfc-sample/rfc4589.txt",
     "Location Types Registry",
     {"1. Introduction", "2. Terminology"}},
    {"rfc-sample/rfc5241.txt",
     "Naming Rights in IETF Protocols",
     {"1. Introduction", "2. Revenue Needs"}},
    {"rfc-sample/rfc6150.txt",
     "MD4 to Historic Status",
     {"1. Introduction", "2. Rationale"}},
    {"/usr/share/doc/base-passwd/README", "base-passwd for Debian", {NULL}},
    {"/usr/share/doc/dbus/README.Debian",
     "Adjusting limits to mitigate denial of service",
     {NULL}},
    {"/usr/share/doc/fakeroot/README", NULL, {"Portability Notes"}},
    {"man:ls", "ls - list directory contents", {"DESCRIPTION", "AUTHOR"}},
    {"man:cp", "cp - copy files and directories", {"DESCRIPTION", "AUTHOR"}},
    {"man:mv", "mv - move (rename) files", {"DESCRIPTION", "AUTHOR"}},
    {"man:cat",
     "cat - concatenate files and print on the standard output",
     {"DESCRIPTION", "EXAMPLES"}},
    {"man:tar", "tar - an archiving utility", {"DESCRIPTION"}},
};

/* The bytes of FP, read to the end; NULL when there are none. */
static char *slurp(FILE *fp, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += r;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (buf && n == 0) {
        free(buf);
        buf = NULL;
    }
    *len = n;
    return buf;
}

static char *read_input(const char *file, size_t *len)
{
    char path[4096];
    FILE *fp;
    char *buf;
    if (strncmp(file, "man:", 4) == 0) {
        snprintf(path, sizeof path, "MANWIDTH=80 man -P cat %s 2>/dev/null",
                 file + 4);
        if (!(fp = popen(path, "r")))
            return NULL;
        buf = slurp(fp, len);
        pclose(fp);
        return buf;
    }
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/%s", QUARRY_DATA_DIR, file);
    if (!(fp = fopen(path, "rb")))
        return NULL;
    buf = slurp(fp, len);
    fclose(fp);
    return buf;
}

static int has_section(const qy_article_t *a, const char *heading)
{
    for (size_t i = 0; i < a->count; i++)
        if (a->passages[i].title && strcmp(a->passages[i].title, heading) == 0)
            return 1;
    return 0;
}

static void test_real_files(void **state)
{
    (void)state;
    size_t n = sizeof table / sizeof *table, read = 0, right = 0;
    for (size_t i = 0; i < n; i++) {
        const expect_t *e = &table[i];
        size_t len;
        char *buf = read_input(e->file, &len);
        if (!buf)
            continue;
        read++;
        qy_article_t a;
        assert_int_equal(qy_split_plain(buf, len, &a), QY_OK);
        int ok = !e->title || strcmp(a.title, e->title) == 0;
        if (!ok)
            print_message("%s: title \"%s\", expected \"%s\"\n", e->file,
                          a.title, e->title);
        for (size_t k = 0; k < MAX_SECTIONS && e->sections[k]; k++)
            if (!has_section(&a, e->sections[k])) {
                print_message("%s: no passage under \"%s\"\n", e->file,
                              e->sections[k]);
                ok = 0;
            }
        right += ok;
        qy_article_free(&a);
        free(buf);
    }
    if (read < n / 2) {
        print_message("only %zu of %zu files are here: skipped\n", read, n);
        skip();
    }
    print_message("%zu of %zu files right\n", right, read);
    assert_true(right * 100 >= read * 95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
