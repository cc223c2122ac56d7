/*
 * sparsevirt.h: the C interface of SparseVirt (libsparsevirt.so on Linux; the same sources build
 * libsparsevirt.dll on Windows and libsparsevirt.dylib on macOS, each on its own operating system).
 *
 * The library is SparseVirt's .NET code compiled ahead of time (NativeAOT): no .NET runtime is needed.
 * See docs/native.md for embedding it (C, C++, Python ctypes, installers).
 *
 * Conventions, the same for every function:
 *
 *   Status.   Every function that can fail returns an int32_t status: SPARSEVIRT_OK (0) on success, otherwise one
 *             of the SPARSEVIRT_E_* codes below. The same code and a message naming what failed and where are kept
 *             for the calling thread: sparsevirt_last_error_code() and sparsevirt_last_error_message().
 *
 *   Strings.  Every string passed in is UTF-8 and NUL-terminated. Every string the library hands out (through a
 *             char** out parameter or as a return value) is allocated by the library, NUL-terminated UTF-8, owned by
 *             the caller from then on, and must be released with sparsevirt_free() (never free(): on Windows the
 *             library and the caller may not share a C runtime heap). That is the only ownership rule; no function
 *             takes a caller's buffer. On failure the out parameter is set to NULL.
 *
 *   Threads.  Every function may be called from any thread, and from several threads at once. The last error is
 *             per thread. Callbacks run on the thread that made the call, before that call returns.
 *
 *   Errors.   Nothing the library does ends the process: a failure of any kind, a bug included, is a status.
 */
#ifndef SPARSEVIRT_H
#define SPARSEVIRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define SPARSEVIRT_API __declspec(dllimport)
#  define SPARSEVIRT_CALL __cdecl
#else
#  define SPARSEVIRT_API
#  define SPARSEVIRT_CALL
#endif

/* The version of this interface (functions, status codes, ownership rules). A library whose
 * sparsevirt_abi_version() differs from the header's is not compatible with it. */
#define SPARSEVIRT_ABI_VERSION 1

/* Status codes. The same classification is the "kind" of the sparsevirt CLI's JSON errors (in camelCase). */
#define SPARSEVIRT_OK                    0 /* success */
#define SPARSEVIRT_E_INVALID_ARGUMENT    1 /* an argument is NULL or malformed, or flags has unknown bits */
#define SPARSEVIRT_E_NOT_FOUND           2 /* a file or folder does not exist */
#define SPARSEVIRT_E_ACCESS_DENIED       3 /* permission denied */
#define SPARSEVIRT_E_INVALID_DATA        4 /* the input breaks its format: bad header, bad chunk, checksum mismatch, truncated */
#define SPARSEVIRT_E_IO                  5 /* any other I/O error: disk full, read error */
#define SPARSEVIRT_E_CANCELED            6 /* a progress callback asked to stop */
#define SPARSEVIRT_E_UNSUPPORTED         7 /* not supported on this system or for this kind of file */
#define SPARSEVIRT_E_INTERNAL            8 /* a failure inside the library (a bug): the message says what */

/* Flags of sparsevirt_expand. */
#define SPARSEVIRT_EXPAND_VERIFY_CHECKSUMS 0x1u /* check CRC32 chunks and the image checksum while expanding */
#define SPARSEVIRT_EXPAND_DURABLE          0x2u /* fsync the output and its folder before returning */

/*
 * Progress of sparsevirt_expand: bytes_done of bytes_total expanded bytes written so far. Called on the calling
 * thread, with bytes_done never decreasing. Return 0 to go on, any other value to cancel: the expansion stops,
 * the destination is left as it was (a new file is not created), and sparsevirt_expand returns
 * SPARSEVIRT_E_CANCELED.
 */
typedef int32_t (SPARSEVIRT_CALL *sparsevirt_progress_fn)(uint64_t bytes_done, uint64_t bytes_total, void *user_data);

/* The library's version, e.g. "0.2.0" (a build may add "+COMMIT"). Release the string with sparsevirt_free(). */
SPARSEVIRT_API char *SPARSEVIRT_CALL sparsevirt_version(void);

/* SPARSEVIRT_ABI_VERSION of the header the library was built with. */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_abi_version(void);

/*
 * Which hardware accelerator this process can use (KVM on Linux, WHPX on Windows, HVF on macOS), and if none, why:
 * the same JSON document as `sparsevirt check --json` (schema in docs/hypervisor.md; "schemaVersion", "isReady",
 * "best", "accelerators", "facts" ...). On Linux, KVM counts as ready only when a trial guest ran correctly on it.
 *
 * kvm_device: the KVM device to probe, or NULL for /dev/kvm (ignored on other systems).
 * out_json:   receives the report; release it with sparsevirt_free().
 * Returns SPARSEVIRT_OK when the check ran (whatever its verdict: read "isReady"), an error when the check itself
 * could not run.
 */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_check_json(const char *kvm_device, char **out_json);

/*
 * Describes the Android sparse image at sparse_path: the same JSON document as `sparsevirt info --json`
 * (schema in docs/sparse-creating.md: "schemaVersion", "header", "rawLength", "sparseLength", "totals", "chunks" ...).
 *
 * out_json: receives the description; release it with sparsevirt_free().
 */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_info_json(const char *sparse_path, char **out_json);

/*
 * Checks the structure and the checksums of the sparse image at sparse_path: the same JSON document as
 * `sparsevirt verify --json` ("schemaVersion", "isValid", "problem" ...). An image that fails the check is not an
 * error: the call returns SPARSEVIRT_OK and the JSON says "isValid": false and why. Errors are for a file that
 * cannot be read at all.
 *
 * out_json: receives the result; release it with sparsevirt_free().
 */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_verify_json(const char *sparse_path, char **out_json);

/*
 * Expands the Android sparse image at sparse_path into the raw image raw_path, like AOSP's simg2img (byte for byte
 * the same output). A regular file is written under a temporary name beside raw_path and renamed over it only on
 * success: on any failure or cancellation an existing raw_path is untouched. DONT_CARE ranges stay holes.
 *
 * flags:     0, or SPARSEVIRT_EXPAND_* flags or-ed together.
 * progress:  called as the expansion advances (may be NULL); return non-zero from it to cancel.
 * user_data: passed to progress as it is.
 */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_expand(const char *sparse_path, const char *raw_path, uint32_t flags,
                                                        sparsevirt_progress_fn progress, void *user_data);

/* The status of the calling thread's last failed call (SPARSEVIRT_OK when its last call succeeded). */
SPARSEVIRT_API int32_t SPARSEVIRT_CALL sparsevirt_last_error_code(void);

/*
 * The message of the calling thread's last failed call (it names what failed and where: the file, the chunk, the
 * byte offset), or NULL when its last call succeeded. Release the string with sparsevirt_free().
 * Calling this function (or sparsevirt_last_error_code or sparsevirt_free) does not change the last error.
 */
SPARSEVIRT_API char *SPARSEVIRT_CALL sparsevirt_last_error_message(void);

/* Releases a string the library handed out. NULL is ignored. */
SPARSEVIRT_API void SPARSEVIRT_CALL sparsevirt_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* SPARSEVIRT_H */
