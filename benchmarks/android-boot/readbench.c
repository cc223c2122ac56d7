/* readbench: the android-boot benchmark's in-guest timer and random reader (built static, run from the initramfs).
 *
 *   readbench time CMD [ARG...]     runs CMD, then prints "elapsed_s=S" (CLOCK_MONOTONIC, so the guest's own clock)
 *   readbench rand FILE COUNT       COUNT reads of 4 KiB with O_DIRECT (the guest's page cache would otherwise answer
 *                                   repeats) at random 4 KiB-aligned offsets of FILE (a fixed seed, so every run
 *                                   reads the same offsets), then prints "rand_s=S iops=N"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int time_command(char **argv)
{
    double start = now();
    pid_t child = fork();
    if (child == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) < 0) {
        perror("fork/wait");
        return 1;
    }
    printf("elapsed_s=%.3f\n", now() - start);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int random_reads(const char *path, long count)
{
    int fd = open(path, O_RDONLY | O_DIRECT);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 4096) {
        perror(path);
        return 1;
    }
    void *buffer;
    if (posix_memalign(&buffer, 4096, 4096) != 0) {
        return 1;
    }
    uint64_t blocks = (uint64_t)st.st_size / 4096, state = 0x9E3779B97F4A7C15ull;
    double start = now();
    for (long i = 0; i < count; i++) {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17;   /* xorshift64 */
        if (pread(fd, buffer, 4096, (off_t)(state % blocks) * 4096) != 4096) {
            perror("pread");
            return 1;
        }
    }
    double elapsed = now() - start;
    printf("rand_s=%.3f iops=%.0f\n", elapsed, count / elapsed);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "time") == 0) {
        return time_command(argv + 2);
    }
    if (argc == 4 && strcmp(argv[1], "rand") == 0) {
        return random_reads(argv[2], atol(argv[3]));
    }
    fprintf(stderr, "usage: readbench time CMD [ARG...] | readbench rand FILE COUNT\n");
    return 2;
}
