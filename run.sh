#!/usr/bin/env bash
# One entry point for a fresh clone:
#   ./run.sh app [--kiosk] [--port N]   set up, then start the web chat on the built-in defaults
#   ./run.sh test [pytest args]         set up (with test tools); ruff, mypy, the tests, then the eval gate
#   ./run.sh test --fast [pytest args]  ruff, mypy and the fast tier only (no model, no browser; seconds)
# Setup is idempotent: it re-installs only when requirements*.txt or pyproject.toml change.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
VENV=.venv
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False

setup_python() {
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  local stamp="$VENV/.requirements.sha256" want
  want=$(cat requirements.txt requirements-test.txt pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # this machine's pip config lists local package folders that may be absent: hide that noise only
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    # the project itself, editable, on top of the pinned versions: the minsheng command, no sys.path tricks
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -e . \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    echo "$want" > "$stamp"
  fi
}

setup_browser() {
  # The browser tests drive Debian's Chromium: a test tool's own browser download fails offline.
  # Read-aloud speaks with Debian's espeak-ng; screenshots need a CJK font (fonts-noto-cjk).
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
  # The PostgreSQL feedback tests and the 2-replica test start Debian's PostgreSQL and nginx themselves
  # (initdb + pg_ctl in a temporary folder; nginx with its own configuration): the packages only.
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      # policy-rc.d 101: install the packages without starting their system services
      local policy=""
      if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
      fi
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      [ -z "$policy" ] || rm -f "$policy"
    else
      echo "Browser, read-aloud, PostgreSQL and replica tests need: sudo apt-get install ${missing[*]} (they are skipped without it)." >&2
    fi
  fi
}

checks() {
  # Lint, format and types first: CI fails on any of them before a test runs.
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  "$VENV/bin/mypy"
}

cmd=${1:-app}
shift || true
case "$cmd" in
  app)
    setup_python
    exec "$VENV/bin/python" app.py "$@"
    ;;
  test)
    fast=0
    if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi
    setup_python
    checks
    if [ "$fast" = 1 ]; then
      # The fast tier: hash embedder and in-memory indexes; tests on the e5 model, its index, torch or
      # a browser are deselected (markers in tests/conftest.py and pyproject.toml).
      exec "$VENV/bin/python" -m pytest -m "not slow and not model" "$@"
    fi
    setup_browser
    "$VENV/bin/minsheng" ingest --quiet
    "$VENV/bin/python" -m pytest "$@"
    # The eval gate: exits non-zero naming each metric below evals/thresholds.json.
    # Its report goes to a temporary folder (or $EVAL_REPORT_DIR, e.g. for CI artifacts),
    # so the committed evals/reports/default.* change only when someone regenerates them.
    out="${EVAL_REPORT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/minsheng-evals.XXXXXX")}"
    "$VENV/bin/minsheng" eval --quiet --out "$out"
    # The generalisation gate: blind questions about other places' articles in one index
    # (evals/suites.py); its bounds are in evals/thresholds-cities.json.
    "$VENV/bin/minsheng" eval --suite cities-test --quiet --out "$out"
    # The product's promise on the blind sets written later (tenth session): nothing fabricated, no
    # other place's or year's figure, unanswerable questions refused (accuracy is reported, not gated)
    "$VENV/bin/minsheng" eval --suite cities-test-2 --quiet --out "$out"
    "$VENV/bin/minsheng" eval --suite zhengzhou-blind-4 --quiet --out "$out"
    # ... and on the blind sets written in the twelfth session (everyday wording; the seed article after tuning)
    "$VENV/bin/minsheng" eval --suite cities-test-3 --quiet --out "$out"
    "$VENV/bin/minsheng" eval --suite zhengzhou-blind-5 --quiet --out "$out"
    # ... and on the blind Zhengzhou set written in the thirteenth session
    "$VENV/bin/minsheng" eval --suite zhengzhou-blind-6 --quiet --out "$out"
    # ... and on the one written in the fourteenth session
    "$VENV/bin/minsheng" eval --suite zhengzhou-blind-7 --quiet --out "$out"
    ;;
  *)
    echo "usage: ./run.sh app [--kiosk] [--port N] | ./run.sh test [--fast] [pytest args]" >&2
    exit 2
    ;;
esac
