/* sweep_dir.c: a sweep's output directory DIR (regensim/sweep.h): its lock,
 * the copies of the sweep and model files that make a re-run a resume of
 * the same sweep, the journal of finished runs and the summaries.
 *
 * The journal (DIR/journal.csv) is the record: a run is finished when its
 * row is there. Each row is appended with one write(2) of the whole line,
 * so a killed sweep leaves whole rows; a torn last row (a full disk) is cut
 * off when the journal is next opened. summary.csv and summary.h5 are
 * derived from it, rewritten whole and renamed into place. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "regensim/io.h"
#include "regensim/version.h"
#include "sweep/sweep_impl.h"

struct rs_sweep_dir {
    const rs_sweep *s;
    char *dir;
    rs_io_lock *lock;
    int journal;          /* fd, O_APPEND */
    unsigned char *done;  /* per run: 0, or 1 + failed */
    size_t nfinished, nfailed;
    /* The finished runs, in journal order. */
    size_t n, cap;
    size_t *run;
    int *failed;
    double *wall;
    char **message;
    double *values; /* n x noutputs */
    double last_summary, summary_wait; /* s: the last rewrite, and the wait after it */
};

/* Seconds between rewrites of the summaries while runs end: at least
 * SUMMARY_EVERY, and at least SUMMARY_COST times the last rewrite took. */
#define SUMMARY_EVERY 2.0
#define SUMMARY_COST 20.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int unlink_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int rs_sweep_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, unlink_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name in buf; -1 when it does not fit. */
static int join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The whole file at path (NUL-terminated) in *text, or NULL if missing. */
static rs_status slurp(const char *path, char **text, size_t *len, rs_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? RS_OK : rs_error_set(err, RS_EIO, "cannot read %s: %s", path, strerror(errno));
    rs_strbuf b;
    rs_strbuf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[got] = '\0';
        if (strlen(chunk) != got) { /* a NUL byte: not a text file of ours */
            fclose(f);
            rs_strbuf_free(&b);
            return rs_error_set(err, RS_EINVAL, "%s is not a text file", path);
        }
        rs_strbuf_append(&b, chunk);
        *len += got;
    }
    int bad = ferror(f);
    fclose(f);
    *text = rs_strbuf_take(&b);
    if (bad || !*text) {
        free(*text);
        *text = NULL;
        return rs_error_set(err, RS_EIO, "cannot read %s", path);
    }
    return RS_OK;
}

/* The names a sweep writes in its directory (and their .tmp files). */
static const char *const sweep_names[] = {"run.lock", "sweep.yaml", "model.yaml", "points.csv",
                                          "journal.csv", "runs", "summary.csv", "summary.h5"};
#define NSWEEP_NAMES (sizeof sweep_names / sizeof *sweep_names)

/* Whether name is one of a sweep's own (or its .tmp). */
static int sweep_owned(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < NSWEEP_NAMES; i++) {
        size_t m = strlen(sweep_names[i]);
        if (strcmp(name, sweep_names[i]) == 0 ||
            (n == m + 4 && strncmp(name, sweep_names[i], m) == 0 && !strcmp(name + m, ".tmp")))
            return 1;
    }
    return 0;
}

/* What dir holds besides a start's copies (a kill while they were being
 * written leaves some): 0 nothing, 1 a sweep's results (journal, summaries,
 * runs), 2 files a sweep did not write. */
static int holds_other_files(const char *dir)
{
    int other = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d)) && other < 2;) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        if (!sweep_owned(n))
            other = 2;
        else if (!strncmp(n, "journal", 7) || !strncmp(n, "summary", 7) || !strcmp(n, "runs"))
            other = 1;
    }
    closedir(d);
    return other;
}

/* Removes a sweep's files from dir (but its lock). */
static rs_status clear_sweep(const char *dir, rs_error *err)
{
    char p[4096], t[4200];
    for (size_t i = 1; i < NSWEEP_NAMES; i++) {
        if (join(p, sizeof p, dir, sweep_names[i]) != 0)
            return rs_error_set(err, RS_EINVAL, "path too long: %s", dir);
        snprintf(t, sizeof t, "%s.tmp", p);
        if (rs_sweep_remove_tree(p) != 0 || rs_sweep_remove_tree(t) != 0)
            return rs_error_set(err, RS_EIO, "cannot remove %s: %s", p, strerror(errno));
    }
    return RS_OK;
}

