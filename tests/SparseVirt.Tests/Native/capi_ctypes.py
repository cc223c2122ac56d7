#!/usr/bin/env python3
"""Calls libsparsevirt through ctypes, as an AOSP build script (a releasetools-style Python step) would.

    capi_ctypes.py LIBSPARSEVIRT SPARSE_IMAGE WORKDIR

Expands SPARSE_IMAGE into WORKDIR/python.raw with a progress callback, writes the info and check JSON to
WORKDIR/python-info.json and WORKDIR/python-check.json, and checks the error path. Exits 1 at the first failure;
the test that runs it (tests/SparseVirt.Tests/Native/CApiTests.cs) compares the outputs with simg2img's and the
library's own.
"""
import ctypes
import json
import os
import sys

SPARSEVIRT_OK = 0
SPARSEVIRT_E_NOT_FOUND = 2
SPARSEVIRT_E_CANCELED = 6
PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)


class SparseVirtError(Exception):
    def __init__(self, code, message):
        super().__init__(f"sparsevirt error {code}: {message}")
        self.code = code


class SparseVirt:
    """A thin binding: every char* the library returns is copied into a Python str, then sparsevirt_free'd."""

    def __init__(self, path):
        lib = ctypes.CDLL(path)
        lib.sparsevirt_version.restype = ctypes.c_void_p
        lib.sparsevirt_abi_version.restype = ctypes.c_int32
        lib.sparsevirt_last_error_code.restype = ctypes.c_int32
        lib.sparsevirt_last_error_message.restype = ctypes.c_void_p
        lib.sparsevirt_free.argtypes = [ctypes.c_void_p]
        lib.sparsevirt_free.restype = None
        for name in ("sparsevirt_info_json", "sparsevirt_verify_json"):
            getattr(lib, name).argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
            getattr(lib, name).restype = ctypes.c_int32
        lib.sparsevirt_check_json.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.sparsevirt_check_json.restype = ctypes.c_int32
        lib.sparsevirt_expand.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint32, PROGRESS, ctypes.c_void_p]
        lib.sparsevirt_expand.restype = ctypes.c_int32
        self._lib = lib

    def _take(self, pointer):
        if not pointer:
            return None
        try:
            return ctypes.string_at(pointer).decode("utf-8")
        finally:
            self._lib.sparsevirt_free(pointer)

    def _raise_if_failed(self, status):
        if status != SPARSEVIRT_OK:
            raise SparseVirtError(status, self._take(self._lib.sparsevirt_last_error_message()))

    def version(self):
        return self._take(self._lib.sparsevirt_version())

    def _json(self, function, argument):
        out = ctypes.c_void_p()
        self._raise_if_failed(function(argument, ctypes.byref(out)))
        return json.loads(self._take(out.value))

    def info(self, image):
        return self._json(self._lib.sparsevirt_info_json, os.fsencode(image))

    def check(self):
        return self._json(self._lib.sparsevirt_check_json, None)

    def unsparse(self, image, raw, progress=None):
        """Expands image into raw; progress(done, total) returning True cancels."""
        callback = PROGRESS(lambda done, total, _: 1 if progress and progress(done, total) else 0)
        self._raise_if_failed(self._lib.sparsevirt_expand(os.fsencode(image), os.fsencode(raw), 0, callback, None))


def main(library, image, workdir):
    sv = SparseVirt(library)
    print("libsparsevirt", sv.version())
    reports = []
    sv.unsparse(image, os.path.join(workdir, "python.raw"), lambda done, total: reports.append((done, total)) and False)
    assert reports, "the progress callback was never called"
    assert all(a[0] <= b[0] for a, b in zip(reports, reports[1:])), f"progress went back: {reports}"
    assert reports[-1][0] == reports[-1][1], f"the last report is not the total: {reports[-1]}"
    print(f"expanded with {len(reports)} progress report(s)")

    info = sv.info(image)
    assert info["schemaVersion"] == 1 and info["rawLength"] == reports[-1][1], info
    with open(os.path.join(workdir, "python-info.json"), "w") as f:
        json.dump(info, f)
    check = sv.check()
    assert isinstance(check["isReady"], bool) and "schemaVersion" in check, check
    with open(os.path.join(workdir, "python-check.json"), "w") as f:
        json.dump(check, f)

    try:
        sv.info(os.path.join(workdir, "missing.simg"))
        raise AssertionError("a missing image did not raise")
    except SparseVirtError as e:
        assert e.code == SPARSEVIRT_E_NOT_FOUND and "missing.simg" in str(e), e
        print("missing image:", e)
    try:
        sv.unsparse(image, os.path.join(workdir, "canceled.raw"), lambda done, total: True)
        raise AssertionError("a progress callback returning True did not cancel")
    except SparseVirtError as e:
        assert e.code == SPARSEVIRT_E_CANCELED, e
        assert not os.path.exists(os.path.join(workdir, "canceled.raw")), "a canceled expansion left a file"
    print("PASSED")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
