"""What a file is, from its first bytes — never from its name, which anyone can change. Only the
kinds evidence comes in are let in: photos, videos, voice recordings, PDFs and plain text (chat
exports, call logs). Archives, office documents and programs are refused."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    kind: str  # photo | video | audio | document | text


def _ftyp(head: bytes) -> str:
    return head[8:12].decode("latin-1") if head[4:8] == b"ftyp" else ""


def sniff(data: bytes) -> Sniffed | None:
    """The type of the file, or None when it is not one evidence may be."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "photo")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "photo")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image/gif", "photo")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "photo")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Sniffed("audio/wav", "audio")
    brand = _ftyp(head)
    if brand in ("heic", "heix", "mif1", "msf1", "hevc"):
        return Sniffed("image/heic", "photo")
    if brand in ("M4A ", "M4B "):
        return Sniffed("audio/mp4", "audio")
    if brand in ("qt  ",):
        return Sniffed("video/quicktime", "video")
    if brand in ("isom", "iso2", "mp41", "mp42", "avc1", "3gp4", "3gp5", "3g2a", "MSNV", "dash"):
        return Sniffed("video/mp4", "video")
    if head.startswith(b"#!AMR"):
        return Sniffed("audio/amr", "audio")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return Sniffed("audio/mpeg", "audio")
    if head.startswith(b"OggS"):
        return Sniffed("audio/ogg", "audio")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "document")
    if data and b"\x00" not in data[:8192]:
        for encoding in ("utf-8-sig", "cp949"):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return Sniffed("text/plain", "text")
    return None


# The file name extension a download of each kept type gets (the name it came with stays sealed).
EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "image/heic": "heic", "video/mp4": "mp4", "video/quicktime": "mov", "audio/mp4": "m4a",
    "audio/mpeg": "mp3", "audio/amr": "amr", "audio/ogg": "ogg", "audio/wav": "wav",
    "application/pdf": "pdf", "text/plain": "txt",
}  # fmt: skip
