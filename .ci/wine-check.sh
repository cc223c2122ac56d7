#!/usr/bin/env bash
# The Windows collector for real: publish the tool self-contained for win-x64 and run `check --json` under Wine, a
# real Win32 implementation without the Windows Hypervisor Platform. The report must say WHPX is unavailable because
# WinHvPlatform.dll is missing, name the hypervisor CPUID shows, say not ready (exit 1) and never crash.
# Usage: .ci/wine-check.sh OUTPUT_FOLDER [PUBLISHED_FOLDER]
set -uo pipefail
out=$1 published=${2:-}
mkdir -p "$out"
if [ -z "$published" ]; then
  published=$out/win-x64
  dotnet publish src/SparseVirt.Cli/SparseVirt.Cli.csproj -c Release -r win-x64 --self-contained -p:PublishAot=false -p:PublishReadyToRun=false \
    -nologo -clp:ErrorsOnly -o "$published" || { echo "win-x64 publish failed"; exit 1; }
fi
wine=$(command -v wine64 || command -v wine) || { echo "wine is not installed (Debian packages wine, wine64)"; exit 1; }
prefix=$(mktemp -d)
trap 'WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1; rm -rf "$prefix"' EXIT
# The first run creates the prefix (20-60 s); a hung Wine must not hang CI.
WINEPREFIX=$prefix WINEDEBUG=-all timeout 300 "$wine" "$published/sparsevirt.exe" check --json > "$out/wine-check.json" 2> "$out/wine-check.stderr"
rc=$?
echo "sparsevirt.exe check --json under $("$wine" --version 2>/dev/null) exited $rc:"
cat "$out/wine-check.json"
[ "$rc" -eq 1 ] || { echo "expected exit 1 (not ready), got $rc"; cat "$out/wine-check.stderr"; exit 1; }
grep -q '"schemaVersion": 3' "$out/wine-check.json" || { echo "not a schema-3 report"; exit 1; }
grep -q '"kind": "windows"' "$out/wine-check.json" || { echo "the report does not say Windows"; exit 1; }
grep -q '"status": "hypervisorPlatformDisabled"' "$out/wine-check.json" || { echo "WHPX is not reported as hypervisorPlatformDisabled"; exit 1; }
grep -q 'WinHvPlatform.dll is missing' "$out/wine-check.json" || { echo "the reason does not name WinHvPlatform.dll"; exit 1; }
if grep -q '"hypervisorPresent": true' "$out/wine-check.json"; then
  grep -q 'this is a guest of' "$out/wine-check.json" || { echo "CPUID shows a hypervisor but the reason does not name it"; exit 1; }
fi