/* The copies that make a sweep's identity, sweep.yaml written last: a
 * directory without it holds no sweep yet, whatever else a kill left. */
typedef struct copy {
    const char *name, *text; /* text NULL: the file must not exist */
} copy;

/* Which copy in dir differs from this sweep's (NULL: none); *any set when
 * dir holds sweep.yaml. */
static const char *differing_copy(const copy *c, int n, const char *dir, int *any,
                                  rs_status *st, rs_error *err)
{
    char p[4096];
    const char *diff = NULL;
    *any = 0;
    for (int i = n - 1; i >= 0 && *st == RS_OK; i--) {
        char *old = NULL;
        size_t len;
        if (join(p, sizeof p, dir, c[i].name) != 0) {
            *st = rs_error_set(err, RS_EINVAL, "path too long: %s", dir);
            break;
        }
        *st = slurp(p, &old, &len, err);
        if (i == n - 1) *any = old != NULL;
        if (*st == RS_OK && !diff && (!old != !c[i].text || (old && strcmp(old, c[i].text))))
            diff = c[i].name;
        free(old);
        if (!*any) break; /* no sweep.yaml: nothing to compare */
    }
    return diff;
}

/* Checks that dir holds this sweep (or none yet), clearing another sweep's
 * output when force (or this one's: a fresh start), and writes the copies
 * of the files. */
static rs_status claim(const rs_sweep *s, const char *dir, int force, rs_error *err)
{
    copy c[] = {{"model.yaml", s->model_text}, {"points.csv", s->list_text},
                {"sweep.yaml", s->text}};
    int n = (int)(sizeof c / sizeof *c), any = 0;
    rs_status st = RS_OK;
    const char *diff = differing_copy(c, n, dir, &any, &st, err);
    if (st != RS_OK) return st;
    int other = any ? 0 : holds_other_files(dir);
    if (other == 2)
        return rs_error_set(err, RS_EINVAL, "%s holds files but no sweep (no sweep.yaml); "
                            "expected a new or empty directory, or a sweep's output directory "
                            "to resume", dir);
    if (other == 1 && !force)
        return rs_error_set(err, RS_EINVAL, "%s holds a sweep's results but no sweep.yaml; "
                            "expected the sweep's output directory whole: restore its "
                            "sweep.yaml, or --force to start over", dir);
    if (any && diff && !force)
        return rs_error_set(err, RS_EINVAL, "%s holds another sweep (its %s differs from this "
                            "sweep's, %s); expected the same sweep to resume: give another -o, "
                            "or --force to replace that sweep's output", dir, diff,
                            !strcmp(diff, "sweep.yaml") ? s->source
                            : !strcmp(diff, "model.yaml") ? s->model_path : "its list file");
    if (any && !diff && !force) return RS_OK; /* a resume */
    /* A fresh start: nothing of an earlier sweep (or of a killed start) stays. */
    if ((st = clear_sweep(dir, err)) != RS_OK) return st;
    char p[4096];
    for (int i = 0; i < n && st == RS_OK; i++)
        if (c[i].text) {
            if (join(p, sizeof p, dir, c[i].name) != 0)
                return rs_error_set(err, RS_EINVAL, "path too long: %s", dir);
            st = rs_io_write_atomic(p, c[i].text, strlen(c[i].text), err);
        }
    return st;
}

/* Room for one more finished run. */
static int grow(rs_sweep_dir *d)
{
    if (d->n < d->cap) return 0;
    size_t cap = d->cap ? 2 * d->cap : 256;
    size_t no = (size_t)d->s->noutputs;
    size_t *run = realloc(d->run, cap * sizeof *run);
    if (run) d->run = run;
    int *failed = realloc(d->failed, cap * sizeof *failed);
    if (failed) d->failed = failed;
    double *wall = realloc(d->wall, cap * sizeof *wall);
    if (wall) d->wall = wall;
    char **msg = realloc(d->message, cap * sizeof *msg);
    if (msg) d->message = msg;
    double *v = realloc(d->values, cap * (no ? no : 1) * sizeof *v);
    if (v) d->values = v;
    if (!run || !failed || !wall || !msg || !v) return -1;
    d->cap = cap;
    return 0;
}

