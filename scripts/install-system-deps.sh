#!/usr/bin/env bash
# Debian packages Birtereze uses: Chromium for the browser tests and screenshots, espeak-ng and sox for
# voice announcements, DejaVu fonts for tickets, PostgreSQL and Redis clients. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(chromium espeak-ng sox fonts-dejavu-core postgresql-client redis-tools)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
