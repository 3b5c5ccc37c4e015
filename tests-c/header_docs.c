/* header_docs: every function declared in include/swish.h has its own doc comment ("/" "** ... *" "/")
 * right above it, as the header's conventions promise, and the comment says what matters most for its
 * kind of function:
 *   - it is not empty;
 *   - a function returning a pointer that is not a handle (a string, a float array) says who owns the
 *     memory or how long it stays valid ("static", "owned by", "valid");
 *   - a function whose result is "valid until the next" call says on which thread;
 *   - a function that reads or changes per-thread state (last error, scopes, grad mode, the per-thread
 *     string buffers) says "thread", and one that changes process-wide state says "process" or "thread".
 * Ownership of returned handles and the error conventions are stated once, at the top of the header and in
 * each section's preamble, so they are not required again per function.
 * Reads the header as text: a declaration is a line at column 0 that is not a comment, macro or typedef
 * and names swish_something( ; the closest non-blank line above it must close a comment that opened
 * with "/" "**". Prints every problem and exits non-zero if there is one.
 *     header_docs [path/to/swish.h]   (default: this tree's include/swish.h; header_docs_selftest passes
 *                                      damaged copies to check that each rule can fail) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LINES = 8192, MAX_LINE = 512, MAX_DOC = 8192 };
static char lines[MAX_LINES][MAX_LINE];

/* Functions that read or change this thread's state. */
static const char *const per_thread[] = {
    "swish_last_status",      "swish_last_error",       "swish_clear_error",  "swish_scope_begin",
    "swish_scope_end",        "swish_set_grad_enabled", "swish_is_grad_enabled", "swish_no_grad_begin",
    "swish_no_grad_end",      "swish_set_callback_error", "swish_tensor_str", "swish_module_str",
};
/* Functions that change state every thread sees. */
static const char *const process_wide[] = {"swish_manual_seed", "swish_set_progress"};

/* The name in "... swish_name(" on this line, copied into `name`, and where it starts; NULL if none. */
static const char *declared_name(const char *line, char *name, size_t size) {
    for (const char *p = strstr(line, "swish_"); p; p = strstr(p + 1, "swish_")) {
        if (p > line && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9'))) continue;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (p[n] == '(' && n < size) {
            memcpy(name, p, n);
            name[n] = '\0';
            return p;
        }
    }
    return NULL;
}

static int blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

static int listed(const char *name, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0) return 1;
    return 0;
}

/* Whether the return type (the text before the name) is a pointer to something other than a handle. */
static int returns_plain_pointer(const char *line, const char *name_at) {
    char type[MAX_LINE];
    size_t n = (size_t)(name_at - line);
    memcpy(type, line, n);
    type[n] = '\0';
    if (!strchr(type, '*')) return 0;
    static const char *const handles[] = {"swish_tensor ", "swish_module ", "swish_optimizer ",
                                          "swish_generator ", "swish_state_dict "};
    for (size_t i = 0; i < sizeof handles / sizeof *handles; i++)
        if (strstr(type, handles[i])) return 0;
    return 1;
}

static int problems = 0;
static void problem(const char *name, int line, const char *what) {
    printf("header_docs: %s (line %d): %s\n", name, line, what);
    problems++;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : SWISH_SOURCE_DIR "/include/swish.h";
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("header_docs: cannot open %s\n", path);
        return 1;
    }
    int count = 0;
    while (count < MAX_LINES && fgets(lines[count], MAX_LINE, f)) count++;
    fclose(f);

    int in_comment = 0, functions = 0;
    for (int i = 0; i < count; i++) {
        const char *l = lines[i];
        int starts_in_comment = in_comment;
        /* Track block comments across lines (the header has no comment markers inside strings). */
        for (const char *p = l; *p; p++) {
            if (!in_comment && p[0] == '/' && p[1] == '*') in_comment = 1, p++;
            else if (in_comment && p[0] == '*' && p[1] == '/') in_comment = 0, p++;
        }
        char name[128];
        const char *name_at;
        if (starts_in_comment || !(l[0] >= 'a' && l[0] <= 'z') || strncmp(l, "typedef", 7) == 0 ||
            !(name_at = declared_name(l, name, sizeof name)))
            continue;
        functions++;
        /* The closest non-blank line above must end a comment that started with a doc marker. */
        int end = i - 1;
        while (end >= 0 && blank(lines[end])) end--;
        int start = end;
        if (end >= 0 && strstr(lines[end], "*/")) {
            while (start >= 0 && !strstr(lines[start], "/*")) start--;
        }
        if (end < 0 || !strstr(lines[end], "*/") || start < 0 || !strstr(lines[start], "/**")) {
            problem(name, i + 1, "has no doc comment right above it");
            continue;
        }
        /* The comment's text, with the comment markers and leading asterisks dropped. */
        char doc[MAX_DOC] = "";
        size_t used = 0;
        for (int j = start; j <= end; j++) {
            const char *t = lines[j];
            if (j == start) t = strstr(t, "/**") + 3;
            t += strspn(t, " \t");
            if (j > start && *t == '*' && t[1] != '/') t++;
            size_t n = strlen(t);
            if (used + n + 1 < sizeof doc) memcpy(doc + used, t, n), used += n, doc[used++] = ' ', doc[used] = '\0';
        }
        char *close = strstr(doc, "*/");
        if (close) *close = '\0';
        if (strspn(doc, " \t\r\n*") == strlen(doc)) problem(name, i + 1, "has an empty doc comment");
        if (returns_plain_pointer(l, name_at) && !strstr(doc, "static") && !strstr(doc, "Static") &&
            !strstr(doc, "owned by") && !strstr(doc, "Owned by") && !strstr(doc, "valid"))
            problem(name, i + 1, "returns a pointer but does not say who owns it or how long it is valid");
        if (strstr(doc, "valid until the next") && !strstr(doc, "thread"))
            problem(name, i + 1, "is valid until the next call but does not say on which thread");
        if (listed(name, per_thread, sizeof per_thread / sizeof *per_thread) && !strstr(doc, "thread"))
            problem(name, i + 1, "uses per-thread state but its doc does not say so (\"thread\")");
        if (listed(name, process_wide, sizeof process_wide / sizeof *process_wide) && !strstr(doc, "process") &&
            !strstr(doc, "thread"))
            problem(name, i + 1, "changes process-wide state but its doc does not say so (\"process\", \"thread\")");
    }
    if (functions < 50) {
        printf("header_docs: found %d function declarations in %s; the parsing is broken\n", functions, path);
        return 1;
    }
    printf("header_docs: %d functions, %d problems\n", functions, problems);
    return problems ? 1 : 0;
}
