#!/bin/sh
# Installs the headless browser the dashboard test (AdminDashboardBrowserTest) drives: Debian's
# chromium. Idempotent and quiet: does nothing when a chromium is already on the PATH.
# Needs root (or sudo) on Debian/Ubuntu; the test finds the binary on the PATH or in
# $MESH4J_CHROMIUM.
set -eu

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null

command -v chromium >/dev/null 2>&1 || {
  echo "install-browser.sh: chromium is still not on the PATH after apt-get install" >&2
  exit 1
}
