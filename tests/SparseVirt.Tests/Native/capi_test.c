/*
 * Calls every export of libsparsevirt the way a C program embedding it would, and checks what C can check:
 * status codes, the last error, the progress callback's order, cancellation, the ownership rule (every string
 * freed with sparsevirt_free; run it under valgrind to see no leak). What needs a JSON parser or simg2img is
 * written to files under WORKDIR for the test that runs this program (tests/SparseVirt.Tests/Native/CApiTests.cs).
 *
 *   capi_test SPARSE_IMAGE WORKDIR [MIN_PROGRESS_CALLS]
 *
 * Writes WORKDIR/{version.txt,info.json,verify.json,check.json,expanded.raw}; prints one line per check; exits 1
 * at the first check that fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparsevirt.h"

static int failures;

#define CHECK(condition, ...)                                        \
    do {                                                             \
        if (condition) {                                             \
            printf("ok: %s\n", #condition);                          \
        } else {                                                     \
            printf("FAILED: %s: ", #condition);                      \
            printf(__VA_ARGS__);                                     \
            printf("\n");                                            \
            failures++;                                              \
        }                                                            \
    } while (0)

static char path_buffer[4096];

static const char *in_workdir(const char *workdir, const char *name)
{
    snprintf(path_buffer, sizeof path_buffer, "%s/%s", workdir, name);
    return path_buffer;
}

static void save(const char *workdir, const char *name, const char *text)
{
    FILE *file = fopen(in_workdir(workdir, name), "w");
    if (file == NULL || fputs(text, file) < 0 || fclose(file) != 0) {
        printf("FAILED: cannot write %s: %s\n", name, strerror(errno));
        exit(1);
    }
}

/* The message of the last error, freed here; "" when there is none. */
static const char *last_message(void)
{
    static char copy[4096];
    char *message = sparsevirt_last_error_message();
    snprintf(copy, sizeof copy, "%s", message != NULL ? message : "");
    sparsevirt_free(message);
    return copy;
}

struct progress_record {
    pthread_t caller;
    int other_thread_calls;
    int calls;
    int out_of_order;
    uint64_t last_done;
    uint64_t total;
    int total_changed;
};

static int32_t SPARSEVIRT_CALL record_progress(uint64_t done, uint64_t total, void *user_data)
{
    struct progress_record *record = user_data;
    record->other_thread_calls += !pthread_equal(pthread_self(), record->caller);
    if (record->calls > 0 && (done < record->last_done || total != record->total)) {
        record->out_of_order += done < record->last_done;
        record->total_changed += total != record->total;
    }
    record->calls++;
    record->last_done = done;
    record->total = total;
    return 0;
}

static int32_t SPARSEVIRT_CALL cancel_at_once(uint64_t done, uint64_t total, void *user_data)
{
    (void)done;
    (void)total;
    ++*(int *)user_data;
    return 1;
}

static void *fail_on_another_thread(void *unused)
{
    (void)unused;
    char *json = NULL;
    int32_t status = sparsevirt_info_json("/nonexistent/other-thread.simg", &json);
    return (void *)(intptr_t)(status == SPARSEVIRT_E_NOT_FOUND && sparsevirt_last_error_code() == SPARSEVIRT_E_NOT_FOUND);
}

static void check_json_exports(const char *image, const char *workdir)
{
    char *json = NULL;
    int32_t status = sparsevirt_info_json(image, &json);
    CHECK(status == SPARSEVIRT_OK && json != NULL, "info: status %d: %s", status, last_message());
    if (json != NULL) save(workdir, "info.json", json);
    sparsevirt_free(json);

    json = NULL;
    status = sparsevirt_verify_json(image, &json);
    CHECK(status == SPARSEVIRT_OK && json != NULL, "verify: status %d: %s", status, last_message());
    if (json != NULL) save(workdir, "verify.json", json);
    sparsevirt_free(json);

    json = NULL;
    status = sparsevirt_check_json(NULL, &json);
    CHECK(status == SPARSEVIRT_OK && json != NULL, "check: status %d: %s", status, last_message());
    if (json != NULL) save(workdir, "check.json", json);
    sparsevirt_free(json);
}

