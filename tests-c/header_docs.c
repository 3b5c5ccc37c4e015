/* header_docs: every function declared in include/swish.h has its own doc comment ("/" "** ... *" "/")
 * right above it, as the header's conventions promise (what it does, who owns the result, errors).
 * Reads the header as text: a declaration is a line at column 0 that is not a comment, macro or typedef
 * and names swish_something( ; the closest non-blank line above it must close a comment that opened
 * with "/" "**". Prints every undocumented function and exits non-zero if there is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LINES = 8192, MAX_LINE = 512 };
static char lines[MAX_LINES][MAX_LINE];

/* The name in "... swish_name(" on this line, copied into `name`; 0 if there is none. */
static int declared_name(const char *line, char *name, size_t size) {
    for (const char *p = strstr(line, "swish_"); p; p = strstr(p + 1, "swish_")) {
        if (p > line && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9'))) continue;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (p[n] == '(' && n < size) {
            memcpy(name, p, n);
            name[n] = '\0';
            return 1;
        }
    }
    return 0;
}

static int blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

int main(void) {
    const char *path = SWISH_SOURCE_DIR "/include/swish.h";
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("header_docs: cannot open %s\n", path);
        return 1;
    }
    int count = 0;
    while (count < MAX_LINES && fgets(lines[count], MAX_LINE, f)) count++;
    fclose(f);

    int in_comment = 0, functions = 0, undocumented = 0;
    for (int i = 0; i < count; i++) {
        const char *l = lines[i];
        int starts_in_comment = in_comment;
        /* Track block comments across lines (the header has no comment markers inside strings). */
        for (const char *p = l; *p; p++) {
            if (!in_comment && p[0] == '/' && p[1] == '*') in_comment = 1, p++;
            else if (in_comment && p[0] == '*' && p[1] == '/') in_comment = 0, p++;
        }
        char name[128];
        if (starts_in_comment || !(l[0] >= 'a' && l[0] <= 'z') || strncmp(l, "typedef", 7) == 0 ||
            !declared_name(l, name, sizeof name))
            continue;
        functions++;
        /* The closest non-blank line above must end a comment that started with a doc marker. */
        int j = i - 1;
        while (j >= 0 && blank(lines[j])) j--;
        int documented = 0;
        if (j >= 0 && strstr(lines[j], "*/")) {
            while (j >= 0 && !strstr(lines[j], "/*")) j--;
            documented = j >= 0 && strstr(lines[j], "/**") != NULL;
        }
        if (!documented) {
            printf("header_docs: %s (swish.h line %d) has no doc comment right above it\n", name, i + 1);
            undocumented++;
        }
    }
    if (functions == 0) {
        printf("header_docs: found no function declarations in %s; the parsing is broken\n", path);
        return 1;
    }
    printf("header_docs: %d functions, %d without a doc comment\n", functions, undocumented);
    return undocumented ? 1 : 0;
}
