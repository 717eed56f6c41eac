#!/usr/bin/env bash
# Run the test suite (after scripts/setup.sh). Extra arguments go to pytest.
# Browser tests need Debian's chromium: installed here when missing and running as root.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test: installing Debian's chromium for the browser tests"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q chromium >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; } \
            || echo "test: could not install chromium; browser tests will be skipped"
    else
        echo "test: chromium is not installed (needs root: apt-get install chromium);" \
            "browser tests will be skipped"
    fi
fi

# Run the tests in parallel (one test database per worker) unless the caller chose otherwise.
parallel=(-n auto)
for arg in "$@"; do
    case "$arg" in -n | -n* | --numprocesses* | -p | --pdb | --trace) parallel=() ;; esac
done

.venv/bin/pytest "${parallel[@]}" "$@"
rc=$?
if [ "$rc" = 5 ]; then
    echo "test: pytest ran no test (exit code 5) — treating that as a failure" >&2
fi
exit "$rc"
