#!/usr/bin/env bash
# Installs the Debian packages that the tests use, when missing: chromium (browser tests),
# poppler-utils (pdftoppm, pdfsig), xmlsec1, openssl, libnss3-tools (certutil, pk12util for
# pdfsig's trust store), softhsm2 (a PKCS#11 token for the hardware-key tests), gettext
# (translation catalogues), fonts with Vietnamese glyphs. As root it installs them; otherwise it prints the one command to run.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v xmlsec1  >/dev/null 2>&1 || need+=(xmlsec1)
command -v msgfmt   >/dev/null 2>&1 || need+=(gettext)
command -v openssl  >/dev/null 2>&1 || need+=(openssl)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages. Run, then 'make test' again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages the tests need: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
