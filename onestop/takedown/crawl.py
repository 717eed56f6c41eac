"""Where re-upload monitoring gets what it looks at: adapters that turn a ``MonitoringSource``
into *candidates* (where it was found, and the bytes), one at a time.

- ``UrlListAdapter`` fetches each http(s) URL of the source. A media response (an image, judged
  from its bytes by Pillow, or a video, ``hashing.is_video``) is a candidate; an HTML page gives
  the media it shows or links — ``<img src>`` (and ``srcset``), ``<video src>``,
  ``<source src>``, ``<meta property="og:image">`` (and ``og:video``), ``<a href>`` to a media
  file — each fetched in turn (one level: pages linked from pages are not followed). Every
  fetch goes out with our own User-Agent, a timeout and a deadline, a cap on its size and on
  redirects, and no proxy; it never reaches a private, loopback, link-local or otherwise
  non-public address (each connection checks the addresses the host resolves to, after every
  redirect too) unless ``TAKEDOWN_MONITOR_ALLOW_PRIVATE`` is set.
- ``FolderAdapter`` reads the files another crawler dropped in a folder under
  ``TAKEDOWN_DROP_ROOT``; ``NAME.url`` beside ``NAME`` says where it was found. Once a file has
  been looked at, it and its ``.url`` are deleted: we keep hashes, never her content. Files
  still being written (changed in the last ``TAKEDOWN_DROP_SETTLE_SECONDS``), hidden files,
  ``.part``/``.tmp`` files and symbolic links are left alone.

A failure (a dead link, a page that is not media, a file too large) is an ``CrawlError`` in the
stream, counted by the caller; it never stops the others. Nothing here touches the database."""

from __future__ import annotations

import codecs
import http.client
import io
import ipaddress
import os
import socket
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from PIL import Image

from onestop.takedown.errors import InvalidTakedownInput
from onestop.takedown.hashing import is_video
from onestop.takedown.models import MonitoringSource, SourceKind
from onestop.takedown.tracking import host_of, normalized_url

USER_AGENT = "OneStop-ReuploadMonitor/1.0 (deletion support; +https://onestop.invalid/monitor)"
MAX_BYTES = 50 * 1024**2  # one response
TIMEOUT = 20.0  # seconds without a byte
DEADLINE = 120.0  # seconds for one response in all
MAX_REDIRECTS = 3
MAX_LINKS_PER_PAGE = 100
MAX_FETCHES = 2000  # one run of one source
DROP_MAX_BYTES = 500 * 1024**2
SETTLE_SECONDS = 30.0
MEDIA_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif",
     ".heic", ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".flv", ".ts", ".3gp"}
)  # fmt: skip
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
META_MEDIA = frozenset(
    {"og:image", "og:image:url", "og:image:secure_url", "og:video", "og:video:url",
     "og:video:secure_url"}
)  # fmt: skip
UNFINISHED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".url")


@dataclass
class Candidate:
    """Found content: ``url`` where it is (normalised), or "" for a dropped file that came
    without one; ``page`` the page that showed it, if any. The consumer sets ``outcome`` once
    it has looked: "done" (hashed and recorded), "refused" (can never be hashed: not media,
    unreadable, too large), "retry" (look again next time: a video without vPDQ here, a
    database error). A dropped file is deleted after "done" or "refused"."""

    url: str
    data: bytes
    page: str = ""
    outcome: str = ""

    @property
    def host(self) -> str:
        return host_of(self.url) if self.url else ""


@dataclass(frozen=True)
class CrawlError:
    """Something that could not be looked at: ``code`` (e.g. ``timeout``, ``http_404``,
    ``refused_address``, ``not_media``, ``too_large``) and the host, if any — never a path
    or anything fetched."""

    code: str
    host: str = ""


Crawled = Candidate | CrawlError


class Adapter(Protocol):
    def candidates(self) -> Iterator[Crawled]: ...


class FetchError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- fetching ---------------------------------------------------------------------------------


