#!/usr/bin/env bash
# Set up (or check) the project's virtual environment in .venv/: Python >= 3.12, the pinned
# packages of requirements.lock, and the project itself (editable). A fast no-op when the
# environment matches requirements.lock and pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.onestop-setup-stamp"
VPDQ=vpdq==0.2.5  # built from source: see the end of this script

want_stamp() {
    { cat requirements.lock pyproject.toml; echo "$VPDQ"; } | sha256sum | cut -d' ' -f1
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

# vPDQ (video hashes for deletion support) builds from source against FFmpeg's libraries:
# Debian's packages are installed when missing and we are root; without them, video hashing
# says so and its tests are skipped (like the browser tests without chromium).
VPDQ_DEBS="libavcodec-dev libavformat-dev libswscale-dev libavutil-dev libswresample-dev
libavdevice-dev libavfilter-dev pkg-config ffmpeg g++"
if ! "$VENV/bin/python" -c 'import vpdq' >/dev/null 2>&1; then
    if ! pkg-config --exists libavcodec libavformat libswscale 2>/dev/null \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing FFmpeg's development packages for vPDQ"
        # shellcheck disable=SC2086  # (a list of package names)
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $VPDQ_DEBS >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
                 apt-get install -y -q $VPDQ_DEBS >/dev/null 2>&1; } || true
    fi
    if "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$VPDQ"; then
        echo "setup: $VPDQ built (video hashing)"
    else
        echo "setup: could not build $VPDQ (needs: $VPDQ_DEBS);" \
            "video hashing is unavailable and its tests will be skipped" >&2
    fi
fi
want_stamp >"$STAMP"
echo "setup: ready ($("$VENV/bin/python" -V))"
