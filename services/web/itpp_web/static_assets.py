"""The browser files (the web's own and the vendored htmx and Pico CSS), read once at start-up.

Each file gets a second name carrying a hash of its content (`app.3f9c0a1b2c4d.css`); the pages
link that name (`static_url('app.css')` in the templates), and it is served with a year's
`immutable` cache lifetime: a browser never asks again, and a changed file has a new name. The
plain name still answers, with a short lifetime (an old page, a bookmark). Every file is kept in
memory as it is, Brotli-compressed and gzip-compressed (once, at start-up); a browser gets the
smallest its `Accept-Encoding` allows: Brotli (`br`), else gzip, else the file as it is.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import brotli
from starlette.responses import Response

HASH_LENGTH = 12
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# Smaller than this, compressing saves less than the header costs.
COMPRESS_FROM = 256


@dataclass(frozen=True)
class Asset:
    name: str  # the plain name, `app.css`
    hashed: str  # the name the pages link, `app.<hash>.css`
    media_type: str
    body: bytes
    gzipped: bytes | None
    brotli: bytes | None = None


def hashed_name(name: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def load_asset(name: str, path: Path) -> Asset:
    body = path.read_bytes()
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    # mtime=0: the same file compresses to the same bytes in every process.
    if len(body) < COMPRESS_FROM:
        return Asset(name, hashed_name(name, body), media_type, body, None, None)
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    mode = brotli.MODE_TEXT if path.suffix in MEDIA_TYPES else brotli.MODE_GENERIC
    brotlied = brotli.compress(body, mode=mode, quality=11)
    return Asset(name, hashed_name(name, body), media_type, body, gzipped, brotlied)


class StaticAssets:
    """The files of one directory of `/static/…`, by plain and hashed name."""

    def __init__(self, prefix: str, files: dict[str, Path]) -> None:
        self.prefix = prefix.rstrip("/")
        self.assets = {name: load_asset(name, path) for name, path in files.items()}
        self._by_hashed = {asset.hashed: asset for asset in self.assets.values()}

    def url(self, name: str) -> str:
        return f"{self.prefix}/{self.assets[name].hashed}"

    def response(self, name: str, accept_encoding: str) -> Response:
        asset = self._by_hashed.get(name)
        cache = LONG_CACHE
        if asset is None:
            asset = self.assets.get(name)
            cache = SHORT_CACHE
        if asset is None:
            return Response(status_code=404)
        headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
        body = asset.body
        if asset.brotli is not None and accepts(accept_encoding, "br"):
            body = asset.brotli
            headers["Content-Encoding"] = "br"
        elif asset.gzipped is not None and accepts(accept_encoding, "gzip"):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)


def accepts(accept_encoding: str, wanted: str) -> bool:
    """Whether an `Accept-Encoding` header allows the coding `wanted`: named with a quality above
    0, or not named and `*` allowed (RFC 9110, 12.5.3)."""
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        qualities.setdefault(coding.strip().lower(), quality)
    found = qualities.get(wanted, qualities.get("*"))
    return found is not None and found > 0


def app_files(directory: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted(directory.iterdir()) if path.is_file()}