/* Keeps a finished run in memory. */
static rs_status remember(rs_sweep_dir *d, const rs_sweep_result *r, rs_error *err)
{
    if (grow(d) != 0) return rs_error_set(err, RS_ENOMEM, "out of memory");
    size_t i = d->n, no = (size_t)d->s->noutputs;
    d->message[i] = rs_strdup(r->failed ? r->message : "");
    if (!d->message[i]) return rs_error_set(err, RS_ENOMEM, "out of memory");
    d->run[i] = r->run;
    d->failed[i] = r->failed;
    d->wall[i] = r->wall;
    if (no) memcpy(d->values + i * no, r->values, no * sizeof *r->values);
    d->n++;
    d->done[r->run] = (unsigned char)(1 + (r->failed != 0));
    d->nfinished++;
    d->nfailed += r->failed != 0;
    return RS_OK;
}

/* Splits one CSV line into fields in place (quotes removed); -1 if torn. */
static int csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *w = line, *p = line;
    for (;;) {
        if (n == max) return -1;
        f[n++] = w;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
        } else {
            while (*p && *p != ',') *w++ = *p++;
        }
        if (*p != ',' && *p) return -1;
        int more = *p == ',';
        *w++ = '\0';
        if (!more) return n;
        p++;
    }
}

/* One journal row back into a result; -1 when it is not a row of this sweep. */
/* A whole unsigned number; -1 when t is not one. */
static int whole(const char *t, unsigned long long *v)
{
    char *end;
    if (!(t[0] >= '0' && t[0] <= '9')) return -1;
    *v = strtoull(t, &end, 10);
    return *end ? -1 : 0;
}

static int parse_row(rs_sweep_dir *d, char *line, rs_sweep_result *r)
{
    const rs_sweep *s = d->s;
    int want = 3 + s->nparameters + s->noutputs + 3;
    char **f = malloc((size_t)want * sizeof *f);
    if (!f || csv_fields(line, f, want) != want) {
        free(f);
        return -1;
    }
    unsigned long long index = 0, rep = 0, seed = 0;
    int bad = whole(f[0], &index) || whole(f[1], &rep) || whole(f[2], &seed) ||
              rep >= s->replicates || index >= s->npoints;
    size_t k = bad ? 0 : (size_t)index * s->replicates + (size_t)rep;
    bad |= !bad && seed != rs_sweep_run_seed(s, k);
    /* the parameters must be this sweep's point, as written */
    char want_x[32], *end;
    for (int i = 0; i < s->nparameters && !bad; i++) {
        snprintf(want_x, sizeof want_x, "%.17g", s->points[index * (size_t)s->nparameters + (size_t)i]);
        bad |= strcmp(f[3 + i], want_x) != 0;
    }
    for (int i = 0; i < s->noutputs && !bad; i++) {
        const char *t = f[3 + s->nparameters + i];
        r->values[i] = t[0] ? strtod(t, &end) : NAN;
        bad |= t[0] && *end != '\0';
    }
    const char *status = f[want - 3], *wall = f[want - 1];
    bad |= strcmp(status, "completed") != 0 && strcmp(status, "failed") != 0;
    r->run = k;
    r->failed = strcmp(status, "failed") == 0;
    r->interrupted = 0;
    snprintf(r->message, sizeof r->message, "%s", f[want - 2]);
    r->wall = strtod(wall, &end);
    bad |= !wall[0] || *end != '\0';
    free(f);
    return bad ? -1 : 0;
}

static rs_status rewrite_journal(rs_sweep_dir *d, const char *path, const char *header,
                                 rs_error *err);

/* Reads the journal (creating it with its header when missing), cuts a
 * torn last row, and opens it for appending. With retry, the failed runs'
 * rows are dropped and the journal is rewritten (atomically) without them. */
