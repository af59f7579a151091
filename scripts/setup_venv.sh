#!/usr/bin/env bash
# Create the project's virtual environment from the pinned lock, reproducibly.
# Rasa 3.6 declares Python <3.11 but works on 3.11; it and rasa-sdk are installed
# without their (over-tight) metadata, their real dependencies come from the lock.
set -euo pipefail
python_bin=${1:-python3.11}
venv=${2:-.venv}
cd "$(dirname "$0")/.."
if [ ! -x "$venv/bin/python" ]; then
  "$python_bin" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.3.1"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements/lock.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --ignore-requires-python -r requirements/rasa.txt
# Make `bot` and `actions` importable from every entry point (rasa, pytest, scripts).
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$(pwd)" > "$site/jiaojing_xinfang.pth"
# pip check may report only the known, harmless matplotlib deviation.
problems=$("$venv/bin/pip" check 2>&1 | grep -v -E "^rasa 3\.6\.21 has requirement matplotlib" || true)
if [ -n "$problems" ] && [ "$problems" != "No broken requirements found." ]; then
  echo "pip check found unexpected problems:" >&2
  echo "$problems" >&2
  exit 1
fi
echo "virtual environment ready: $venv"
