#!/usr/bin/env bash
# Set up (or check) the project's virtual environment in .venv/: Python >= 3.12, the pinned
# packages of requirements.lock, and the project itself (editable). A fast no-op when the
# environment matches requirements.lock and pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.onestop-setup-stamp"

want_stamp() {
    cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1
}

# A Python we can use: runs, and is 3.12 or newer.
usable() {
    [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
    # Named commands first (on pyenv machines these are shims that fail unless the version is
    # active, so each one is actually run), then pyenv's installed versions, then Debian's.
    local candidate root
    for candidate in python3.13 python3.12; do
        if usable "$candidate"; then command -v "$candidate"; return 0; fi
    done
    if root=$(pyenv root 2>/dev/null); then
        for candidate in "$root"/versions/3.13*/bin/python3.13 "$root"/versions/3.12*/bin/python3.12; do
            if usable "$candidate"; then echo "$candidate"; return 0; fi
        done
    fi
    for candidate in /usr/bin/python3.13 /usr/bin/python3.12 /usr/local/bin/python3.13 \
        /usr/local/bin/python3.12 python3; do
        if usable "$candidate"; then command -v "$candidate"; return 0; fi
    done
    return 1
}

if usable "$VENV/bin/python" && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ]; then
    exit 0  # up to date
fi

if ! usable "$VENV/bin/python"; then
    if ! PYTHON=$(find_python); then
        echo "setup: OneStop needs Python 3.12 or newer (Django 6), and none was found." >&2
        echo "setup: tried python3.13, python3.12, \$(pyenv root)/versions/3.1[23]*," >&2
        echo "setup: /usr/bin/python3.1[23] and python3. Install Python 3.13 (or 3.12)," >&2
        echo "setup: e.g. 'pyenv install 3.13' or your distribution's python3.13 package." >&2
        exit 1
    fi
    echo "setup: creating $VENV with $PYTHON ($("$PYTHON" -V 2>&1))"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

echo "setup: installing requirements.lock into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.lock
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
want_stamp >"$STAMP"
echo "setup: ready ($("$VENV/bin/python" -V))"