static rs_status read_journal(rs_sweep_dir *d, int retry, rs_error *err)
{
    char path[4096];
    if (join(path, sizeof path, d->dir, "journal.csv") != 0)
        return rs_error_set(err, RS_EINVAL, "path too long: %s", d->dir);
    char *text = NULL;
    size_t len = 0;
    rs_status st = slurp(path, &text, &len, err);
    if (st != RS_OK) return st;
    rs_strbuf hb;
    rs_strbuf_init(&hb);
    rs_sweep_csv_header(d->s, &hb);
    char *header = rs_strbuf_take(&hb);
    if (!header) {
        free(text);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    size_t keep = 0, dropped = 0; /* bytes of whole rows, failed rows dropped */
    if (text && strncmp(text, header, strlen(header)) != 0) {
        st = rs_error_set(err, RS_EINVAL, "%s does not start with this sweep's header; "
                          "expected the journal of %s", path, d->s->source);
    } else if (text) {
        keep = strlen(header);
        size_t no = (size_t)d->s->noutputs;
        double *values = malloc((no ? no : 1) * sizeof *values);
        rs_sweep_result r = {.values = values};
        int lineno = 2; /* the header is line 1 */
        for (char *p = text + keep; values && *p && st == RS_OK; lineno++) {
            char *nl = strchr(p, '\n');
            if (!nl) break; /* a torn last row */
            *nl = '\0';
            if (parse_row(d, p, &r) != 0)
                st = rs_error_set(err, RS_EINVAL, "%s:%d: not a row of this sweep; expected "
                                  "index,replicate,seed,... of %s", path, lineno, d->s->source);
            else if (!d->done[r.run] && !(retry && r.failed))
                st = remember(d, &r, err);
            else if (retry && r.failed)
                dropped++;
            keep = (size_t)(nl + 1 - text);
            p = nl + 1;
        }
        if (!values) st = rs_error_set(err, RS_ENOMEM, "out of memory");
        free(values);
    }
    if (st == RS_OK && text && keep < len && truncate(path, (off_t)keep) != 0)
        st = rs_error_set(err, RS_EIO, "cannot cut the torn last row of %s: %s", path,
                          strerror(errno));
    if (st == RS_OK && !text)
        st = rs_io_write_atomic(path, header, strlen(header), err);
    if (st == RS_OK && dropped) st = rewrite_journal(d, path, header, err);
    free(text);
    free(header);
    if (st != RS_OK) return st;
    d->journal = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (d->journal < 0) return rs_error_set(err, RS_EIO, "cannot open %s: %s", path, strerror(errno));
    return RS_OK;
}

rs_status rs_sweep_dir_open(rs_sweep_dir **out, const rs_sweep *s, const char *dir,
                            unsigned flags, rs_error *err)
{
    *out = NULL;
    rs_sweep_dir *d = calloc(1, sizeof *d);
    if (!d) return rs_error_set(err, RS_ENOMEM, "out of memory");
    d->s = s;
    d->journal = -1;
    d->last_summary = now();
    d->summary_wait = SUMMARY_EVERY;
    d->dir = rs_strdup(dir);
    d->done = calloc(rs_sweep_nruns(s) ? rs_sweep_nruns(s) : 1, 1);
    rs_status st = !d->dir || !d->done ? rs_error_set(err, RS_ENOMEM, "out of memory") : RS_OK;
    if (st == RS_OK) st = rs_io_dir_lock(dir, 1, &d->lock, err);
    if (st == RS_OK) st = claim(s, dir, (flags & RS_SWEEP_DIR_FORCE) != 0, err);
    if (st == RS_OK) st = read_journal(d, (flags & RS_SWEEP_DIR_RETRY_FAILED) != 0, err);
    if (st != RS_OK) {
        rs_sweep_dir_close(d);
        return st;
    }
    *out = d;
    return RS_OK;
}

void rs_sweep_dir_close(rs_sweep_dir *d)
{
    if (!d) return;
    if (d->journal >= 0) close(d->journal);
    if (d->lock) rs_io_dir_unlock(d->lock);
    for (size_t i = 0; i < d->n; i++) free(d->message[i]);
    free(d->message);
    free(d->run);
    free(d->failed);
    free(d->wall);
    free(d->values);
    free(d->done);
    free(d->dir);
    free(d);
}

const char *rs_sweep_dir_path(const rs_sweep_dir *d) { return d->dir; }
int rs_sweep_dir_finished(const rs_sweep_dir *d, size_t k) { return d->done[k] != 0; }
size_t rs_sweep_dir_nfinished(const rs_sweep_dir *d) { return d->nfinished; }
size_t rs_sweep_dir_nfailed(const rs_sweep_dir *d) { return d->nfailed; }

rs_status rs_sweep_dir_record(rs_sweep_dir *d, const rs_sweep_result *r, rs_error *err)
{
    if (r->run >= rs_sweep_nruns(d->s) || d->done[r->run])
        return rs_error_set(err, RS_EINVAL, "run %zu is not an unfinished run of %s", r->run,
                            d->s->source);
    rs_strbuf b;
    rs_strbuf_init(&b);
    rs_sweep_csv_row(d->s, r, &b);
    char *row = rs_strbuf_take(&b);
    if (!row) return rs_error_set(err, RS_ENOMEM, "out of memory");
    size_t len = strlen(row);
    off_t end = lseek(d->journal, 0, SEEK_END);
    ssize_t w;
    do w = write(d->journal, row, len);
    while (w < 0 && errno == EINTR);
    int e = errno;
    free(row);
    if (w != (ssize_t)len) {
        /* No torn row left behind (a full disk): back to the last whole row. */
        if (w > 0 && end >= 0 && ftruncate(d->journal, end) != 0) e = errno;
        return rs_error_set(err, RS_EIO, "cannot append to %s/journal.csv: %s", d->dir,
                            w < 0 ? strerror(e) : "short write (disk full?)");
    }
    return remember(d, r, err);
}

/* The rows of the runs in memory, in journal order, after header. */
static char *rows_text(rs_sweep_dir *d, const char *header, const size_t *order)
{
    rs_strbuf b;
    rs_strbuf_init(&b);
    rs_strbuf_append(&b, header);
    size_t no = (size_t)d->s->noutputs;
    rs_sweep_result r;
    for (size_t i = 0; i < d->n; i++) {
        size_t j = order ? order[i] : i;
        r.run = d->run[j];
        r.failed = d->failed[j];
        r.wall = d->wall[j];
        snprintf(r.message, sizeof r.message, "%s", d->message[j]);
        r.values = d->values + j * no;
        rs_sweep_csv_row(d->s, &r, &b);
    }
    return rs_strbuf_take(&b);
}

/* The journal rewritten with the runs in memory only (--retry-failed). */
static rs_status rewrite_journal(rs_sweep_dir *d, const char *path, const char *header,
                                 rs_error *err)
{
    char *text = rows_text(d, header, NULL);
    if (!text) return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_status st = rs_io_write_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

/* A finished run's number and its place in memory, sorted by number. */
typedef struct run_slot {
    size_t run, at;
} run_slot;

static int by_run(const void *a, const void *b)
{
    size_t x = ((const run_slot *)a)->run, y = ((const run_slot *)b)->run;
    return (x > y) - (x < y);
}

/* summary.csv from the rows in order. */
static rs_status write_csv(rs_sweep_dir *d, const size_t *order, rs_error *err)
{
    rs_strbuf hb;
    rs_strbuf_init(&hb);
    rs_sweep_csv_header(d->s, &hb);
    char *header = rs_strbuf_take(&hb);
    char *text = header ? rows_text(d, header, order) : NULL;
    free(header);
    if (!text) return rs_error_set(err, RS_ENOMEM, "out of memory");
    char path[4096];
    rs_status st = join(path, sizeof path, d->dir, "summary.csv") != 0
                       ? rs_error_set(err, RS_EINVAL, "path too long: %s", d->dir)
                       : rs_io_write_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

static const char *const design_names[] = {"grid", "random", "lhs", "list"};
static const char *const scale_names[] = {"linear", "log", "values"};

/* summary.h5: the same table, a dataset per column on the dimension `run`. */
static rs_status write_h5(rs_sweep_dir *d, const size_t *order, rs_error *err)
{
    const rs_sweep *s = d->s;
    size_t n = d->n, no = (size_t)s->noutputs, np = (size_t)s->nparameters;
    size_t ncols = 3 + np + no + 3;
    rs_io_file_column *cols = calloc(ncols, sizeof *cols);
    int64_t *ints = malloc((3 * n + 1) * sizeof *ints);
    double *reals = malloc(((np + no + 1) * n + 1) * sizeof *reals);
    const char **strs = malloc((2 * n + 1) * sizeof *strs);
    const char **pnames = malloc((np + 1) * sizeof *pnames);
    const char **scales = malloc((np + 1) * sizeof *scales);
    const char **onames = malloc((no + 1) * sizeof *onames);
    rs_status st = RS_OK;
    if (!cols || !ints || !reals || !strs || !pnames || !scales || !onames) {
        st = rs_error_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = order[i], k = d->run[j], index = k / s->replicates;
        ints[i] = (int64_t)index;
        ints[n + i] = (int64_t)(k % s->replicates);
        ints[2 * n + i] = (int64_t)rs_sweep_run_seed(s, k);
        for (size_t p = 0; p < np; p++) reals[p * n + i] = s->points[index * np + p];
        for (size_t o = 0; o < no; o++) reals[(np + o) * n + i] = d->values[j * no + o];
        reals[(np + no) * n + i] = d->wall[j];
        strs[i] = d->failed[j] ? "failed" : "completed";
        strs[n + i] = d->message[j];
    }
    size_t c = 0;
    static const char *const int_names[] = {"index", "replicate", "seed"};
    for (size_t i = 0; i < 3; i++)
        cols[c++] = (rs_io_file_column){.name = int_names[i], .kind = RS_IO_I64, .i64 = ints + i * n};
    for (size_t p = 0; p < np; p++) {
        pnames[p] = s->parameters[p].path;
        scales[p] = scale_names[s->parameters[p].axis.values ? 2 : s->parameters[p].axis.scale];
        cols[c++] = (rs_io_file_column){.name = pnames[p], .kind = RS_IO_F64, .f64 = reals + p * n};
    }
    for (size_t o = 0; o < no; o++) {
        onames[o] = s->outputs[o].name;
        cols[c++] = (rs_io_file_column){.name = onames[o], .kind = RS_IO_F64,
                                        .f64 = reals + (np + o) * n,
                                        .units = s->outputs[o].kind != RS_SWEEP_FINAL ? "min"
                                               : s->metric_units[s->outputs[o].metric]};
    }
    cols[c++] = (rs_io_file_column){.name = "status", .kind = RS_IO_STR, .str = strs};
    cols[c++] = (rs_io_file_column){.name = "message", .kind = RS_IO_STR, .str = strs + n};
    cols[c++] = (rs_io_file_column){.name = "wall_s", .kind = RS_IO_F64, .f64 = reals + (np + no) * n,
                                    .units = "s"};
    rs_io_file_attr attrs[] = {
        {.name = "design", .kind = RS_IO_STR, .str = design_names[s->design]},
        {.name = "sweep_seed", .kind = RS_IO_I64, .i64 = (int64_t)s->seed},
        {.name = "replicates", .kind = RS_IO_I64, .i64 = (int64_t)s->replicates},
        {.name = "samples", .kind = RS_IO_I64, .i64 = (int64_t)s->samples},
        {.name = "runs", .kind = RS_IO_I64, .i64 = (int64_t)rs_sweep_nruns(s)},
        {.name = "parameters", .kind = RS_IO_STRS, .strs = pnames, .nstrs = (int)np},
        {.name = "scales", .kind = RS_IO_STRS, .strs = scales, .nstrs = (int)np},
        {.name = "metrics", .kind = RS_IO_STRS, .strs = onames, .nstrs = (int)no},
        {.name = "regensim_version", .kind = RS_IO_STR, .str = RS_VERSION_STRING},
        {.name = "sweep_file", .kind = RS_IO_STR, .str = s->text},
        {.name = "model_file", .kind = RS_IO_STR, .str = s->model_path},
    };
    char path[4096];
    if (join(path, sizeof path, d->dir, "summary.h5") != 0)
        st = rs_error_set(err, RS_EINVAL, "path too long: %s", d->dir);
    else
        st = rs_io_table_file_write(path, "run", cols, (int)c, n, attrs,
                                    (int)(sizeof attrs / sizeof *attrs), err);
done:
    free(cols);
    free(ints);
    free(reals);
    free(strs);
    free(pnames);
    free(scales);
    free(onames);
    return st;
}

rs_status rs_sweep_dir_summarize(rs_sweep_dir *d, rs_error *err)
{
    run_slot *slot = malloc((d->n ? d->n : 1) * sizeof *slot);
    size_t *order = malloc((d->n ? d->n : 1) * sizeof *order);
    if (!slot || !order) {
        free(slot);
        free(order);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->n; i++) slot[i] = (run_slot){d->run[i], i};
    qsort(slot, d->n, sizeof *slot, by_run);
    for (size_t i = 0; i < d->n; i++) order[i] = slot[i].at;
    free(slot);
    rs_status st = write_csv(d, order, err);
    if (st == RS_OK) st = write_h5(d, order, err);
    free(order);
    return st;
}

rs_status rs_sweep_dir_summarize_due(rs_sweep_dir *d, rs_error *err)
{
    double t = now();
    if (t - d->last_summary < d->summary_wait) return RS_OK;
    rs_status st = rs_sweep_dir_summarize(d, err);
    d->last_summary = now();
    d->summary_wait = fmax(SUMMARY_EVERY, SUMMARY_COST * (d->last_summary - t));
    return st;
}

int rs_sweep_run_path(const rs_sweep *s, const char *dir, size_t k, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/runs/%zu-%zu", dir, k / s->replicates, k % s->replicates);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
