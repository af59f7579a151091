#!/usr/bin/env bash
# The dashboard's and the weekly report's charts (matplotlib) need a CJK font, and the
# report's test renders the PDF with pdftoppm: install Debian's WenQuanYi Micro Hei and
# poppler-utils once if they are missing (as scripts/browser_deps.sh does for Chromium).
set -euo pipefail
missing=()
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei fontconfig)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing for the charts/report: run 'sudo apt-get install ${missing[*]}' once." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
