#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, from Debian's (or Ubuntu's) packages:
#   chromium (with fonts-dejavu-core), which the Pester test "The report renders" uses to
#     screenshot a training report headlessly;
#   wine64, which tests/Pester/Windows.Tests.ps1 uses to run the Windows build of the module
#     (and a Windows PowerShell host) on this Linux machine and compare it with the Linux build.
# Without one of them, the tests that need it are reported as skipped, never as passed.
#
# Safe to run again: it installs only what is missing. It only installs with apt-get, as root,
# on Debian or Ubuntu; anywhere else it says what to do and exits 0, so a CI script can call it
# unconditionally. It exits 1 only when an install was tried and failed.
# BERTADAPT_SKIP_WINE=1 leaves Wine out (the Windows smoke test is then skipped).
set -euo pipefail

chromium=/usr/bin/chromium
wine=/usr/lib/wine/wine64

chromium_packages=()
wine_packages=()
if [[ -x "$chromium" ]]; then
    echo "Install-TestDependencies: $chromium is already installed ($("$chromium" --version 2>/dev/null || echo 'version unknown'))."
else
    chromium_packages=(chromium fonts-dejavu-core)
fi
if [[ -x "$wine" ]]; then
    echo "Install-TestDependencies: $wine is already installed ($("$wine" --version 2>/dev/null || echo 'version unknown'))."
elif [[ "${BERTADAPT_SKIP_WINE:-}" == 1 ]]; then
    echo "Install-TestDependencies: BERTADAPT_SKIP_WINE=1, so Wine is not installed and the Windows smoke test will be skipped."
else
    wine_packages=(wine64)
fi
packages=("${chromium_packages[@]}" "${wine_packages[@]}")
if [[ ${#packages[@]} -eq 0 ]]; then
    echo "Install-TestDependencies: nothing to do."
    exit 0
fi

distribution=""
if [[ -r /etc/os-release ]]; then
    distribution=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
fi
if [[ ! " $distribution " =~ [[:space:]](debian|ubuntu)[[:space:]] ]]; then
    echo "Install-TestDependencies: not Debian or Ubuntu ('${distribution:-unknown}'); install ${packages[*]} yourself, or the tests that need them are skipped."
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "Install-TestDependencies: not root; run 'sudo apt-get install -y --no-install-recommends ${packages[*]}' yourself, or the tests that need them are skipped."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install-TestDependencies: apt-get is not available; install ${packages[*]} yourself, or the tests that need them are skipped."
    exit 0
fi

# Fonts are named so the screenshot has text even on a minimal image. wine64 without its
# recommendations is the 64-bit loader alone (about 25 s to install), which is all the smoke test
# runs. (Recent Ubuntu releases ship Chromium as a snap only; there apt-get fails and says so.)
echo "Install-TestDependencies: installing ${packages[*]} with apt-get (a minute or two)..."
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q; then
    echo "Install-TestDependencies: apt-get update failed; the tests that need ${packages[*]} will be skipped." >&2
    exit 1
fi
status=0
if [[ ${#chromium_packages[@]} -gt 0 ]] && ! apt-get install -y -q "${chromium_packages[@]}"; then
    echo "Install-TestDependencies: apt-get could not install chromium; the screenshot test will be skipped." >&2
    status=1
fi
if [[ ${#wine_packages[@]} -gt 0 ]] && ! apt-get install -y -q --no-install-recommends "${wine_packages[@]}"; then
    echo "Install-TestDependencies: apt-get could not install wine64; the Windows smoke test will be skipped." >&2
    status=1
fi
for installed in "$chromium" "$wine"; do
    if [[ -x "$installed" ]]; then
        echo "Install-TestDependencies: $installed is installed ($("$installed" --version 2>/dev/null || echo 'version unknown'))."
    else
        echo "Install-TestDependencies: $installed is missing; the tests that need it will be skipped." >&2
    fi
done
exit $status
