"""``onestop hash FILE [FILE ...]``: content hashes, one JSON line per file
(``shared/contracts/hashing.md``). Exit status 1 when any file gave an error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.takedown.hashing import (
    MAX_VIDEO_BYTES,
    MediaError,
    exact,
    is_video,
    pdq,
    vpdq_frames,
)

MAX_IMAGE_BYTES = 100 * 1024**2


def hash_file(path: Path) -> dict[str, Any]:
    """The contract's line for one file."""
    line: dict[str, Any] = {"file": str(path)}
    try:
        size = path.stat().st_size
    except OSError:
        return {**line, "error": "unreadable"}
    with path.open("rb") as stream:
        head = stream.read(512)
    video = is_video(head)
    if size > (MAX_VIDEO_BYTES if video else MAX_IMAGE_BYTES):
        return {**line, "error": "too_large"}
    if size == 0:
        return {**line, "error": "unreadable"}
    data = path.read_bytes()
    try:
        if video:
            frames = vpdq_frames(str(path))
            return {
                **line,
                "kind": "video",
                "frames": len(frames),
                "vpdq": [
                    {"frame": f.frame, "quality": f.quality, "pdq": f.pdq, "seconds": f.seconds}
                    for f in frames
                ],
                **exact(data),
            }
        found = pdq(data)
    except MediaError as refused:
        return {**line, "error": refused.code}
    return {**line, "kind": "image", "pdq": found.hex, "quality": found.quality, **exact(data)}


class Command(BaseCommand):
    help = "Hash images (PDQ) and videos (vPDQ), with SHA-256 and MD5: one JSON line per file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for path in options["files"]:
            line = hash_file(path)
            failed = failed or "error" in line
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failed:
            sys.exit(1)