def address_refused(address: str) -> bool:
    """Whether monitoring must not connect to this IP address: anything not on the public
    internet (private, loopback, link-local, shared, reserved, unspecified, multicast)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_address_refused(url: str) -> bool:
    """For a form: the URL names a non-public address literally (no name lookup here)."""
    host = host_of(url)
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address_refused(host.strip("[]"))


class _Guard:
    """Opens the socket of every connection, to an address it checked (so a name that resolves
    to a private address, or is changed to one between the check and the connection, is
    refused)."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect(
        self,
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        host, port = address
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError("dns") from exc
        if not self.allow_private and any(address_refused(str(i[4][0])) for i in infos):
            raise FetchError("refused_address")
        last: OSError | None = None
        for family, kind, proto, _name, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                last = exc
                continue
            return sock
        raise last or FetchError("connect")


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self._guard = guard

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(host, **kwargs)
        # (http.client opens its socket through this hook; typeshed does not declare it)
        connection._create_connection = self._guard.connect  # type: ignore[attr-defined]
        return connection

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self._guard = guard

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPSConnection:
        connection = http.client.HTTPSConnection(host, **kwargs)
        # (http.client opens its socket through this hook; typeshed does not declare it)
        connection._create_connection = self._guard.connect  # type: ignore[attr-defined]
        return connection

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FetchError("redirect_refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _redirects_up_to(limit: int) -> _RedirectHandler:
    class Limited(_RedirectHandler):
        max_redirections = limit
        max_repeats = limit

    return Limited()


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    content_type: str
    charset: str
    data: bytes


class Fetcher:
    """GET with the limits of the module's docstring. Raises ``FetchError``."""

    def __init__(
        self,
        *,
        allow_private: bool | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        max_redirects: int | None = None,
        user_agent: str | None = None,
    ) -> None:
        if allow_private is None:
            allow_private = bool(_setting("TAKEDOWN_MONITOR_ALLOW_PRIVATE", False))
        self.max_bytes = max_bytes or int(_setting("TAKEDOWN_MONITOR_MAX_BYTES", MAX_BYTES))
        self.timeout = timeout or float(_setting("TAKEDOWN_MONITOR_TIMEOUT", TIMEOUT))
        self.deadline = deadline or float(_setting("TAKEDOWN_MONITOR_DEADLINE", DEADLINE))
        self.user_agent = user_agent or str(_setting("TAKEDOWN_MONITOR_USER_AGENT", USER_AGENT))
        redirects = (
            max_redirects
            if max_redirects is not None
            else int(_setting("TAKEDOWN_MONITOR_MAX_REDIRECTS", MAX_REDIRECTS))
        )
        guard = _Guard(allow_private=allow_private)
        # Only the handlers we mean: no proxy from the environment, no ftp:, file: or data:.
        opener = urllib.request.OpenerDirector()
        for handler in (
            _HTTPHandler(guard),
            _HTTPSHandler(guard),
            _redirects_up_to(redirects),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
            urllib.request.UnknownHandler(),
        ):
            opener.add_handler(handler)
        self._opener = opener

    def get(self, url: str) -> Response:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError("bad_url")
        # (http(s) only: checked above, and the opener has no handler for any other scheme)
        headers = {"User-Agent": self.user_agent, "Accept": "*/*"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                length = answer.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise FetchError("too_large")
                chunks: list[bytes] = []
                size = 0
                while chunk := answer.read(64 * 1024):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError("too_large")
                    if time.monotonic() - started > self.deadline:
                        raise FetchError("timeout")
                    chunks.append(chunk)
                return Response(
                    url=answer.geturl(),
                    content_type=answer.headers.get_content_type(),
                    charset=answer.headers.get_content_charset() or "utf-8",
                    data=b"".join(chunks),
                )
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            raise FetchError(f"http_{exc.code}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, FetchError):
                raise exc.reason from exc
            raise FetchError(_code_of(exc.reason)) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise FetchError(_code_of(exc)) from exc


def _code_of(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timeout"
    if isinstance(reason, ConnectionRefusedError):
        return "connection_refused"
    if type(reason).__module__ == "ssl":
        return "tls"
    if isinstance(reason, str) and reason.startswith("unknown url type"):
        return "bad_url"
    return "fetch_failed"


# --- what is media ----------------------------------------------------------------------------


def is_image(data: bytes) -> bool:
    """Whether Pillow recognises these bytes as an image (it reads the header only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)):
                return True
        except Image.DecompressionBombError:
            return True  # an image, and too large: hashing refuses it as such
        except Exception:  # Pillow raises many kinds for what is not an image
            return False


def is_media(data: bytes) -> bool:
    return bool(data) and (is_video(data) or is_image(data))


def looks_like_html(response: Response) -> bool:
    if response.content_type in HTML_TYPES:
        return True
    head = response.data[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        if tag == "base" and values.get("href") and not self.base:
            self.base = values["href"]
        elif tag in ("img", "video", "source"):
            if values.get("src"):
                self.found.append(values["src"])
            for part in values.get("srcset", "").split(","):
                if part.strip():
                    self.found.append(part.split()[0])
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key in META_MEDIA and values.get("content"):
                self.found.append(values["content"])
        elif tag == "a" and values.get("href"):
            path = urlsplit(values["href"]).path.lower()
            if os.path.splitext(path)[1] in MEDIA_EXTENSIONS:
                self.found.append(values["href"])


def media_links(page_url: str, html: str, *, limit: int) -> list[str]:
    """The media a page shows or links, as absolute normalised http(s) URLs, in page order,
    each once, at most ``limit``."""
    parser = _Links()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # (a badly broken page: keep what was read)
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    links: list[str] = []
    for raw in parser.found:
        absolute = urljoin(base, raw)
        if urlsplit(absolute).scheme.lower() not in ("http", "https"):
            continue
        try:
            url = normalized_url(absolute)
        except InvalidTakedownInput:
            continue
        if url not in links:
            links.append(url)
            if len(links) >= limit:
                break
    return links


# --- adapters ---------------------------------------------------------------------------------


class UrlListAdapter:
    def __init__(
        self,
        urls: list[str],
        *,
        fetcher: Fetcher | None = None,
        max_links: int | None = None,
        max_fetches: int | None = None,
    ) -> None:
        self.urls = urls
        self.fetcher = fetcher or Fetcher()
        self.max_links = max_links or int(
            _setting("TAKEDOWN_MONITOR_MAX_LINKS_PER_PAGE", MAX_LINKS_PER_PAGE)
        )
        self.max_fetches = max_fetches or int(_setting("TAKEDOWN_MONITOR_MAX_FETCHES", MAX_FETCHES))

    def candidates(self) -> Iterator[Crawled]:
        seen: set[str] = set()
        fetches = 0
        for raw in self.urls:
            try:
                url = normalized_url(raw)
            except InvalidTakedownInput:
                yield CrawlError("bad_url")
                continue
            if url in seen:
                continue
            seen.add(url)
            if fetches >= self.max_fetches:
                yield CrawlError("fetch_limit", host_of(url))
                return
            fetches += 1
            try:
                response = self.fetcher.get(url)
            except FetchError as failed:
                yield CrawlError(failed.code, host_of(url))
                continue
            if is_media(response.data):
                yield Candidate(url=url, data=response.data)
                continue
            if not looks_like_html(response):
                yield CrawlError("not_media", host_of(url))
                continue
            html = response.data.decode(_codec(response.charset), errors="replace")
            for link in media_links(response.url, html, limit=self.max_links):
                if link in seen:
                    continue
                seen.add(link)
                if fetches >= self.max_fetches:
                    yield CrawlError("fetch_limit", host_of(link))
                    return
                fetches += 1
                try:
                    linked = self.fetcher.get(link)
                except FetchError as failed:
                    yield CrawlError(failed.code, host_of(link))
                    continue
                if is_media(linked.data):
                    yield Candidate(url=link, data=linked.data, page=url)
                else:
                    yield CrawlError("not_media", host_of(link))


def _codec(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return "utf-8"


class DropFolderRefused(Exception):
    """The folder is not one monitoring may read (outside ``TAKEDOWN_DROP_ROOT``, missing)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def drop_root() -> Path | None:
    root = _setting("TAKEDOWN_DROP_ROOT", None)
    return Path(root).resolve() if root else None


def drop_folder(folder: str) -> Path:
    """The folder, resolved, if it is a directory inside ``TAKEDOWN_DROP_ROOT``; else
    ``DropFolderRefused`` (``no_root``, ``outside_root``, ``missing``)."""
    root = drop_root()
    if root is None:
        raise DropFolderRefused("no_root")
    text = (folder or "").strip()
    if not text:
        raise DropFolderRefused("missing")
    path = Path(text)
    resolved = (path if path.is_absolute() else root / path).resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise DropFolderRefused("outside_root")
    if not resolved.is_dir():
        raise DropFolderRefused("missing")
    return resolved


def _sidecar_url(path: Path) -> str:
    sidecar = path.with_name(path.name + ".url")
    try:
        with sidecar.open("rb") as handle:
            text = handle.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        if line.strip():
            try:
                return normalized_url(line.strip())
            except InvalidTakedownInput:
                return ""
    return ""


def _forget(path: Path) -> bool:
    """Delete a dropped file and its ``.url``; whether it is gone."""
    try:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".url").unlink(missing_ok=True)
    except OSError:
        return False
    return True


def _forget_orphan(sidecar: Path, *, settled_before: float) -> None:
    """A ``.url`` whose file is gone (deleted by hand, or never written) is let go too."""
    try:
        if (
            not sidecar.with_name(sidecar.name[: -len(".url")]).exists()
            and sidecar.stat().st_mtime <= settled_before
        ):
            sidecar.unlink(missing_ok=True)
    except OSError:
        return


class FolderAdapter:
    def __init__(
        self,
        folder: str,
        *,
        settle_seconds: float | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.folder = folder
        self.settle_seconds = (
            settle_seconds
            if settle_seconds is not None
            else float(_setting("TAKEDOWN_DROP_SETTLE_SECONDS", SETTLE_SECONDS))
        )
        self.max_bytes = max_bytes or int(_setting("TAKEDOWN_DROP_MAX_BYTES", DROP_MAX_BYTES))

    def candidates(self) -> Iterator[Crawled]:
        try:
            folder = drop_folder(self.folder)
        except DropFolderRefused as refused:
            yield CrawlError(f"folder_{refused.code}")
            return
        now = time.time()
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            name = entry.name
            if name.lower().endswith(".url") and not entry.is_symlink():
                _forget_orphan(Path(entry.path), settled_before=now - self.settle_seconds)
                continue
            if name.startswith(".") or name.lower().endswith(UNFINISHED_SUFFIXES):
                continue
            if entry.is_symlink():
                yield CrawlError("symlink")
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            path = Path(entry.path)
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:
                yield CrawlError("unreadable")
                continue
            if now - status.st_mtime < self.settle_seconds:
                continue  # still being written, perhaps: next time
            url = _sidecar_url(path)
            if status.st_size > self.max_bytes:
                yield CrawlError("too_large", host_of(url) if url else "")
                if not _forget(path):
                    yield CrawlError("delete_failed")
                continue
            try:
                data = path.read_bytes()
            except OSError:
                yield CrawlError("unreadable", host_of(url) if url else "")
                continue
            candidate = Candidate(url=url, data=data)
            yield candidate
            del data
            candidate.data = b""
            if candidate.outcome in ("done", "refused") and not _forget(path):
                yield CrawlError("delete_failed")


def adapter_for(source: MonitoringSource) -> Adapter:
    if source.kind == SourceKind.FOLDER:
        return FolderAdapter(source.folder)
    return UrlListAdapter(source.url_list())
