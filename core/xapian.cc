// The C shim over libxapian: the only place that includes <xapian.h>.
//
// Every extern "C" function catches every exception; status_from_exception()
// is the single place that decides which qy_status_t an exception becomes.

#include "quarry/xdb.h"
#include "quarry/schema.h"

#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct qy_db {
    // For a writer, db shares wdb's backend, so every read goes through db
    // whichever way the index was opened.
    Xapian::Database db;
    Xapian::WritableDatabase wdb;
    bool writable = false;
    std::string error;
    std::string name; // the path(s) it was opened with, for messages
    // A reader's paths, and the directories they named when it opened
    // them (a bulk load swaps another directory in).
    std::vector<std::string> paths;
    std::vector<std::pair<dev_t, ino_t>> dirs;
    // A reader's shards, each on its own (what db combines), and whether
    // each is served by xapian-tcpsrv: Xapian reads metadata from the first
    // shard only, and a remote one has no synonym or spelling table.
    std::vector<Xapian::Database> shards;
    std::vector<bool> remote;
    // A single local index is searched on several threads, each over a
    // range of docids through a handle of its own (Xapian's handles are
    // not shared between threads): local is its path, twins the handles
    // of the threads beyond the caller's, opened at the first such search.
    std::string local;
    std::vector<Xapian::Database> twins;
    unsigned threads = 0; // as asked: 0 is one per core
    unsigned parallel_min_docs = QY_PARALLEL_MIN_DOCS;
};

struct qy_doc {
    Xapian::Document doc;
};

struct qy_query {
    Xapian::Query query;
};

struct qy_mset {
    struct hit {
        Xapian::docid docid;
        double weight;
        std::string data;
    };
    std::vector<hit> hits;
    Xapian::doccount matches_estimated = 0;
    bool exact = false; // matches_estimated is the exact, uncollapsed count
    unsigned threads = 1;
};

namespace
{

// Reopening is cheap, but a writer committing in a tight loop could starve
// a reader forever; after this many retries the caller hears QY_MODIFIED.
const int MAX_MODIFIED_RETRIES = 5;
// Opening while a writer commits can fail the same way, or with
// DatabaseCorruptError halfway through; see open_one_for_reading().
const int MAX_OPEN_RETRIES = 10;

// Glass marks its directories with this file; its presence is how an
// existing index is told apart from an unrelated directory.
const char GLASS_MARKER[] = "iamglass";

// Assigning a message may itself run out of memory; the status matters more
// than the text, so a failed assignment leaves the message empty.
void set_message(std::string *dst, const char *msg) noexcept
{
    if (dst == nullptr)
        return;
    try {
        dst->assign(msg);
    } catch (...) {
        dst->clear();
    }
}

void set_message(std::string *dst, const Xapian::Error &e) noexcept
{
    if (dst == nullptr)
        return;
    try {
        dst->assign(e.get_description());
    } catch (...) {
        dst->clear();
    }
}

// Must be called from inside a catch block. The most derived classes come
// first: DatabaseNotFoundError and DatabaseVersionError are
// DatabaseOpeningErrors, NetworkTimeoutError is a NetworkError.
qy_status_t status_from_exception(std::string *msg) noexcept
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        set_message(msg, e);
        return QY_LOCKED;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        set_message(msg, e);
        return QY_NOT_FOUND;
    } catch (const Xapian::DatabaseVersionError &e) {
        set_message(msg, e);
        return QY_VERSION;
    } catch (const Xapian::DatabaseCorruptError &e) {
        set_message(msg, e);
        return QY_CORRUPT;
    } catch (const Xapian::DatabaseOpeningError &e) {
        set_message(msg, e);
        return QY_OPENING;
    } catch (const Xapian::DatabaseCreateError &e) {
        set_message(msg, e);
        return QY_OPENING;
    } catch (const Xapian::DatabaseModifiedError &e) {
        set_message(msg, e);
        return QY_MODIFIED;
    } catch (const Xapian::NetworkError &e) {
        set_message(msg, e);
        return QY_NETWORK;
    } catch (const Xapian::InvalidArgumentError &e) {
        set_message(msg, e);
        return QY_INVALID;
    } catch (const Xapian::Error &e) {
        set_message(msg, e);
        return QY_XAPIAN;
    } catch (const std::bad_alloc &) {
        set_message(msg, "out of memory");
        return QY_NOMEM;
    } catch (const std::exception &e) {
        set_message(msg, e.what());
        return QY_INTERNAL;
    } catch (...) {
        set_message(msg, "unknown exception");
        return QY_INTERNAL;
    }
}

void reopen_reader(qy_db_t *db);

