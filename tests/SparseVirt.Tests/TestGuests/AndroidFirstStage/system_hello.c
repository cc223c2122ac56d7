/*
 * The program the tests' guest runs from the mounted `system` partition: it prints the first line of system's
 * build.prop and of vendor's vendor.prop, then appends "boot N: ..." to a log on userdata (N counts the lines already
 * there), so a second boot over the same overlay shows what the first one wrote.
 *
 * Usage: hello BUILD_PROP VENDOR_PROP USERDATA_LOG
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void first_line(const char *path, char *line, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(line, (int)size, f) == NULL)
        snprintf(line, size, "(cannot read %s)", path);
    line[strcspn(line, "\n")] = '\0';
    if (f != NULL)
        fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: hello BUILD_PROP VENDOR_PROP USERDATA_LOG\n");
        return 2;
    }
    char system_line[256], vendor_line[256], line[512];
    first_line(argv[1], system_line, sizeof system_line);
    first_line(argv[2], vendor_line, sizeof vendor_line);
    printf("system program %s: system says %s, vendor says %s\n", argv[0], system_line, vendor_line);

    int boots = 0;
    FILE *log = fopen(argv[3], "r");
    while (log != NULL && fgets(line, sizeof line, log) != NULL)
        boots++;
    if (log != NULL)
        fclose(log);
    log = fopen(argv[3], "a");
    if (log == NULL || fprintf(log, "boot %d: %s\n", boots + 1, system_line) < 0 || fflush(log) != 0 || fsync(fileno(log)) != 0) {
        perror(argv[3]);
        return 1;
    }
    fclose(log);
    printf("system program: wrote boot %d to %s\n", boots + 1, argv[3]);
    return 0;
}