static void check_expand(const char *image, const char *workdir, int min_progress_calls)
{
    struct progress_record record = {0};
    record.caller = pthread_self();
    int32_t status = sparsevirt_expand(image, in_workdir(workdir, "expanded.raw"), SPARSEVIRT_EXPAND_VERIFY_CHECKSUMS, record_progress, &record);
    CHECK(status == SPARSEVIRT_OK, "expand: status %d: %s", status, last_message());
    CHECK(sparsevirt_last_error_code() == SPARSEVIRT_OK, "a successful call leaves no last error");
    char *message = sparsevirt_last_error_message();
    CHECK(message == NULL, "a successful call leaves no last error message: %s", message);
    sparsevirt_free(message);
    printf("progress: %d calls, last %llu of %llu\n", record.calls, (unsigned long long)record.last_done, (unsigned long long)record.total);
    CHECK(record.calls >= min_progress_calls, "progress was reported %d times, expected at least %d", record.calls, min_progress_calls);
    CHECK(record.out_of_order == 0 && record.total_changed == 0, "progress went back %d times, its total changed %d times", record.out_of_order, record.total_changed);
    CHECK(record.other_thread_calls == 0, "the callback ran on another thread %d times", record.other_thread_calls);
    CHECK(record.total > 0 && record.last_done == record.total, "the last report is the total: %llu of %llu", (unsigned long long)record.last_done, (unsigned long long)record.total);

    int cancel_calls = 0;
    const char *canceled = in_workdir(workdir, "canceled.raw");
    status = sparsevirt_expand(image, canceled, 0, cancel_at_once, &cancel_calls);
    CHECK(status == SPARSEVIRT_E_CANCELED && sparsevirt_last_error_code() == SPARSEVIRT_E_CANCELED, "a callback returning 1 cancels: status %d: %s", status, last_message());
    CHECK(cancel_calls == 1, "the callback is not called again once it canceled: %d calls", cancel_calls);
    CHECK(access(canceled, F_OK) != 0, "a canceled expansion leaves no output file");

    /* The NULL progress callback is allowed. */
    status = sparsevirt_expand(image, in_workdir(workdir, "quiet.raw"), 0, NULL, NULL);
    CHECK(status == SPARSEVIRT_OK, "expand without a callback: status %d: %s", status, last_message());
}

static void check_errors(const char *workdir)
{
    char *json = (char *)1;
    const char *missing = in_workdir(workdir, "no-such-image.simg");
    int32_t status = sparsevirt_info_json(missing, &json);
    const char *message = last_message();
    CHECK(status == SPARSEVIRT_E_NOT_FOUND && json == NULL, "a missing file is NOT_FOUND and the output NULL: status %d", status);
    CHECK(sparsevirt_last_error_code() == SPARSEVIRT_E_NOT_FOUND, "the last error code is NOT_FOUND: %d", sparsevirt_last_error_code());
    CHECK(strstr(message, "no-such-image.simg") != NULL, "the message names the file: %s", message);
    printf("missing file: %s\n", message);

    status = sparsevirt_expand(NULL, in_workdir(workdir, "x.raw"), 0, NULL, NULL);
    message = last_message();
    CHECK(status == SPARSEVIRT_E_INVALID_ARGUMENT && strstr(message, "sparse_path") != NULL, "a NULL path is INVALID_ARGUMENT naming it: %d %s", status, message);
    status = sparsevirt_expand("a.simg", in_workdir(workdir, "x.raw"), 0x80, NULL, NULL);
    CHECK(status == SPARSEVIRT_E_INVALID_ARGUMENT, "unknown flags are INVALID_ARGUMENT: %d %s", status, last_message());
    status = sparsevirt_info_json("a.simg", NULL);
    CHECK(status == SPARSEVIRT_E_INVALID_ARGUMENT, "a NULL output pointer is INVALID_ARGUMENT: %d", status);

    save(workdir, "not-sparse.bin", "this is not an Android sparse image, only text long enough for a header");
    json = NULL;
    status = sparsevirt_info_json(in_workdir(workdir, "not-sparse.bin"), &json);
    message = last_message();
    CHECK(status == SPARSEVIRT_E_INVALID_DATA && json == NULL, "a file that is not a sparse image is INVALID_DATA: %d %s", status, message);
    printf("not sparse: %s\n", message);

    pthread_t thread;
    void *other_ok = NULL;
    status = sparsevirt_expand(NULL, NULL, 0, NULL, NULL);
    CHECK(pthread_create(&thread, NULL, fail_on_another_thread, NULL) == 0 && pthread_join(thread, &other_ok) == 0 && other_ok != NULL,
          "another thread sees its own last error");
    CHECK(sparsevirt_last_error_code() == SPARSEVIRT_E_INVALID_ARGUMENT, "this thread's last error is still its own: %d", sparsevirt_last_error_code());
    sparsevirt_free(NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s SPARSE_IMAGE WORKDIR [MIN_PROGRESS_CALLS]\n", argv[0]);
        return 2;
    }
    const char *image = argv[1], *workdir = argv[2];
    int min_progress_calls = argc == 4 ? atoi(argv[3]) : 1;

    CHECK(sparsevirt_abi_version() == SPARSEVIRT_ABI_VERSION, "library ABI %d, header ABI %d", sparsevirt_abi_version(), SPARSEVIRT_ABI_VERSION);
    char *version = sparsevirt_version();
    CHECK(version != NULL && version[0] != '\0', "a version string");
    if (version != NULL) save(workdir, "version.txt", version);
    sparsevirt_free(version);

    check_json_exports(image, workdir);
    check_expand(image, workdir, min_progress_calls);
    check_errors(workdir);

    printf("%s: %d check(s) failed\n", failures == 0 ? "PASSED" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}