// Runs BODY, reopening a reader and running it again when a writer's
// commits have discarded the revision it was reading.
template <typename F> qy_status_t read_retrying(qy_db_t *db, F body)
{
    try {
        for (int attempt = 0;; attempt++) {
            try {
                body();
                return QY_OK;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (db->writable || attempt >= MAX_MODIFIED_RETRIES)
                    throw;
                reopen_reader(db);
            }
        }
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t fail(qy_db_t *db, qy_status_t status, const char *msg) noexcept
{
    set_message(&db->error, msg);
    return status;
}

bool term_ok(const char *term, size_t len) noexcept
{
    return term != nullptr && len > 0 && len <= QY_MAX_TERM_BYTES;
}

const char BAD_TERM[] = "term is empty or longer than 245 bytes";

// Callers print open errors on one line; Xapian descriptions usually are,
// but an errno string or a path could still carry a line break.
void one_line(std::string &s) noexcept
{
    for (char &c : s)
        if (c == '\n' || c == '\r')
            c = ' ';
}

// Hands a message to the C caller of an open function. A failed strdup
// leaves *error NULL, which the contract allows for out-of-memory.
void report_open_error(char **error, std::string msg) noexcept
{
    if (error == nullptr)
        return;
    one_line(msg);
    *error = strdup(msg.c_str());
}

// Must be called from inside a catch block: the exception's status, with
// its description (after PREFIX, when given) reported in *ERROR.
qy_status_t report_exception(char **error,
                             const char *prefix = nullptr) noexcept
{
    std::string desc;
    const qy_status_t status = status_from_exception(&desc);
    try {
        if (prefix != nullptr)
            desc.insert(0, prefix);
    } catch (...) { // out of memory: the description alone
    }
    report_open_error(error, std::move(desc));
    return status;
}

struct open_failure {
    qy_status_t status;
    std::string message;
};

// WHY reported in *ERROR: its status.
qy_status_t reported(char **error, open_failure &why) noexcept
{
    report_open_error(error, std::move(why.message));
    return why.status;
}

// Parses tcp://HOST:PORT (HOST may be a bracketed IPv6 address). Returns
// false for anything else that starts with tcp://, so a typo in the port is
// QY_INVALID rather than a confusing connection error.
bool parse_tcp(const std::string &spec, std::string &host, unsigned &port)
{
    const std::string rest = spec.substr(6);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return false;
    host = rest.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        return false;
    const std::string digits = rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 5)
        return false;
    unsigned long value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    port = static_cast<unsigned>(value);
    return true;
}

bool is_tcp(const char *path)
{
    return std::strncmp(path, "tcp://", 6) == 0;
}

// The tables every quarry index holding passages has: their passages'
// terms, term lists, data, and the positions of their words. Xapian takes
// a missing table for an empty one, so that a writer would go on with the
// rest (and a phrase would find nothing): refused instead.
const char *const REQUIRED_TABLES[] = {"postlist", "termlist", "docdata",
                                       "position"};
const size_t N_REQUIRED_TABLES =
    sizeof REQUIRED_TABLES / sizeof *REQUIRED_TABLES;

// The errno of opening each required table of the local index at PATH for
// reading (0: it opens). Taken before a writer opens the index: Xapian's
// writer creates a missing table anew.
std::vector<int> table_errors(const std::string &path)
{
    std::vector<int> errs;
    for (const char *table : REQUIRED_TABLES) {
        const std::string file = path + "/" + table + ".glass";
        const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
        errs.push_back(fd >= 0 ? 0 : errno);
        if (fd >= 0)
            close(fd);
    }
    return errs;
}

// Whether the tables of the index at PATH (ERRS: table_errors) are all
// there. The postlist table is made with the index, and holds the count of
// its documents and the metadata; the others are needed only when it holds
// passages (HAS_DOCS).
bool tables_present(const std::string &path, const std::vector<int> &errs,
                    bool has_docs, open_failure &why)
{
    for (size_t i = 0; i < N_REQUIRED_TABLES && i < errs.size(); i++) {
        if (errs[i] == 0 || (i > 0 && !has_docs))
            continue;
        const char *table = REQUIRED_TABLES[i];
        why.status = QY_CORRUPT;
        why.message = "index '" + path + "' is damaged: its " + table +
                      " table (" + path + "/" + table + ".glass) is " +
                      (errs[i] == ENOENT ? "missing" : std::strerror(errs[i])) +
                      "; rebuild it (indexer --check tells what is wrong)";
        return false;
    }
    return true;
}

// Whether DB is a quarry index with passages, which have their data, term
// lists and positions (an index written through this shim alone may lack
// them).
bool holds_passages(const Xapian::Database &db)
{
    return db.get_doccount() > 0 && !db.get_metadata(QY_META_FORMAT).empty();
}

bool tables_present(const std::string &path, const Xapian::Database &db,
                    open_failure &why)
{
    if (is_tcp(path.c_str()))
        return true;
    return tables_present(path, table_errors(path), holds_passages(db), why);
}

// Opens one shard for reading. Open failures are reported as values so the
// caller can name the offending path.
bool open_one_for_reading(const char *path, Xapian::Database &out,
                          open_failure &why)
{
    const std::string p(path);
    if (is_tcp(path)) {
        std::string host;
        unsigned port = 0;
        if (!parse_tcp(p, host, port)) {
            why.status = QY_INVALID;
            why.message = "bad remote index '" + p +
                          "': expected tcp://HOST:PORT with PORT 1-65535";
            return false;
        }
        try {
            out = Xapian::Remote::open(host, port);
        } catch (...) {
            std::string desc;
            why.status = status_from_exception(&desc);
            why.message = "cannot open index '" + p + "': " + desc;
            return false;
        }
        return true;
    }

    // Xapian's own message for a missing path ("Couldn't detect type of
    // database") does not say which path; checking first lets us.
    struct stat st;
    if (stat(path, &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            why.status = QY_NOT_FOUND;
            why.message = "no index at '" + p + "'";
        } else {
            why.status = QY_OPENING;
            why.message =
                "cannot open index '" + p + "': " + std::strerror(err);
        }
        return false;
    }
    // A directory whose first build has not committed yet holds the
    // writer's lock file and no version file: not an index yet, and not a
    // damaged one either.
    struct stat vst;
    if (S_ISDIR(st.st_mode) &&
        stat((p + "/" + GLASS_MARKER).c_str(), &vst) != 0 &&
        stat((p + "/flintlock").c_str(), &vst) == 0) {
        why.status = QY_NOT_FOUND;
        why.message = "no index at '" + p +
                      "' yet: its first build has not committed (try again "
                      "when indexer has written some passages)";
        return false;
    }
    // Opening while a writer commits can find the blocks of the revision
    // being opened already reused: Xapian then reports DatabaseModifiedError
    // or, halfway through opening, DatabaseCorruptError. A fresh attempt
    // reads the newer revision; a really damaged index keeps failing.
    for (int attempt = 0;; attempt++) {
        try {
            out = Xapian::Database(p);
            return tables_present(p, out, why);
        } catch (...) {
            std::string desc;
            why.status = status_from_exception(&desc);
            if ((why.status == QY_MODIFIED || why.status == QY_CORRUPT) &&
                attempt < MAX_OPEN_RETRIES)
                continue;
            why.message = "cannot open index '" + p + "': " + desc;
            return false;
        }
    }
}

// The directory a local index path names now: (0, 0) for a remote or a
// path that does not stat.
std::pair<dev_t, ino_t> directory_id(const std::string &path)
{
    struct stat st;
    if (is_tcp(path.c_str()) || stat(path.c_str(), &st) != 0)
        return {0, 0};
    return {st.st_dev, st.st_ino};
}

// Brings a reader to the latest commit of its indexes. A bulk load puts
// another index (another directory) in the path; Xapian's reopen() would
// read the new index's version file but keep the old one's tables while
// the revision number is the same, pairing the new statistics with the old
// postings. So when a path names another directory than at the opening,
// the indexes are opened afresh; until that succeeds the reader keeps the
// revision it has. Throws as Xapian does.
void reopen_reader(qy_db_t *db)
{
    bool moved = false;
    for (size_t i = 0; i < db->paths.size() && !moved; i++)
        moved = directory_id(db->paths[i]) != db->dirs[i];
    if (!moved) {
        db->db.reopen();
        return;
    }
    Xapian::Database combined;
    std::vector<std::pair<dev_t, ino_t>> dirs;
    std::vector<Xapian::Database> shards;
    for (const std::string &path : db->paths) {
        dirs.push_back(directory_id(path));
        Xapian::Database shard;
        open_failure why{QY_OK, std::string()};
        if (!open_one_for_reading(path.c_str(), shard, why)) {
            // Its message names the path; the caller names the index.
            const std::string named = "cannot open index '" + path + "': ";
            if (why.message.compare(0, named.size(), named) == 0)
                why.message.erase(0, named.size());
            throw Xapian::DatabaseOpeningError(why.message);
        }
        combined.add_database(shard);
        shards.push_back(shard);
    }
    db->db = combined;
    db->dirs = dirs;
    db->shards = shards;
    db->twins.clear();
}

// An existing directory is only written to when it is empty or already a
// glass index: otherwise Xapian would scatter its tables among whatever
// files the user keeps there.
bool writable_target(const char *path, open_failure &why)
{
    const std::string p(path);
    struct stat st;
    if (stat(path, &st) != 0) {
        const int err = errno;
        if (err == ENOENT)
            return true; // Xapian creates it (but not its parents)
        why.status = QY_OPENING;
        why.message = "cannot open index '" + p + "': " + std::strerror(err);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        why.status = QY_OPENING;
        why.message = "cannot open index '" + p + "': not a directory";
        return false;
    }
    const std::string marker = p + "/" + GLASS_MARKER;
    if (stat(marker.c_str(), &st) == 0)
        return true;
    DIR *dir = opendir(path);
    if (dir == nullptr) {
        const int err = errno;
        why.status = QY_OPENING;
        why.message = "cannot open index '" + p + "': " + std::strerror(err);
        return false;
    }
    bool empty = true;
    while (const struct dirent *ent = readdir(dir)) {
        if (std::strcmp(ent->d_name, ".") != 0 &&
            std::strcmp(ent->d_name, "..") != 0) {
            empty = false;
            break;
        }
    }
    closedir(dir);
    if (!empty) {
        why.status = QY_OPENING;
        why.message = "cannot open index '" + p +
                      "': directory is not empty and holds no index";
        return false;
    }
    return true;
}

// The first part of the index at P (its directory, lock file and tables;
// for a new index, the directory it goes in) that this process may not
// write, in WHAT, with the reason in ERR.
bool unwritable_part(const std::string &p, bool existed, std::string &what,
                     int &err)
{
    auto denied = [&](const std::string &file, bool must_exist) {
        if (access(file.c_str(), W_OK) == 0)
            return false;
        err = errno;
        if (err == ENOENT && !must_exist)
            return false;
        what = file;
        return err == EROFS || err == EACCES || err == EPERM;
    };
    if (!existed) {
        const size_t slash = p.find_last_of('/');
        const std::string parent = slash == std::string::npos ? "."
                                   : slash == 0               ? "/"
                                                : p.substr(0, slash);
        struct stat st;
        return stat(p.c_str(), &st) == 0 ? denied(p, true)
                                         : denied(parent, true);
    }
    if (denied(p, true))
        return true;
    static const char *const files[] = {
        "flintlock",     "iamglass",       "postlist.glass", "termlist.glass",
        "docdata.glass", "position.glass", "spelling.glass", "synonym.glass"};
    for (const char *f : files)
        if (denied(p + "/" + f, false))
            return true;
    return false;
}

const char READ_ONLY[] = "index is open for reading only";

// A term argument of a write function, checked before the write.
struct term_arg {
    const char *term;
    size_t len;
};

// The one guard of every write: QY_INVALID when DB is null or ARGS_OK is
// false, QY_READ_ONLY when DB was opened for reading, QY_INVALID with a
// message when one of TERMS is empty or too long; then runs BODY on the
// writable database and turns what it throws into a status.
template <typename F>
qy_status_t write_guarded(qy_db_t *db, bool args_ok,
                          std::initializer_list<term_arg> terms, F body)
{
    if (db == nullptr || !args_ok)
        return QY_INVALID;
    if (!db->writable)
        return fail(db, QY_READ_ONLY, READ_ONLY);
    for (const term_arg &t : terms)
        if (!term_ok(t.term, t.len))
            return fail(db, QY_INVALID, BAD_TERM);
    try {
        body(db->wdb);
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

template <typename F>
qy_status_t write_guarded(qy_db_t *db, bool args_ok, F body)
{
    return write_guarded(db, args_ok, {}, body);
}

// The one guard of the document setters: QY_INVALID unless DOC is there
// and ARGS_OK, else SET's status, every exception caught.
template <typename Set>
qy_status_t doc_guarded(qy_doc_t *doc, bool args_ok, Set set) noexcept
{
    if (doc == nullptr || !args_ok)
        return QY_INVALID;
    try {
        set(doc->doc);
        return QY_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

// DATA[0, LEN) as a string; NULL is "".
std::string bytes(const void *data, size_t len)
{
    return data == nullptr ? std::string()
                           : std::string(static_cast<const char *>(data), len);
}

// Calls FN(CTX, s, len) for each string of [IT, END) until it returns
// non-zero.
template <typename It>
void each_string(It it, It end, int (*fn)(void *, const char *, size_t),
                 void *ctx)
{
    for (; it != end; ++it) {
        const std::string &s = *it;
        if (fn(ctx, s.data(), s.size()) != 0)
            break;
    }
}

// The one guard of the query builders: BUILD's query wrapped, NULL when it
// throws.
template <typename Build> qy_query_t *built(Build build) noexcept
{
    try {
        return new qy_query_t{build()};
    } catch (...) {
        return nullptr;
    }
}

} // namespace

extern "C" {

/* ---- Opening and closing ---------------------------------------------- */

qy_status_t qy_db_open_read(const char *const *paths, size_t n, qy_db_t **out,
                            char **error)
{
    if (error != nullptr)
        *error = nullptr;
    if (out == nullptr)
        return QY_INVALID;
    *out = nullptr;
    try {
        if (paths == nullptr || n == 0) {
            report_open_error(error, "no index given");
            return QY_INVALID;
        }
        for (size_t i = 0; i < n; i++) {
            if (paths[i] == nullptr) {
                report_open_error(error, "no index given");
                return QY_INVALID;
            }
        }
        Xapian::Database combined;
        std::vector<std::pair<dev_t, ino_t>> dirs;
        std::vector<Xapian::Database> shards;
        for (size_t i = 0; i < n; i++) {
            dirs.push_back(directory_id(paths[i]));
            Xapian::Database shard;
            open_failure why{QY_OK, std::string()};
            if (!open_one_for_reading(paths[i], shard, why))
                return reported(error, why);
            combined.add_database(shard);
            shards.push_back(shard);
        }
        qy_db_t *db = new qy_db_t;
        db->db = combined;
        db->dirs = dirs;
        db->shards = shards;
        for (size_t i = 0; i < n; i++) {
            db->remote.push_back(is_tcp(paths[i]));
            db->name += (i ? ", " : "") + std::string(paths[i]);
            db->paths.emplace_back(paths[i]);
        }
        if (n == 1 && !is_tcp(paths[0]))
            db->local = paths[0];
        *out = db;
        return QY_OK;
    } catch (...) {
        return report_exception(error);
    }
}

qy_status_t qy_db_open_write(const char *path, unsigned flags, qy_db_t **out,
                             char **error)
{
    if (error != nullptr)
        *error = nullptr;
    if (out == nullptr)
        return QY_INVALID;
    *out = nullptr;
    try {
        if (path == nullptr || *path == '\0') {
            report_open_error(error, "no index given");
            return QY_INVALID;
        }
        const std::string p(path);
        if (is_tcp(path)) {
            report_open_error(error, "cannot write to remote index '" + p +
                                         "': only local indexes are writable");
            return QY_INVALID;
        }
        open_failure why{QY_OK, std::string()};
        if (!writable_target(path, why))
            return reported(error, why);
        // An index made before has its tables; a new one gets them.
        struct stat vst;
        const bool existed = stat((p + "/" + GLASS_MARKER).c_str(), &vst) == 0;
        const std::vector<int> before =
            existed ? table_errors(p) : std::vector<int>();
        if (existed && !tables_present(p, before, false, why))
            return reported(error, why);
        int action = Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS;
        if (flags & QY_DB_NO_SYNC)
            action |= Xapian::DB_NO_SYNC;
        if (flags & QY_DB_WAIT_LOCK)
            action |= Xapian::DB_RETRY_LOCK;
        Xapian::WritableDatabase wdb;
        try {
            wdb = Xapian::WritableDatabase(p, action);
        } catch (...) {
            std::string desc;
            qy_status_t status = status_from_exception(&desc);
            // Xapian reports a lock file it cannot open as a lock error,
            // and a table it cannot write in its own words: a file or a
            // directory without write permission is not another indexer.
            std::string what;
            int err = 0;
            if ((status == QY_LOCKED || status == QY_OPENING) &&
                unwritable_part(p, existed, what, err)) {
                status = QY_READ_ONLY;
                report_open_error(
                    error, (existed ? "index '" + p + "' is not writable: '"
                                    : "cannot create index '" + p + "': '") +
                               what + "': " + std::strerror(err));
            } else if (status == QY_LOCKED)
                report_open_error(error, "index '" + p +
                                             "' is locked by another indexer");
            else
                report_open_error(error,
                                  "cannot open index '" + p + "': " + desc);
            return status;
        }
        if (existed && !tables_present(p, before, holds_passages(wdb), why))
            return reported(error, why);
        qy_db_t *db = new qy_db_t;
        db->wdb = wdb;
        db->db = wdb;
        db->writable = true;
        db->name = p;
        *out = db;
        return QY_OK;
    } catch (...) {
        return report_exception(error);
    }
}

qy_status_t qy_db_check(const char *path, unsigned long *errors, char **detail)
{
    if (detail != nullptr)
        *detail = nullptr;
    if (path == nullptr || errors == nullptr)
        return QY_INVALID;
    *errors = 0;
    try {
        std::ostringstream out;
        *errors = Xapian::Database::check(std::string(path), 0, &out);
        if (*errors == 0)
            return QY_OK;
        // The first line Xapian wrote is the first damage it found.
        std::string first;
        std::istringstream lines(out.str());
        while (first.empty() && std::getline(lines, first))
            ;
        report_open_error(detail, first.empty() ? "errors found" : first);
        return QY_CORRUPT;
    } catch (...) {
        return report_exception(detail);
    }
}

void qy_db_close(qy_db_t *db)
{
    if (db == nullptr)
        return;
    // Errors cannot be reported from here; the header tells callers to
    // commit first when they need to know.
    if (db->writable) {
        try {
            db->wdb.commit();
        } catch (...) {
        }
    }
    try {
        db->db.close();
    } catch (...) {
    }
    try {
        delete db;
    } catch (...) {
    }
}

const char *qy_db_name(const qy_db_t *db)
{
    return db == nullptr ? "" : db->name.c_str();
}

const char *qy_db_error(const qy_db_t *db)
{
    return db == nullptr ? "" : db->error.c_str();
}

/* ---- Reading ---------------------------------------------------------- */

qy_status_t qy_db_doc_count(qy_db_t *db, unsigned *count)
{
    if (db == nullptr || count == nullptr)
        return QY_INVALID;
    return read_retrying(db, [&] { *count = db->db.get_doccount(); });
}

qy_status_t qy_db_term_freq(qy_db_t *db, const char *term, size_t len,
                            unsigned *freq)
{
    if (db == nullptr || freq == nullptr)
        return QY_INVALID;
    if (!term_ok(term, len))
        return fail(db, QY_INVALID, BAD_TERM);
    return read_retrying(
        db, [&] { *freq = db->db.get_termfreq(std::string(term, len)); });
}

qy_status_t qy_db_each_term(qy_db_t *db, const char *prefix,
                            int (*fn)(void *ctx, const char *term, size_t len),
                            void *ctx)
{
    if (db == nullptr || fn == nullptr)
        return QY_INVALID;
    // The terms are read first, so that a retry after a writer's commit
    // cannot hand FN the same term twice.
    std::vector<std::string> terms;
    const qy_status_t st = read_retrying(db, [&] {
        terms.clear();
        const std::string p(prefix == nullptr ? "" : prefix);
        const Xapian::TermIterator end = db->db.allterms_end(p);
        for (Xapian::TermIterator it = db->db.allterms_begin(p); it != end;
             ++it)
            terms.push_back(*it);
    });
    if (st != QY_OK)
        return st;
    try {
        each_string(terms.begin(), terms.end(), fn, ctx);
    } catch (...) {
        return status_from_exception(&db->error);
    }
    return QY_OK;
}

qy_status_t qy_db_get_metadata(qy_db_t *db, const char *key, char **value,
                               size_t *len)
{
    if (value != nullptr)
        *value = nullptr;
    if (db == nullptr || key == nullptr || value == nullptr)
        return QY_INVALID;
    std::string v;
    // The first shard that has a value gives it (Xapian asks the first
    // only): one index of every shard's passages would have it.
    const qy_status_t st = read_retrying(db, [&] {
        v = db->db.get_metadata(key);
        for (size_t i = 1; v.empty() && i < db->shards.size(); i++)
            v = db->shards[i].get_metadata(key);
    });
    if (st != QY_OK)
        return st;
    try {
        char *copy = static_cast<char *>(std::malloc(v.size() + 1));
        if (copy == nullptr)
            return fail(db, QY_NOMEM, "out of memory");
        std::memcpy(copy, v.data(), v.size());
        copy[v.size()] = '\0';
        *value = copy;
        if (len != nullptr)
            *len = v.size();
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t qy_db_reopen(qy_db_t *db)
{
    if (db == nullptr)
        return QY_INVALID;
    // A writer always sees its own latest state; there is nothing to re-read.
    if (db->writable)
        return QY_OK;
    try {
        reopen_reader(db);
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

/* ---- Writing ---------------------------------------------------------- */

qy_status_t qy_db_set_metadata(qy_db_t *db, const char *key, const char *value,
                               size_t len)
{
    return write_guarded(db, key != nullptr && (value != nullptr || len == 0),
                         [&](Xapian::WritableDatabase &w) {
                             w.set_metadata(key, value == nullptr
                                                     ? std::string()
                                                     : std::string(value, len));
                         });
}

qy_status_t qy_db_add_doc(qy_db_t *db, const qy_doc_t *doc)
{
    return write_guarded(db, doc != nullptr, [&](Xapian::WritableDatabase &w) {
        w.add_document(doc->doc);
    });
}

qy_status_t qy_db_delete_by_term(qy_db_t *db, const char *term, size_t len)
{
    return write_guarded(db, true, {{term, len}},
                         [&](Xapian::WritableDatabase &w) {
                             w.delete_document(std::string(term, len));
                         });
}

qy_status_t qy_db_delete_by_term_below(qy_db_t *db, const char *term,
                                       size_t len, unsigned before)
{
    return write_guarded(
        db, true, {{term, len}}, [&](Xapian::WritableDatabase &w) {
            // Collected first: a postlist is not changed while it is read.
            const std::string t(term, len);
            std::vector<Xapian::docid> gone;
            const Xapian::PostingIterator end = w.postlist_end(t);
            for (Xapian::PostingIterator it = w.postlist_begin(t);
                 it != end && *it < before; ++it)
                gone.push_back(*it);
            for (const Xapian::docid did : gone)
                w.delete_document(did);
        });
}

qy_status_t qy_db_commit(qy_db_t *db)
{
    return write_guarded(db, true,
                         [](Xapian::WritableDatabase &w) { w.commit(); });
}

/* ---- Synonyms and spelling ------------------------------------------ */

/* Adds (ADD) or removes SYNONYM of KEY. */
static qy_status_t change_synonym(qy_db_t *db, const char *key,
                                  const char *synonym, bool add)
{
    const bool args_ok =
        key != nullptr && synonym != nullptr && *key && *synonym;
    return write_guarded(db, args_ok,
                         {{key, args_ok ? std::strlen(key) : 0},
                          {synonym, args_ok ? std::strlen(synonym) : 0}},
                         [&](Xapian::WritableDatabase &w) {
                             if (add)
                                 w.add_synonym(key, synonym);
                             else
                                 w.remove_synonym(key, synonym);
                         });
}

qy_status_t qy_db_add_synonym(qy_db_t *db, const char *key, const char *synonym)
{
    return change_synonym(db, key, synonym, true);
}

qy_status_t qy_db_remove_synonym(qy_db_t *db, const char *key,
                                 const char *synonym)
{
    return change_synonym(db, key, synonym, false);
}

qy_status_t qy_db_each_synonym(qy_db_t *db, const char *key,
                               int (*fn)(void *ctx, const char *synonym,
                                         size_t len),
                               void *ctx)
{
    if (db == nullptr || key == nullptr || fn == nullptr)
        return QY_INVALID;
    try {
        // A remote shard has no synonym table (Xapian's remote backend
        // refuses to read one): those of the local shards.
        Xapian::Database from = db->db;
        if (qy_db_remote_shards(db) > 0) {
            from = Xapian::Database();
            for (size_t i = 0; i < db->shards.size(); i++)
                if (!db->remote[i])
                    from.add_database(db->shards[i]);
        }
        each_string(from.synonyms_begin(key), from.synonyms_end(key), fn, ctx);
        return QY_OK;
    } catch (const Xapian::UnimplementedError &) {
        return QY_OK; // remote shards keep no synonyms: nothing to add
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

size_t qy_db_remote_shards(const qy_db_t *db)
{
    if (db == nullptr)
        return 0;
    return static_cast<size_t>(
        std::count(db->remote.begin(), db->remote.end(), true));
}

qy_status_t qy_db_add_spelling(qy_db_t *db, const char *word, size_t len,
                               unsigned freq)
{
    return write_guarded(db, freq != 0, {{word, len}},
                         [&](Xapian::WritableDatabase &w) {
                             w.add_spelling(std::string(word, len), freq);
                         });
}

qy_status_t qy_db_spelling_suggestion(qy_db_t *db, const char *word, size_t len,
                                      unsigned max_edits, char **out)
{
    if (out != nullptr)
        *out = nullptr;
    if (db == nullptr || out == nullptr)
        return QY_INVALID;
    if (!term_ok(word, len))
        return QY_OK; // no word that long was ever recorded
    try {
        const std::string s =
            db->db.get_spelling_suggestion(std::string(word, len), max_edits);
        if (s.empty())
            return QY_OK;
        *out = strdup(s.c_str());
        return *out == nullptr ? fail(db, QY_NOMEM, "out of memory") : QY_OK;
    } catch (const Xapian::UnimplementedError &) {
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

/* ---- Transactions and bookkeeping ------------------------------------- */

qy_status_t qy_db_begin_transaction(qy_db_t *db)
{
    return write_guarded(db, true, [](Xapian::WritableDatabase &w) {
        w.begin_transaction(true);
    });
}

qy_status_t qy_db_commit_transaction(qy_db_t *db)
{
    return write_guarded(
        db, true, [](Xapian::WritableDatabase &w) { w.commit_transaction(); });
}

qy_status_t qy_db_cancel_transaction(qy_db_t *db)
{
    return write_guarded(
        db, true, [](Xapian::WritableDatabase &w) { w.cancel_transaction(); });
}

qy_status_t qy_db_revision(qy_db_t *db, unsigned long long *rev)
{
    if (db == nullptr || rev == nullptr)
        return QY_INVALID;
    try {
        *rev = db->db.get_revision();
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t qy_db_each_metadata_key(qy_db_t *db, const char *prefix,
                                    int (*fn)(void *ctx, const char *key,
                                              size_t len),
                                    void *ctx)
{
    if (db == nullptr || fn == nullptr)
        return QY_INVALID;
    try {
        const std::string p(prefix == nullptr ? "" : prefix);
        if (db->shards.size() > 1) {
            // Xapian lists the first shard's keys only: every shard's, in
            // order, each once.
            std::set<std::string> keys;
            for (const Xapian::Database &shard : db->shards) {
                const Xapian::TermIterator end = shard.metadata_keys_end(p);
                for (Xapian::TermIterator it = shard.metadata_keys_begin(p);
                     it != end; ++it)
                    keys.insert(*it);
            }
            each_string(keys.begin(), keys.end(), fn, ctx);
            return QY_OK;
        }
        each_string(db->db.metadata_keys_begin(p), db->db.metadata_keys_end(p),
                    fn, ctx);
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

/* ---- Documents -------------------------------------------------------- */

qy_doc_t *qy_doc_new(void)
{
    try {
        return new qy_doc_t;
    } catch (...) {
        return nullptr;
    }
}

void qy_doc_free(qy_doc_t *doc)
{
    try {
        delete doc;
    } catch (...) {
    }
}

void qy_doc_clear(qy_doc_t *doc)
{
    if (doc == nullptr)
        return;
    try {
        doc->doc = Xapian::Document();
    } catch (...) {
    }
}

qy_status_t qy_doc_add_posting(qy_doc_t *doc, const char *term, size_t len,
                               unsigned pos, unsigned wdf_inc)
{
    return doc_guarded(doc, term_ok(term, len), [&](Xapian::Document &d) {
        d.add_posting(std::string(term, len), pos, wdf_inc);
    });
}

qy_status_t qy_doc_add_term(qy_doc_t *doc, const char *term, size_t len,
                            unsigned wdf_inc)
{
    return doc_guarded(doc, term_ok(term, len), [&](Xapian::Document &d) {
        d.add_term(std::string(term, len), wdf_inc);
    });
}

qy_status_t qy_doc_set_data(qy_doc_t *doc, const void *data, size_t len)
{
    return doc_guarded(
        doc, data != nullptr || len == 0,
        [&](Xapian::Document &d) { d.set_data(bytes(data, len)); });
}

qy_status_t qy_doc_set_value(qy_doc_t *doc, unsigned slot, const void *data,
                             size_t len)
{
    return doc_guarded(
        doc, data != nullptr || len == 0,
        [&](Xapian::Document &d) { d.add_value(slot, bytes(data, len)); });
}

/* ---- Queries ---------------------------------------------------------- */

namespace
{

qy_query_t *wrap(const Xapian::Query &q)
{
    return new qy_query_t{q};
}

bool xapian_op(qy_query_op_t op, Xapian::Query::op &out)
{
    switch (op) {
    case QY_Q_OR:
        out = Xapian::Query::OP_OR;
        return true;
    case QY_Q_AND:
        out = Xapian::Query::OP_AND;
        return true;
    case QY_Q_AND_NOT:
        out = Xapian::Query::OP_AND_NOT;
        return true;
    case QY_Q_AND_MAYBE:
        out = Xapian::Query::OP_AND_MAYBE;
        return true;
    case QY_Q_FILTER:
        out = Xapian::Query::OP_FILTER;
        return true;
    case QY_Q_PHRASE:
        out = Xapian::Query::OP_PHRASE;
        return true;
    case QY_Q_NEAR:
        out = Xapian::Query::OP_NEAR;
        return true;
    case QY_Q_SYNONYM:
        out = Xapian::Query::OP_SYNONYM;
        return true;
    case QY_Q_MAX:
        out = Xapian::Query::OP_MAX;
        return true;
    }
    return false;
}

} // namespace

qy_query_t *qy_query_term(const char *term, size_t len, unsigned wqf,
                          unsigned pos)
{
    if (!term_ok(term, len))
        return nullptr;
    return built(
        [&] { return Xapian::Query(std::string(term, len), wqf, pos); });
}

qy_query_t *qy_query_combine(qy_query_op_t op, qy_query_t *const *subs,
                             size_t n, unsigned window)
{
    Xapian::Query::op xop;
    if (subs == nullptr || n == 0 || !xapian_op(op, xop))
        return nullptr;
    for (size_t i = 0; i < n; i++)
        if (subs[i] == nullptr)
            return nullptr;
    // Xapian reads a window of 0 as "the number of sub-queries", which is
    // exactly the adjacent-words phrase. Other operators refuse any other
    // window (InvalidArgumentError), so they are given none.
    if (xop != Xapian::Query::OP_PHRASE && xop != Xapian::Query::OP_NEAR)
        window = 0;
    return built([&] {
        std::vector<Xapian::Query> parts;
        parts.reserve(n);
        for (size_t i = 0; i < n; i++)
            parts.push_back(subs[i]->query);
        return Xapian::Query(xop, parts.begin(), parts.end(), window);
    });
}

qy_query_t *qy_query_wildcard(const char *prefix, size_t len,
                              unsigned max_terms)
{
    if (!term_ok(prefix, len))
        return nullptr;
    // Keeping the most frequent expansions degrades gracefully where
    // WILDCARD_LIMIT_ERROR would fail a whole search on a short prefix. But
    // Xapian 1.4 reads a limit of 0 under MOST_FREQUENT as "keep none", not
    // "no limit", so the unlimited case must not use it.
    const int limit_type = max_terms == 0
                               ? Xapian::Query::WILDCARD_LIMIT_ERROR
                               : Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT;
    return built([&] {
        return Xapian::Query(Xapian::Query::OP_WILDCARD,
                             std::string(prefix, len), max_terms, limit_type,
                             Xapian::Query::OP_SYNONYM);
    });
}

qy_query_t *qy_query_prefix(qy_db_t *db, const char *prefix, size_t len,
                            unsigned max_terms)
{
    if (db == nullptr || db->shards.size() <= 1)
        return qy_query_wildcard(prefix, len, max_terms);
    if (!term_ok(prefix, len))
        return nullptr;
    try {
        // Xapian expands a wildcard shard by shard, each expansion weighed
        // by that shard's frequencies alone: expanded here, over all of
        // them, the terms are weighed as in one index.
        const std::string p(prefix, len);
        std::vector<std::pair<Xapian::doccount, std::string>> found;
        const qy_status_t st = read_retrying(db, [&] {
            found.clear();
            const Xapian::TermIterator end = db->db.allterms_end(p);
            for (Xapian::TermIterator it = db->db.allterms_begin(p); it != end;
                 ++it)
                found.emplace_back(it.get_termfreq(), *it);
        });
        if (st != QY_OK)
            return nullptr;
        if (max_terms > 0 && found.size() > max_terms) {
            // The most frequent, as Xapian keeps them; ties by term.
            std::stable_sort(
                found.begin(), found.end(),
                [](const auto &a, const auto &b) { return a.first > b.first; });
            found.resize(max_terms);
            std::sort(found.begin(), found.end(),
                      [](const auto &a, const auto &b) {
                          return a.second < b.second;
                      });
        }
        if (found.empty())
            return wrap(Xapian::Query::MatchNothing);
        std::vector<Xapian::Query> terms;
        terms.reserve(found.size());
        for (const auto &f : found)
            terms.emplace_back(f.second);
        return wrap(Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(),
                                  terms.end()));
    } catch (...) {
        return nullptr;
    }
}

qy_query_t *qy_query_value_range(unsigned slot, const char *lo, const char *hi)
{
    return built([&] {
        if (lo != nullptr && hi != nullptr)
            return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, lo, hi);
        if (hi != nullptr)
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, hi);
        // Every stored value is >= "", so with both ends open this matches
        // the documents that have a value in SLOT at all.
        return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot,
                             lo == nullptr ? "" : lo);
    });
}

qy_query_t *qy_query_scale(const qy_query_t *q, double factor)
{
    if (q == nullptr)
        return nullptr;
    return built([&] { return Xapian::Query(factor, q->query); });
}

qy_query_t *qy_query_match_all(void)
{
    return built([] { return Xapian::Query::MatchAll; });
}

qy_query_t *qy_query_match_nothing(void)
{
    return built([] { return Xapian::Query::MatchNothing; });
}

char *qy_query_describe(const qy_query_t *q)
{
    if (q == nullptr)
        return nullptr;
    try {
        return strdup(q->query.get_description().c_str());
    } catch (...) {
        return nullptr;
    }
}

void qy_query_free(qy_query_t *q)
{
    try {
        delete q;
    } catch (...) {
    }
}

/* ---- Searching -------------------------------------------------------- */

} // namespace

// The helpers of a search return C++ types: outside the C linkage block.
namespace
{

// More search threads than this cost more in setting up each thread's
// posting lists than they save.
const unsigned MAX_SEARCH_THREADS = 4;

// The docids FIRST to LAST, without weight: a query filtered by it is
// searched within that range only, its posting lists skipping to it.
class DocidRange : public Xapian::PostingSource
{
  public:
    DocidRange(Xapian::docid from, Xapian::docid to) : first(from), last(to) {}
    DocidRange *clone() const override
    {
        return new DocidRange(first, last);
    }
    void init(const Xapian::Database &db) override
    {
        current = 0;
        span = last - first + 1;
        // Xapian's AND is driven by its least frequent part: claiming
        // every document keeps the range from driving, so that the query
        // advances by next() and the range only checks its docids.
        estimate = db.get_doccount();
    }
    // Deleted documents leave gaps: the range may hold none.
    Xapian::doccount get_termfreq_min() const override
    {
        return 0;
    }
    Xapian::doccount get_termfreq_est() const override
    {
        return estimate;
    }
    Xapian::doccount get_termfreq_max() const override
    {
        return std::max(span, estimate);
    }
    void next(double) override
    {
        current = current < first ? first : current + 1;
    }
    void skip_to(Xapian::docid did, double) override
    {
        if (did > current)
            current = std::max(did, first);
    }
    bool at_end() const override
    {
        return current > last;
    }
    Xapian::docid get_docid() const override
    {
        return current;
    }
    std::string get_description() const override
    {
        return "DocidRange(" + std::to_string(first) + ".." +
               std::to_string(last) + ")";
    }

  private:
    Xapian::docid first, last, current = 0;
    Xapian::doccount span = 0, estimate = 0;
};

struct ranked {
    Xapian::docid docid;
    double weight;
    std::string key; // the collapse key, when collapsing
};

struct range_result {
    std::vector<ranked> hits;
    double estimated = 0; // matching documents within the range
    bool exact = false;   // ... counted to the end
    std::exception_ptr failure;
};

// Xapian 1.4 (1.4.22 at least) reads a term that indexes every document of
// an index as the index's list of all documents wherever neither its wdf
// nor its positions are needed (a boolean count, a filter). When deleted
// documents have left gaps in the docids, that list is the list of
// document lengths, which it then reads under the term's name: the key of
// each chunk after the first is checked against the term, and the search
// fails with "Unexpected end of posting list" (DatabaseCorruptError) on a
// sound index. MatchAll reads the same list under its own name and matches
// the same documents, so such a term is replaced by it where its weight
// does not count; the matches and the weights are unchanged.
class AllDocsTerms
{
  public:
    explicit AllDocsTerms(const Xapian::Database &index)
        : db(index), docs(index.get_doccount()),
          // Without gaps Xapian counts the docids instead of reading a list.
          active(docs > 0 && index.get_lastdocid() != docs)
    {
    }

    // QUERY with the terms of its weightless parts that index every
    // document replaced by MatchAll (all of it when not WEIGHTED).
    Xapian::Query rewrite(const Xapian::Query &query, bool weighted) const
    {
        bool changed = false;
        return active ? walk(query, weighted, changed) : query;
    }

  private:
    const Xapian::Database &db;
    Xapian::doccount docs;
    bool active;

    bool everywhere(const std::string &term) const
    {
        return db.get_termfreq(term) == docs;
    }

    // A wildcard matches every document when one of its expansions does.
    // Xapian 1.4 gives a wildcard's pattern only in its description,
    // "Query(WILDCARD <combiner> <pattern>)".
    bool wildcard_everywhere(const Xapian::Query &query) const
    {
        const std::string desc = query.get_description();
        const std::string head = "Query(WILDCARD ";
        const size_t space = desc.find(' ', head.size());
        if (desc.compare(0, head.size(), head) != 0 ||
            space == std::string::npos || desc.back() != ')')
            return false;
        const std::string prefix =
            desc.substr(space + 1, desc.size() - space - 2);
        for (Xapian::TermIterator t = db.allterms_begin(prefix);
             t != db.allterms_end(prefix); ++t)
            if (t.get_termfreq() == docs)
                return true;
        return false;
    }

    // QUERY rewritten, CHANGED set when a part of it was replaced; an
    // unchanged part is QUERY itself.
    Xapian::Query walk(const Xapian::Query &query, bool weighted,
                       bool &changed) const
    {
        const Xapian::Query::op type = query.get_type();
        switch (type) {
        case Xapian::Query::LEAF_TERM:
            if (weighted || !everywhere(*query.get_terms_begin()))
                return query;
            changed = true;
            return Xapian::Query::MatchAll;
        case Xapian::Query::OP_WILDCARD:
            if (weighted || !wildcard_everywhere(query))
                return query;
            changed = true;
            return Xapian::Query::MatchAll;
        case Xapian::Query::OP_SCALE_WEIGHT: {
            // A factor of 0 makes its part weightless; Xapian 1.4 shows
            // the factor only in the description. Without weights the
            // factor counts for nothing and is dropped.
            const bool zero =
                query.get_description().compare(0, 10, "Query(0 * ") == 0;
            bool sub_changed = false;
            Xapian::Query sub =
                walk(query.get_subquery(0), weighted && !zero, sub_changed);
            if (!sub_changed)
                return query;
            changed = true;
            if (!weighted)
                return sub;
            // Only a weightless part can have changed.
            return Xapian::Query(0.0, sub);
        }
        case Xapian::Query::OP_AND:
        case Xapian::Query::OP_OR:
        case Xapian::Query::OP_AND_NOT:
        case Xapian::Query::OP_XOR:
        case Xapian::Query::OP_AND_MAYBE:
        case Xapian::Query::OP_FILTER:
        case Xapian::Query::OP_SYNONYM:
        case Xapian::Query::OP_MAX:
            break;
        default:
            // Phrases read positions, value ranges and posting sources no
            // terms: Xapian keeps their own lists.
            return query;
        }
        // The parts after the first of a filter or an exclusion have no
        // weight.
        const bool rest_weighted = weighted &&
                                   type != Xapian::Query::OP_FILTER &&
                                   type != Xapian::Query::OP_AND_NOT;
        std::vector<Xapian::Query> parts;
        bool sub_changed = false;
        for (size_t i = 0; i < query.get_num_subqueries(); i++)
            parts.push_back(walk(query.get_subquery(i),
                                 i == 0 ? weighted : rest_weighted,
                                 sub_changed));
        if (!sub_changed)
            return query;
        changed = true;
        return Xapian::Query(type, parts.begin(), parts.end());
    }
};

// The weighting scheme PARAMS ask for, to hand to Enquire (which clones it).
std::unique_ptr<Xapian::Weight> weighting(const qy_search_params_t *params)
{
    const double p = params->weighting_param;
    switch (params->weighting) {
    case QY_W_BM25PLUS:
        return std::make_unique<Xapian::BM25PlusWeight>(
            params->k1, 0, 1, params->b, 0.5, p > 0 ? p : 1.0);
    case QY_W_DPH:
        return std::make_unique<Xapian::DPHWeight>();
    case QY_W_DLH:
        return std::make_unique<Xapian::DLHWeight>();
    case QY_W_PL2:
        return std::make_unique<Xapian::PL2Weight>(p > 0 ? p : 1.0);
    case QY_W_LM:
        return std::make_unique<Xapian::LMWeight>(
            0.0, Xapian::Weight::DIRICHLET_SMOOTHING, p > 0 ? p : 2000.0, -1.0);
    case QY_W_BM25:
        break;
    }
    // k2 = 0 and k3 = 1 are the textbook BM25; min_normlen 0.5 keeps very
    // short passages from being over-rewarded.
    return std::make_unique<Xapian::BM25Weight>(params->k1, 0, 1, params->b,
                                                0.5);
}

// An Enquire of QUERY on DB, ranked and collapsed as PARAMS ask.
Xapian::Enquire ranked_enquire(const Xapian::Database &db,
                               const Xapian::Query &query,
                               const qy_search_params_t *params)
{
    Xapian::Enquire enquire(db);
    enquire.set_query(AllDocsTerms(db).rewrite(query, true));
    enquire.set_weighting_scheme(*weighting(params));
    if (params->collapse)
        enquire.set_collapse_key(params->collapse_slot);
    return enquire;
}

// The best OFFSET + LIMIT hits of QUERY among the docids FIRST..LAST of DB,
// as DB's whole index weighs them (the statistics are the index's, so each
// hit has the weight that a search of the whole index gives it).
void search_range(const Xapian::Database &db, const Xapian::Query &query,
                  const qy_search_params_t *params, Xapian::docid first,
                  Xapian::docid last, range_result &out) noexcept
{
    try {
        const Xapian::Query range((new DocidRange(first, last))->release());
        const Xapian::Enquire enquire = ranked_enquire(
            db, Xapian::Query(Xapian::Query::OP_FILTER, query, range), params);
        const Xapian::MSet mset = enquire.get_mset(
            0, params->offset + params->limit, params->check_at_least);
        // A count checked to the end is exact. An estimate comes from the
        // query's frequencies over the whole index (the range claims every
        // document, see DocidRange): the range's share of it is counted.
        const Xapian::doccount lower = mset.get_matches_lower_bound();
        const Xapian::doccount upper = mset.get_matches_upper_bound();
        double estimated = mset.get_matches_estimated();
        if (lower != upper) {
            const Xapian::docid top = db.get_lastdocid();
            if (top > 0)
                estimated = estimated * (last - first + 1) / top;
            estimated =
                std::min(std::max(estimated, double(lower)), double(upper));
        }
        out.estimated = estimated;
        out.exact = lower == upper;
        out.hits.reserve(mset.size());
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
            out.hits.push_back(ranked{*it, it.get_weight(),
                                      params->collapse ? it.get_collapse_key()
                                                       : std::string()});
    } catch (...) {
        out.failure = std::current_exception();
    }
}

// search_range() for a thread of its own, given WIRE, the query serialised:
// it rebuilds the query, so that no Xapian object is shared between
// threads.
void search_range_wire(const Xapian::Database &db, const std::string &wire,
                       const qy_search_params_t *params, Xapian::docid first,
                       Xapian::docid last, range_result &out) noexcept
{
    try {
        search_range(db, Xapian::Query::unserialise(wire), params, first, last,
                     out);
    } catch (...) {
        out.failure = std::current_exception();
    }
}

// How many threads search DB now: as many as asked (0: one per core, up to
// MAX_SEARCH_THREADS) for a single local index of at least
// db->parallel_min_docs documents whose other handles read the same
// revision as db->db; otherwise one.
unsigned search_threads(qy_db_t *db)
{
    unsigned want = db->threads;
    if (want == 0)
        want =
            std::min(std::thread::hardware_concurrency(), MAX_SEARCH_THREADS);
    if (db->local.empty() || db->writable || want < 2)
        return 1;
    try {
        if (db->db.get_doccount() < db->parallel_min_docs)
            return 1;
        // Search ranges of one docid at least.
        want = std::min<unsigned>(want, db->db.get_lastdocid());
        if (want < 2)
            return 1;
        while (db->twins.size() + 1 < want)
            db->twins.emplace_back(db->local);
        const Xapian::rev revision = db->db.get_revision();
        const std::string uuid = db->db.get_uuid();
        for (Xapian::Database &twin : db->twins) {
            if (twin.get_uuid() != uuid) {
                // Another index now has the path (a bulk load swaps the
                // new one in): open it afresh at the next search.
                db->twins.clear();
                return 1;
            }
            if (twin.get_revision() == revision)
                continue;
            twin.reopen();
            // The index moved on past db->db: search on one thread, as of
            // db->db's revision, until db->db is reopened.
            if (twin.get_revision() != revision)
                return 1;
        }
        return want;
    } catch (...) {
        // A handle that will not open costs the speed-up, not the search.
        db->twins.clear();
        return 1;
    }
}

// The exact number of documents of DB that QUERY matches. No weights:
// every match is visited and none is ranked; checking as many as the
// index holds makes the bounds meet.
Xapian::doccount count_matches(const Xapian::Database &db,
                               const Xapian::Query &query)
{
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    return enquire.get_mset(0, 0, db.get_doccount()).get_matches_lower_bound();
}

// The terms of QUERY when it matches exactly the documents that hold one of
// them at least: an OR or a synonym of terms, scaled or not, or the first
// part of an AND_MAYBE of such (its other part only ranks). ALL is set when
// a part matches every document. False for any other shape (a phrase, an
// AND, a wildcard, a value range...).
bool disjunction_terms(const Xapian::Query &query,
                       std::vector<std::string> &terms, bool &all)
{
    switch (query.get_type()) {
    case Xapian::Query::LEAF_TERM: {
        const std::string term = *query.get_terms_begin();
        if (term.empty())
            all = true; // Query("") is MatchAll
        else
            terms.push_back(term);
        return true;
    }
    case Xapian::Query::LEAF_MATCH_NOTHING:
        return true;
    case Xapian::Query::LEAF_MATCH_ALL:
        all = true;
        return true;
    case Xapian::Query::OP_SCALE_WEIGHT:
    case Xapian::Query::OP_AND_MAYBE:
        return disjunction_terms(query.get_subquery(0), terms, all);
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        for (size_t i = 0; i < query.get_num_subqueries(); i++)
            if (!disjunction_terms(query.get_subquery(i), terms, all))
                return false;
        return true;
    default:
        return false;
    }
}

struct range_count {
    Xapian::docid first = 0, last = 0;
    Xapian::doccount count = 0;
    std::exception_ptr failure;
};

// Runs BODY(handle, first, last, t) for each of THREADS equal ranges of the
// docids of DB (t = 0 .. THREADS - 1): range 0 here, through DB's own
// handle, each other on a thread of its own through a twin (here when no
// thread is to be had). BODY must not throw.
template <typename Body>
void each_range(qy_db_t *db, unsigned threads, Body body)
{
    const Xapian::docid top = db->db.get_lastdocid();
    auto bound = [&](unsigned t) {
        return static_cast<Xapian::docid>(static_cast<unsigned long long>(top) *
                                          t / threads);
    };
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; t++) {
        const Xapian::Database &twin = db->twins[t - 1];
        const Xapian::docid first = bound(t) + 1, last = bound(t + 1);
        try {
            workers.emplace_back(
                [&body, &twin, first, last, t] { body(twin, first, last, t); });
        } catch (...) {
            body(twin, first, last, t);
        }
    }
    body(db->db, bound(0) + 1, bound(1), 0u);
    for (std::thread &w : workers)
        w.join();
}

// The sum of COUNT(handle, part) over THREADS ranges of the docids of DB
// (each_range): each counts the matches among part.first..part.last into
// part.count, or stores its failure, rethrown here.
template <typename Count>
Xapian::doccount count_ranges(qy_db_t *db, unsigned threads, Count count)
{
    std::vector<range_count> parts(threads);
    each_range(db, threads,
               [&](const Xapian::Database &handle, Xapian::docid first,
                   Xapian::docid last, unsigned t) {
                   parts[t].first = first;
                   parts[t].last = last;
                   count(handle, parts[t]);
               });
    unsigned long long total = 0;
    for (const range_count &part : parts) {
        if (part.failure)
            std::rethrow_exception(part.failure);
        total += part.count;
    }
    return static_cast<Xapian::doccount>(total);
}

// The documents among the docids OUT.first..OUT.last of DB that hold one
// of TERMS at least, from their posting lists marked in a bitmap, into
// OUT.count.
void mark_range(const Xapian::Database &db,
                const std::vector<std::string> &terms,
                range_count &out) noexcept
{
    try {
        std::vector<uint64_t> seen((out.last - out.first) / 64 + 1);
        for (const std::string &term : terms) {
            Xapian::PostingIterator p = db.postlist_begin(term);
            const Xapian::PostingIterator end = db.postlist_end(term);
            if (out.first > 1)
                p.skip_to(out.first);
            for (; p != end; ++p) {
                const Xapian::docid did = *p;
                if (did > out.last)
                    break;
                const Xapian::docid at = did - out.first;
                seen[at / 64] |= uint64_t(1) << (at % 64);
            }
        }
        unsigned long long n = 0;
        for (const uint64_t word : seen)
            n += static_cast<unsigned>(__builtin_popcountll(word));
        out.count = static_cast<Xapian::doccount>(n);
    } catch (...) {
        out.failure = std::current_exception();
    }
}

// The number of documents of the local index DB that hold one of TERMS at
// least, from their posting lists marked in a bitmap of docids: a fraction
// of what Xapian's matcher spends on the same OR without weights (it walks
// the OR's tree of posting lists for every match). Over THREADS ranges of
// docids, one thread each, as a search is. False, with nothing counted,
// when the docids are too sparse for a bitmap.
bool count_union(qy_db_t *db, std::vector<std::string> &terms, unsigned threads,
                 Xapian::doccount &count)
{
    const Xapian::doccount docs = db->db.get_doccount();
    const Xapian::docid top = db->db.get_lastdocid();
    if (top / 64 > docs + 4096)
        return false;
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::vector<std::string> present;
    for (const std::string &term : terms) {
        const Xapian::doccount freq = db->db.get_termfreq(term);
        // A term in every document: its list may be read as the list of
        // all documents (see AllDocsTerms), and the answer is known.
        if (freq == docs) {
            count = docs;
            return true;
        }
        if (freq > 0)
            present.push_back(term);
        if (terms.size() == 1) {
            count = freq;
            return true;
        }
    }
    count = count_ranges(
        db, threads, [&](const Xapian::Database &handle, range_count &part) {
            mark_range(handle, present, part);
        });
    return true;
}

// count_matches() among the docids OUT.first..OUT.last, for a thread of its
// own: WIRE is the query serialised, rebuilt here so that no Xapian object
// is shared between threads.
void count_range_wire(const Xapian::Database &db, const std::string &wire,
                      range_count &out) noexcept
{
    try {
        const Xapian::Query range(
            (new DocidRange(out.first, out.last))->release());
        out.count = count_matches(
            db, Xapian::Query(Xapian::Query::OP_FILTER,
                              Xapian::Query::unserialise(wire), range));
    } catch (...) {
        out.failure = std::current_exception();
    }
}

// Searches Q on THREADS threads, each over an equal range of docids, and
// merges their hits: the same hits, weights and order as one search (equal
// weights rank by docid, as Xapian's do; with collapsing, each range's best
// of a key competes with the other ranges' for the key).
std::unique_ptr<qy_mset_t> search_parallel(qy_db_t *db, const qy_query_t *q,
                                           const qy_search_params_t *params,
                                           unsigned threads)
{
    const std::string wire = q->query.serialise();
    std::vector<range_result> parts(threads);
    each_range(
        db, threads,
        [&](const Xapian::Database &handle, Xapian::docid first,
            Xapian::docid last, unsigned t) {
            if (t == 0)
                search_range(handle, q->query, params, first, last, parts[t]);
            else
                search_range_wire(handle, wire, params, first, last, parts[t]);
        });
    std::vector<ranked> all;
    double estimated = 0;
    bool exact = !params->collapse;
    for (range_result &part : parts) {
        if (part.failure)
            std::rethrow_exception(part.failure);
        estimated += part.estimated;
        exact = exact && part.exact;
        std::move(part.hits.begin(), part.hits.end(), std::back_inserter(all));
    }
    std::sort(all.begin(), all.end(), [](const ranked &a, const ranked &b) {
        return a.weight != b.weight ? a.weight > b.weight : a.docid < b.docid;
    });
    std::unique_ptr<qy_mset_t> result(new qy_mset_t);
    std::set<std::string> keys;
    size_t skip = params->offset;
    for (const ranked &hit : all) {
        // Documents without a value of the slot are not collapsed. A key
        // seen in another range counts once in the total, as in one search.
        if (params->collapse && !hit.key.empty() &&
            !keys.insert(hit.key).second) {
            estimated -= 1;
            continue;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        if (result->hits.size() < params->limit)
            result->hits.push_back(
                qy_mset_t::hit{hit.docid, hit.weight,
                               db->db.get_document(hit.docid).get_data()});
    }
    result->matches_estimated =
        static_cast<Xapian::doccount>(std::lround(std::max(estimated, 0.0)));
    result->exact = exact;
    result->threads = threads;
    return result;
}

} // namespace

extern "C" {

qy_status_t qy_db_search(qy_db_t *db, const qy_query_t *q,
                         const qy_search_params_t *params, qy_mset_t **out)
{
    if (out != nullptr)
        *out = nullptr;
    if (db == nullptr || q == nullptr || params == nullptr || out == nullptr)
        return QY_INVALID;
    // Xapian silently clamps out-of-range BM25 parameters; a caller who
    // asked for b = 2 has a bug worth hearing about.
    if (!(params->k1 >= 0) || !(params->b >= 0 && params->b <= 1))
        return fail(db, QY_INVALID,
                    "BM25 parameters out of range (need k1 >= 0, 0 <= b <= 1)");
    try {
        for (int attempt = 0;; attempt++) {
            try {
                const unsigned threads = search_threads(db);
                if (threads > 1) {
                    *out = search_parallel(db, q, params, threads).release();
                    return QY_OK;
                }
                const Xapian::Enquire enquire =
                    ranked_enquire(db->db, q->query, params);
                const Xapian::MSet mset = enquire.get_mset(
                    params->offset, params->limit, params->check_at_least);
                std::unique_ptr<qy_mset_t> result(new qy_mset_t);
                result->matches_estimated = mset.get_matches_estimated();
                result->exact =
                    !params->collapse && mset.get_matches_lower_bound() ==
                                             mset.get_matches_upper_bound();
                result->hits.reserve(mset.size());
                // The document data is read now, while the revision that
                // produced these docids is still the one open.
                for (Xapian::MSetIterator it = mset.begin(); it != mset.end();
                     ++it)
                    result->hits.push_back(qy_mset_t::hit{
                        *it, it.get_weight(), it.get_document().get_data()});
                *out = result.release();
                return QY_OK;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= MAX_MODIFIED_RETRIES)
                    throw;
                reopen_reader(db);
            }
        }
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t qy_db_count(qy_db_t *db, const qy_query_t *q, unsigned *count)
{
    if (count != nullptr)
        *count = 0;
    if (db == nullptr || q == nullptr || count == nullptr)
        return QY_INVALID;
    return read_retrying(db, [&] {
        // No weights: a term in every passage is read as MatchAll where
        // Xapian's own swap of it would fail (AllDocsTerms).
        // A disjunction of terms over local indexes is counted from its
        // posting lists.
        std::vector<std::string> terms;
        bool all = false;
        if (qy_db_remote_shards(db) == 0 &&
            disjunction_terms(q->query, terms, all)) {
            Xapian::doccount n = all ? db->db.get_doccount() : 0;
            if (all || terms.empty() ||
                count_union(db, terms, search_threads(db), n)) {
                *count = n;
                return;
            }
        }
        const Xapian::Query query =
            AllDocsTerms(db->db).rewrite(q->query, false);
        const unsigned threads = search_threads(db);
        if (threads < 2) {
            *count = count_matches(db->db, query);
            return;
        }
        // The ranges of a parallel search, one thread each: every match is
        // counted in exactly one of them.
        const std::string wire = query.serialise();
        *count = count_ranges(
            db, threads,
            [&](const Xapian::Database &handle, range_count &part) {
                count_range_wire(handle, wire, part);
            });
    });
}

void qy_db_set_search_threads(qy_db_t *db, unsigned threads, unsigned min_docs)
{
    if (db == nullptr)
        return;
    db->threads = threads;
    db->parallel_min_docs = min_docs;
}

namespace
{

// Accepts only the documents being explained.
class DocidSet : public Xapian::MatchDecider
{
  public:
    explicit DocidSet(const unsigned *docids, size_t n)
        : ids(docids, docids + n)
    {
    }
    bool operator()(const Xapian::Document &doc) const override
    {
        return ids.count(doc.get_docid()) != 0;
    }

  private:
    std::set<Xapian::docid> ids;
};

// The rarest boolean term of document DID (its JSON Lines id, else its
// source path); empty when it has none.
std::string rarest_boolean_term(const Xapian::Database &db, Xapian::docid did)
{
    std::string best;
    Xapian::doccount best_freq = 0;
    for (const char *prefix : {QY_PREFIX_SOURCE, QY_PREFIX_ID}) {
        const size_t n = std::strlen(prefix);
        Xapian::TermIterator t = db.termlist_begin(did);
        const Xapian::TermIterator end = db.termlist_end(did);
        for (t.skip_to(prefix); t != end && (*t).compare(0, n, prefix) == 0;
             ++t) {
            const Xapian::doccount freq = t.get_termfreq();
            if (best.empty() || freq < best_freq) {
                best = *t;
                best_freq = freq;
            }
        }
    }
    return best;
}

// qy_db_explain() over several shards. A MatchDecider is no use there:
// it is given each shard's own docids, and a remote shard refuses one. So
// each query is filtered by the rarest boolean term of each document
// explained (a filter adds no weight), and their weights are picked from
// all its matches there.
qy_status_t explain_filtered(qy_db_t *db, const qy_query_t *const *queries,
                             size_t nq, const unsigned *docids, size_t nd,
                             const qy_search_params_t *params, double *weights)
{
    std::set<std::string> sources;
    for (size_t d = 0; d < nd; d++) {
        const std::string term = rarest_boolean_term(db->db, docids[d]);
        if (!term.empty())
            sources.insert(term);
    }
    Xapian::doccount within = 0;
    for (const std::string &term : sources)
        within += db->db.get_termfreq(term);
    if (within == 0)
        return QY_OK;
    const Xapian::Query filter(Xapian::Query::OP_OR, sources.begin(),
                               sources.end());
    Xapian::Enquire enquire(db->db);
    enquire.set_weighting_scheme(*weighting(params));
    for (size_t q = 0; q < nq; q++) {
        if (queries[q] == nullptr)
            return fail(db, QY_INVALID, "no query to explain");
        enquire.set_query(
            Xapian::Query(Xapian::Query::OP_FILTER, queries[q]->query, filter));
        const Xapian::MSet mset = enquire.get_mset(0, within);
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
            for (size_t d = 0; d < nd; d++)
                if (docids[d] == *it)
                    weights[d * nq + q] = it.get_weight();
    }
    return QY_OK;
}

} // namespace

qy_status_t qy_db_explain(qy_db_t *db, const qy_query_t *const *queries,
                          size_t nq, const unsigned *docids, size_t nd,
                          const qy_search_params_t *params, double *weights)
{
    if (db == nullptr || params == nullptr || weights == nullptr ||
        (nq > 0 && queries == nullptr) || (nd > 0 && docids == nullptr))
        return QY_INVALID;
    for (size_t i = 0; i < nq * nd; i++)
        weights[i] = 0;
    if (nq == 0 || nd == 0)
        return QY_OK;
    try {
        if (db->shards.size() > 1 || qy_db_remote_shards(db) > 0)
            return explain_filtered(db, queries, nq, docids, nd, params,
                                    weights);
        const DocidSet only(docids, nd);
        Xapian::Enquire enquire(db->db);
        enquire.set_weighting_scheme(*weighting(params));
        for (size_t q = 0; q < nq; q++) {
            if (queries[q] == nullptr)
                return fail(db, QY_INVALID, "no query to explain");
            enquire.set_query(queries[q]->query);
            const Xapian::MSet mset = enquire.get_mset(
                0, static_cast<Xapian::doccount>(nd), nullptr, &only);
            for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
                for (size_t d = 0; d < nd; d++)
                    if (docids[d] == *it)
                        weights[d * nq + q] = it.get_weight();
        }
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

size_t qy_mset_size(const qy_mset_t *mset)
{
    return mset == nullptr ? 0 : mset->hits.size();
}

unsigned qy_mset_matches_estimated(const qy_mset_t *mset)
{
    return mset == nullptr ? 0 : mset->matches_estimated;
}

int qy_mset_exact_count(const qy_mset_t *mset, unsigned *count)
{
    if (mset == nullptr || !mset->exact)
        return 0;
    *count = mset->matches_estimated;
    return 1;
}

unsigned qy_mset_threads(const qy_mset_t *mset)
{
    return mset == nullptr ? 1 : mset->threads;
}

void qy_mset_hit(const qy_mset_t *mset, size_t i, qy_hit_t *out)
{
    if (out == nullptr)
        return;
    if (mset == nullptr || i >= mset->hits.size()) {
        *out = qy_hit_t{0, 0.0, "", 0};
        return;
    }
    const qy_mset_t::hit &h = mset->hits[i];
    *out = qy_hit_t{h.docid, h.weight, h.data.c_str(), h.data.size()};
}

void qy_mset_free(qy_mset_t *mset)
{
    try {
        delete mset;
    } catch (...) {
    }
}

/* ---- Relevance feedback ----------------------------------------------- */

namespace
{

// Xapian's convention: prefixed terms start with an upper-case letter;
// the words of passage text never do (they are case-folded).
bool unprefixed(const std::string &term)
{
    return !term.empty() && !(term[0] >= 'A' && term[0] <= 'Z');
}

class text_terms : public Xapian::ExpandDecider
{
  public:
    text_terms(int (*accept)(void *, const char *, size_t), void *ctx)
        : accept_(accept), ctx_(ctx)
    {
    }
    bool operator()(const std::string &term) const override
    {
        return unprefixed(term) &&
               (accept_ == nullptr ||
                accept_(ctx_, term.data(), term.size()) != 0);
    }

  private:
    int (*accept_)(void *, const char *, size_t);
    void *ctx_;
};

} // namespace

// The relevance-model share of each of CHOSEN: its frequency in each of
// the first DOCS feedback passages' text, the passages weighted by score,
// into RELEVANCE; how many of them hold it into HOLDING.
static void relevance_model(qy_db_t *db, const qy_mset_t *mset, size_t docs,
                            const std::vector<std::string> &chosen,
                            std::vector<double> &relevance,
                            std::vector<unsigned> &holding)
{
    double total_weight = 0;
    for (size_t i = 0; i < docs; i++)
        total_weight += std::max(mset->hits[i].weight, 0.0);
    relevance.assign(chosen.size(), 0.0);
    holding.assign(chosen.size(), 0);
    std::map<std::string, size_t> index;
    for (size_t k = 0; k < chosen.size(); k++)
        index.emplace(chosen[k], k);
    for (size_t i = 0; i < docs; i++) {
        const Xapian::docid did = mset->hits[i].docid;
        const double w =
            total_weight > 0
                ? std::max(mset->hits[i].weight, 0.0) / total_weight
                : 1.0 / static_cast<double>(docs);
        double len = 0;
        std::vector<double> wdf(chosen.size(), 0.0);
        const Xapian::TermIterator end = db->db.termlist_end(did);
        for (Xapian::TermIterator t = db->db.termlist_begin(did); t != end;
             ++t) {
            const std::string term = *t;
            if (!unprefixed(term))
                continue;
            len += t.get_wdf();
            const auto at = index.find(term);
            if (at != index.end())
                wdf[at->second] = t.get_wdf();
        }
        for (size_t k = 0; len > 0 && k < chosen.size(); k++) {
            relevance[k] += wdf[k] / len * w;
            holding[k] += wdf[k] > 0;
        }
    }
}

qy_status_t qy_db_expand(qy_db_t *db, const qy_mset_t *mset, size_t fb_docs,
                         size_t max_terms, qy_expand_scheme_t scheme,
                         int (*accept)(void *ctx, const char *term, size_t len),
                         void *ctx, qy_expand_term_t **out, size_t *n)
{
    if (out != nullptr)
        *out = nullptr;
    if (n != nullptr)
        *n = 0;
    if (db == nullptr || mset == nullptr || out == nullptr || n == nullptr)
        return QY_INVALID;
    const size_t docs = std::min(fb_docs, mset->hits.size());
    if (docs == 0 || max_terms == 0)
        return QY_OK;
    qy_expand_term_t *terms = nullptr;
    size_t count = 0;
    try {
        Xapian::RSet rset;
        for (size_t i = 0; i < docs; i++)
            rset.add_document(mset->hits[i].docid);
        const text_terms decider(accept, ctx);
        Xapian::Enquire enquire(db->db);
        if (scheme == QY_EXPAND_BO1)
            enquire.set_expansion_scheme("bo1");
        const Xapian::ESet eset =
            enquire.get_eset(static_cast<Xapian::termcount>(max_terms), rset,
                             Xapian::Enquire::INCLUDE_QUERY_TERMS, &decider);
        if (eset.empty())
            return QY_OK;
        std::vector<std::string> chosen;
        std::vector<double> weights;
        for (Xapian::ESetIterator it = eset.begin(); it != eset.end(); ++it) {
            chosen.push_back(*it);
            weights.push_back(it.get_weight());
        }
        std::vector<double> relevance;
        std::vector<unsigned> holding;
        relevance_model(db, mset, docs, chosen, relevance, holding);
        terms = static_cast<qy_expand_term_t *>(
            std::calloc(chosen.size(), sizeof *terms));
        if (terms == nullptr)
            return fail(db, QY_NOMEM, "out of memory");
        for (; count < chosen.size(); count++) {
            terms[count].term = strdup(chosen[count].c_str());
            if (terms[count].term == nullptr) {
                qy_expand_terms_free(terms, count);
                return fail(db, QY_NOMEM, "out of memory");
            }
            terms[count].weight = weights[count];
            terms[count].relevance = relevance[count];
            terms[count].docs = holding[count];
        }
        *out = terms;
        *n = count;
        return QY_OK;
    } catch (...) {
        qy_expand_terms_free(terms, count);
        return status_from_exception(&db->error);
    }
}

void qy_expand_terms_free(qy_expand_term_t *terms, size_t n)
{
    if (terms == nullptr)
        return;
    for (size_t i = 0; i < n; i++)
        std::free(terms[i].term);
    std::free(terms);
}

/* ---- Bulk building ---------------------------------------------------- */

qy_status_t qy_db_compact(const char *const *sources, size_t n,
                          const char *dest, char **error)
{
    if (error != nullptr)
        *error = nullptr;
    try {
        if (sources == nullptr || n == 0 || dest == nullptr || !*dest) {
            report_open_error(error, "nothing to compact");
            return QY_INVALID;
        }
        Xapian::Database all;
        for (size_t i = 0; i < n; i++) {
            if (sources[i] == nullptr || is_tcp(sources[i])) {
                report_open_error(error, "only local indexes can be merged");
                return QY_INVALID;
            }
            Xapian::Database shard;
            open_failure why{QY_OK, std::string()};
            if (!open_one_for_reading(sources[i], shard, why))
                return reported(error, why);
            all.add_database(shard);
        }
        struct stat st;
        if (stat(dest, &st) == 0) {
            report_open_error(error, std::string("cannot merge into '") + dest +
                                         "': it already exists");
            return QY_OPENING;
        }
        // FULL leaves no room in the blocks for later updates, which would
        // only split them; merging postlists in several passes keeps the
        // merge of many shards from comparing every shard's head each time.
        unsigned flags = Xapian::Compactor::FULL;
        if (n > 3)
            flags |= Xapian::DBCOMPACT_MULTIPASS;
        try {
            all.compact(dest, flags);
        } catch (...) {
            const std::string what =
                std::string("cannot merge into '") + dest + "': ";
            return report_exception(error, what.c_str());
        }
        return QY_OK;
    } catch (...) {
        return report_exception(error);
    }
}

qy_status_t qy_db_docid_range(qy_db_t *db, unsigned *first, unsigned *last)
{
    if (db == nullptr || first == nullptr || last == nullptr)
        return QY_INVALID;
    try {
        *first = *last = 0;
        if (db->db.get_doccount() == 0)
            return QY_OK;
        // The all-documents postlist is in docid order: its head is the
        // lowest docid in use.
        Xapian::PostingIterator it = db->db.postlist_begin(std::string());
        if (it != db->db.postlist_end(std::string()))
            *first = *it;
        *last = db->db.get_lastdocid();
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t qy_db_each_docid(qy_db_t *db, const char *term, size_t len,
                             int (*fn)(void *ctx, unsigned docid), void *ctx)
{
    if (db == nullptr || fn == nullptr)
        return QY_INVALID;
    if (len > 0 && !term_ok(term, len))
        return fail(db, QY_INVALID, BAD_TERM);
    try {
        // The empty term's postlist holds every document.
        const std::string t = len == 0 ? std::string() : std::string(term, len);
        const Xapian::PostingIterator end = db->db.postlist_end(t);
        for (Xapian::PostingIterator it = db->db.postlist_begin(t); it != end;
             ++it) {
            if (fn(ctx, *it) != 0)
                break;
        }
        return QY_OK;
    } catch (...) {
        return status_from_exception(&db->error);
    }
}

qy_status_t qy_db_delete_docid(qy_db_t *db, unsigned docid)
{
    return write_guarded(db, docid != 0, [&](Xapian::WritableDatabase &w) {
        try {
            w.delete_document(docid);
        } catch (const Xapian::DocNotFoundError &) {
            // already gone: what the caller wanted
        }
    });
}

} // extern "C"
