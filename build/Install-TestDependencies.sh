#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK: Debian's chromium, which the Pester test
# "The report renders" uses to screenshot a training report headlessly. Without it that test
# is reported as skipped, never as passed.
#
# Safe to run again: it does nothing when /usr/bin/chromium exists. It only installs with
# apt-get, as root, on Debian or Ubuntu; anywhere else it says what to do and exits 0, so a CI
# script can call it unconditionally. It exits 1 only when an install was tried and failed.
set -euo pipefail

chromium=/usr/bin/chromium

if [[ -x "$chromium" ]]; then
    echo "Install-TestDependencies: $chromium is already installed ($("$chromium" --version 2>/dev/null || echo 'version unknown')); nothing to do."
    exit 0
fi

distribution=""
if [[ -r /etc/os-release ]]; then
    distribution=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
fi
if [[ ! " $distribution " =~ [[:space:]](debian|ubuntu)[[:space:]] ]]; then
    echo "Install-TestDependencies: not Debian or Ubuntu ('${distribution:-unknown}'); install Chromium at $chromium yourself, or the screenshot test is skipped."
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "Install-TestDependencies: not root; run 'sudo apt-get install -y chromium' yourself, or the screenshot test is skipped."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install-TestDependencies: apt-get is not available; install Chromium at $chromium yourself, or the screenshot test is skipped."
    exit 0
fi

# Fonts are named so the screenshot has text even on a minimal image. (Recent Ubuntu releases
# ship Chromium as a snap only; there apt-get fails and the script says so.)
echo "Install-TestDependencies: installing chromium and fonts-dejavu-core with apt-get (a minute or two)..."
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q chromium fonts-dejavu-core; }; then
    echo "Install-TestDependencies: apt-get could not install chromium; the screenshot test will be skipped." >&2
    exit 1
fi

if [[ -x "$chromium" ]]; then
    echo "Install-TestDependencies: installed $("$chromium" --version 2>/dev/null || echo "$chromium")."
else
    echo "Install-TestDependencies: apt-get finished but $chromium is missing; the screenshot test will be skipped." >&2
    exit 1
fi
