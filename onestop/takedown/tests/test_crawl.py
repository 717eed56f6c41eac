"""The crawler adapters (``crawl``), against a local HTTP server (never the internet): a media
URL is a candidate; a page gives the media it shows or links, each fetched once; failures are
counted and the rest goes on; private addresses are refused unless allowed (after a redirect
too); a drop folder's files are read with their ``.url`` and deleted once looked at."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from onestop.takedown.crawl import (
    USER_AGENT,
    Candidate,
    Crawled,
    CrawlError,
    Fetcher,
    FolderAdapter,
    UrlListAdapter,
    address_refused,
    literal_address_refused,
    media_links,
)

# --- a local web site -----------------------------------------------------------------------------


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """What the local server answers (``pages`` by path; anything else is a 404) and what it
    was asked (path and User-Agent of each request)."""

    port: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)
    slow: dict[str, float] = field(default_factory=dict)  # path → seconds before answering

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes, content_type: str = "image/jpeg", **kw: Any) -> str:
        self.pages[path] = Page(body=body, content_type=content_type, **kw)
        return self.url(path)

    def paths_asked(self) -> list[str]:
        return [path for path, _agent in self.asked]


@contextmanager
def serving() -> Iterator[Site]:
    """A web server on 127.0.0.1 (an unused port) answering from a ``Site``, until the end of
    the ``with``."""
    served = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.asked.append((self.path, self.headers.get("User-Agent", "")))
            time.sleep(served.slow.get(self.path, 0))
            page = served.pages.get(self.path) or served.pages.get(self.path.split("?")[0])
            if page is None:
                self.send_error(404)
                return
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as served:
        yield served


@pytest.fixture
def private_allowed(settings: Any) -> None:
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = True


def png(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def crawled(items: Iterator[Crawled]) -> list[tuple[str, str]]:
    """(url or error code, host or "bytes") of every item, consuming the stream."""
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Candidate):
            item.outcome = "done"
            out.append((item.url, f"{len(item.data)} bytes"))
        else:
            out.append((item.code, item.host))
    return out


# --- fetching -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_allowed")
def test_a_media_url_is_a_candidate_fetched_with_our_user_agent(site: Site) -> None:
    red = png((200, 0, 0))
    url = site.add("/media/red.png", red, "image/png")
    items = list(UrlListAdapter([url]).candidates())
    assert len(items) == 1
    candidate = items[0]
    assert isinstance(candidate, Candidate)
    assert candidate.url == url
    assert candidate.data == red
    assert candidate.page == ""
    assert site.asked == [("/media/red.png", USER_AGENT)]


@pytest.mark.usefixtures("private_allowed")
def test_a_page_gives_what_it_shows_and_links_each_fetched_once(site: Site) -> None:
    colours = {
        name: png(colour)
        for name, colour in [
            ("img", (255, 0, 0)),
            ("srcset", (0, 255, 0)),
            ("og", (0, 0, 255)),
            ("linked", (255, 255, 0)),
            ("source", (0, 255, 255)),
            ("base", (255, 0, 255)),
        ]
    }
    for name, body in colours.items():
        site.add(f"/files/{name}.png", body, "application/octet-stream")  # judged by its bytes
    site.add("/files/video.mp4", b"<html>not a video after all</html>", "text/html")
    page = site.add(
        "/board/post/1",
        b"""<!doctype html><html><head>
        <meta property="og:image" content="/files/og.png">
        </head><body>
        <img src="../../files/img.png" alt="">
        <img src="/files/img.png#again"> <img srcset="/files/srcset.png 2x, /files/img.png 1x">
        <video src="/files/video.mp4"><source src="/files/source.png"></video>
        <a href="/files/linked.png?download=1">download</a>
        <a href="/board/post/2">next post</a>
        <a href="mailto:someone@example.com">mail</a>
        <img src="data:image/png;base64,AAAA">
        </body></html>""",
    )
    found = crawled(UrlListAdapter([page, page]).candidates())
    assert found == [
        (site.url("/files/og.png"), f"{len(colours['og'])} bytes"),
        (site.url("/files/img.png"), f"{len(colours['img'])} bytes"),
        (site.url("/files/srcset.png"), f"{len(colours['srcset'])} bytes"),
        ("not_media", "localhost"),
        (site.url("/files/source.png"), f"{len(colours['source'])} bytes"),
        (site.url("/files/linked.png?download=1"), f"{len(colours['linked'])} bytes"),
    ]
    # the page once, each medium once, the next post never
    assert sorted(site.paths_asked()) == sorted(
        [
            "/board/post/1",
            "/files/og.png",
            "/files/img.png",
            "/files/srcset.png",
            "/files/video.mp4",
            "/files/source.png",
            "/files/linked.png?download=1",
        ]
    )


@pytest.mark.usefixtures("private_allowed")
def test_the_page_s_own_base_and_a_cap_on_links_per_page(site: Site, settings: Any) -> None:
    settings.TAKEDOWN_MONITOR_MAX_LINKS_PER_PAGE = 2
    for index in range(4):
        site.add(f"/cdn/{index}.png", png((index * 50, 10, 10)), "image/png")
    page = site.add(
        "/gallery",
        b'<html><head><base href="/cdn/"></head><body>'
        + b"".join(f'<img src="{i}.png">'.encode() for i in range(4))
        + b"</body></html>",
    )
    found = crawled(UrlListAdapter([page]).candidates())
    assert [url for url, _bytes in found] == [site.url("/cdn/0.png"), site.url("/cdn/1.png")]


@pytest.mark.usefixtures("private_allowed")
def test_failures_are_counted_and_the_rest_goes_on(site: Site, settings: Any) -> None:
    settings.TAKEDOWN_MONITOR_MAX_BYTES = 10_000
    big = png((1, 2, 3), size=(600, 600)) + b"\0" * 20_000
    good = png((9, 9, 9))
    urls = [
        site.url("/missing.jpg"),
        site.add("/big.png", big, "image/png"),
        site.add("/notes.txt", b"just text", "text/plain"),
        site.add("/error", b"oops", "text/plain", status=500),
        "ftp://localhost/file.jpg",
        site.url("/missing.jpg"),  # the same URL twice: fetched once
        site.add("/good.png", good, "image/png"),
    ]
    found = crawled(UrlListAdapter(urls).candidates())
    assert found == [
        ("http_404", "localhost"),
        ("too_large", "localhost"),
        ("not_media", "localhost"),
        ("http_500", "localhost"),
        ("bad_url", ""),
        (site.url("/good.png"), f"{len(good)} bytes"),
    ]


@pytest.mark.usefixtures("private_allowed")
def test_redirects_are_followed_up_to_the_limit(site: Site, settings: Any) -> None:
    settings.TAKEDOWN_MONITOR_MAX_REDIRECTS = 2
    body = png((5, 100, 5))
    site.add("/final.png", body, "image/png")
    for hop, target in [("/r1", "/final.png"), ("/r2", "/r1"), ("/r3", "/r2")]:
        site.add(hop, b"", "text/plain", status=302, headers={"Location": site.url(target)})
    site.add("/to-ftp", b"", "text/plain", status=302, headers={"Location": "ftp://x/y.jpg"})
    found = crawled(
        UrlListAdapter([site.url("/r2"), site.url("/r3"), site.url("/to-ftp")]).candidates()
    )
    # the URL kept is the one asked for (where it is published), not the last hop
    assert found == [
        (site.url("/r2"), f"{len(body)} bytes"),
        ("http_302", "localhost"),
        ("redirect_refused", "localhost"),
    ]


def test_private_addresses_are_refused_unless_allowed(site: Site, settings: Any) -> None:
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = False
    url = site.add("/red.png", png((200, 0, 0)), "image/png")
    found = crawled(UrlListAdapter([url, site.url("/red.png", host="127.0.0.1")]).candidates())
    assert found == [("refused_address", "localhost"), ("refused_address", "127.0.0.1")]
    assert site.asked == []  # nothing reached the server


def test_a_redirect_to_a_private_address_is_refused(
    site: Site, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 127.0.0.1 taken for a public address (a stand-in for a public site) and nothing else
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = False
    monkeypatch.setattr(
        "onestop.takedown.crawl.address_refused", lambda address: address != "127.0.0.1"
    )
    site.add("/red.png", png((200, 0, 0)), "image/png")
    hop = site.add(
        "/go",
        b"",
        "text/plain",
        status=302,
        headers={"Location": site.url("/red.png", host="127.0.0.2")},
    )
    found = crawled(UrlListAdapter([hop]).candidates())
    assert found == [("refused_address", "localhost")]
    assert site.paths_asked() == ["/go"]


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("127.0.0.1", True),
        ("169.254.169.254", True),  # the cloud metadata service
        ("100.64.0.1", True),
        ("0.0.0.0", True),  # noqa: S104 — an address to refuse, not one to bind
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("not an address", True),
        ("8.8.8.8", False),
        ("211.234.10.1", False),
        ("2001:4860:4860::8888", False),
    ],
)
def test_which_addresses_are_refused(address: str, refused: bool) -> None:
    assert address_refused(address) is refused


def test_literal_private_hosts_in_a_url() -> None:
    assert literal_address_refused("http://localhost:8000/x")
    assert literal_address_refused("http://10.0.0.5/x")
    assert literal_address_refused("http://[::1]/x")
    assert not literal_address_refused("https://example.com/x")
    assert not literal_address_refused("https://8.8.8.8/x")


def test_media_links_of_a_page_are_absolute_and_once() -> None:
    html = """<img src="a.jpg"><img src="A.JPG"><a href="//cdn.example.com/v.mp4">v</a>
    <a href="page.html">p</a><meta name="og:image" content="https://Img.Example.com/o.png">
    <source srcset="s1.webp 480w, s2.webp 800w"><img src="javascript:alert(1)">"""
    assert media_links("https://example.com/board/1", html, limit=10) == [
        "https://example.com/board/a.jpg",
        "https://example.com/board/A.JPG",
        "https://cdn.example.com/v.mp4",
        "https://img.example.com/o.png",
        "https://example.com/board/s1.webp",
        "https://example.com/board/s2.webp",
    ]


def test_a_fetcher_gives_the_final_url_and_type(site: Site) -> None:
    body = png((1, 1, 1))
    site.add("/x.png", body, "image/png")
    site.add("/hop", b"", "text/plain", status=301, headers={"Location": "/x.png"})
    answer = Fetcher(allow_private=True).get(site.url("/hop"))
    assert answer.url == site.url("/x.png")
    assert answer.content_type == "image/png"
    assert answer.data == body


# --- a drop folder --------------------------------------------------------------------------------


@pytest.fixture
def drop(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "drop"
    (root / "crawler-a").mkdir(parents=True)
    settings.TAKEDOWN_DROP_ROOT = root
    settings.TAKEDOWN_DROP_SETTLE_SECONDS = 0
    return root / "crawler-a"


def test_a_drop_folder_is_read_with_its_urls_and_emptied(drop: Path) -> None:
    one, two = png((10, 20, 30)), png((30, 20, 10))
    (drop / "one.png").write_bytes(one)
    (drop / "one.png.url").write_text("https://Example.com/posts/9#top\n")
    (drop / "two.png").write_bytes(two)
    (drop / ".hidden.png").write_bytes(one)
    (drop / "three.png.part").write_bytes(one)
    (drop / "gone.png.url").write_text("https://example.com/gone")  # its file was removed
    seen: list[tuple[str, bytes]] = []
    items = []
    for item in FolderAdapter("crawler-a").candidates():  # (relative to the root)
        assert isinstance(item, Candidate)
        seen.append((item.url, item.data))
        item.outcome = "done"
        items.append(item)
    assert seen == [("https://example.com/posts/9", one), ("", two)]
    assert [c.data for c in items] == [b"", b""]  # let go once looked at
    assert sorted(p.name for p in drop.iterdir()) == [".hidden.png", "three.png.part"]


def test_dropped_files_stay_until_they_are_looked_at(drop: Path) -> None:
    (drop / "a.png").write_bytes(png((1, 2, 3)))
    (drop / "a.png.url").write_text("https://example.com/a")
    (drop / "b.png").write_bytes(png((3, 2, 1)))
    (drop / "c.png").write_bytes(png((2, 2, 2)))
    stream = FolderAdapter(str(drop)).candidates()
    assert isinstance(stream, Generator)
    first = next(stream)
    assert isinstance(first, Candidate)
    first.outcome = "retry"  # (e.g. a video where vPDQ is not installed)
    second = next(stream)
    assert isinstance(second, Candidate)
    second.outcome = "refused"
    third = next(stream)
    assert isinstance(third, Candidate)
    stream.close()  # the run stopped before it looked at the third
    assert sorted(p.name for p in drop.iterdir()) == ["a.png", "a.png.url", "c.png"]


def test_a_file_still_being_written_waits(drop: Path, settings: Any) -> None:
    settings.TAKEDOWN_DROP_SETTLE_SECONDS = 60
    (drop / "new.png").write_bytes(png((1, 1, 1)))
    (drop / "old.png").write_bytes(png((2, 2, 2)))
    an_hour_ago = time.time() - 3600
    os.utime(drop / "old.png", (an_hour_ago, an_hour_ago))
    found = crawled(FolderAdapter(str(drop)).candidates())
    assert found == [("", f"{len(png((2, 2, 2)))} bytes")]
    assert [p.name for p in drop.iterdir()] == ["new.png"]


def test_a_folder_outside_the_root_or_a_link_out_of_it_is_refused(
    drop: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png((1, 1, 1)))
    assert crawled(FolderAdapter(str(outside)).candidates()) == [("folder_outside_root", "")]
    assert crawled(FolderAdapter("../elsewhere").candidates()) == [("folder_outside_root", "")]
    assert crawled(FolderAdapter("crawler-b").candidates()) == [("folder_missing", "")]
    (drop / "link.png").symlink_to(outside / "secret.png")
    assert crawled(FolderAdapter(str(drop)).candidates()) == [("symlink", "")]
    assert (outside / "secret.png").exists()
    assert (drop / "link.png").is_symlink()


def test_too_large_a_dropped_file_is_refused_and_let_go(drop: Path, settings: Any) -> None:
    settings.TAKEDOWN_DROP_MAX_BYTES = 100
    (drop / "huge.png").write_bytes(png((1, 1, 1), size=(300, 300)))
    (drop / "huge.png.url").write_text("https://example.com/h")
    assert crawled(FolderAdapter(str(drop)).candidates()) == [("too_large", "example.com")]
    assert list(drop.iterdir()) == []


def test_no_drop_root_refuses_every_folder(settings: Any, tmp_path: Path) -> None:
    settings.TAKEDOWN_DROP_ROOT = None
    result: list[CrawlError | Candidate] = list(FolderAdapter(str(tmp_path)).candidates())
    assert result == [CrawlError("folder_no_root")]
