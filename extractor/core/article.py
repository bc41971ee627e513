"""Stage 1: read an article and fix the text that every offset indexes.

The seeds start with a ` date YYYY-MM-DD ` header, sometimes followed on the
same line by the dateline ("NEW DELHI: The European Union ..."). The header is
removed and line endings become "\n"; nothing else in the text changes, so
`load_article(source)` reproduces the offsets of any record made from it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import os
import re
import stat
from os import PathLike
from pathlib import Path

from extractor.schemas import Article

from ..errors import ArticleLoadError

# `date` header: optional leading whitespace, the word, then whatever token follows.
_HEADER = re.compile(r"\A[ \t\ufeff]*date[ \t]+(?P<value>\S+)[ \t]*(?:\n\s*)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# "NEW DELHI:", "THE HAGUE, May 20 (ANI) -", "WARSAW —": capitals, optional date and agency, then : or a dash.
_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z.'\u2019-]*(?:[ ][A-Z][A-Z.'\u2019-]*){0,3})"
    r"(?:,[ ]+[A-Z][a-z]{2,8}\.?[ ]+\d{1,2})?"
    r"(?:[ ]*\([A-Za-z ]{2,20}\))?"
    r"[ ]*(?::|\u2014|\u2013|--?)[ ]"
)
# An article file is read only up to a bound: at most 4 bytes a character (UTF-8 and UTF-32
# alike) plus room for the date header, a BOM and line endings. Batch runs derive it from
# --max-chars; load_article's default allows articles far longer than any model's context.
BYTES_PER_CHAR = 4
HEADER_SLACK_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 1024 * 1024
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_NOT_REGULAR = {
    stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket",
}


def max_bytes_for(max_chars: int) -> int:
    """The most bytes read for an article of at most max_chars characters."""
    return max_chars * BYTES_PER_CHAR + HEADER_SLACK_BYTES


class UnreadableFile(Exception):
    """A path that is not a readable regular file within the size bound; the message names it."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes, or UnreadableFile saying why not.

    Only regular files are ever opened, so a FIFO cannot block the caller and a
    device such as /dev/zero cannot flood its memory; the size is checked before
    reading and reading stops at the bound even if the file grows meanwhile.
    """
    where = str(path)
    try:
        info = os.stat(path)  # follows symlinks: what matters is what would be read
    except FileNotFoundError:
        if os.path.islink(path):
            raise UnreadableFile(f"{where} is a broken symlink (or a symlink loop); fix or remove the link.") from None
        raise UnreadableFile(f"{where} does not exist; check the path.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile(f"{where} is a symlink loop; fix or remove the link.") from None
        raise UnreadableFile(_os_problem(where, exc)) from None
    kind = stat.S_IFMT(info.st_mode)
    if kind != stat.S_IFREG:
        what = _NOT_REGULAR.get(kind, "not a regular file")
        advice = "rename it or narrow --glob" if kind == stat.S_IFDIR else "only regular files are read"
        raise UnreadableFile(f"{where} is {what}, not a regular file; {advice}.")
    if info.st_size > max_bytes:
        raise UnreadableFile(f"{where} is {info.st_size} bytes, over the {max_bytes}-byte limit.", too_large=True)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(_os_problem(where, exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the stat above
            raise UnreadableFile(f"{where} is not a regular file; only regular files are read.")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(_os_problem(where, exc)) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise UnreadableFile(f"{where} grew past the {max_bytes}-byte limit while being read.", too_large=True)
    return b"".join(chunks)


def _os_problem(where: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"{where} is not readable (permission denied); fix its permissions."
    return f"{where} could not be read ({exc.strerror or exc}); check the file."


def _decode(data: bytes, where: str) -> str:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            break
    else:
        codec, name = "utf-8", "UTF-8"
        if b"\x00" in data:
            raise ArticleLoadError(f"{where} looks binary (it contains NUL bytes); pass a UTF-8 text file.")
    try:
        text = data.decode(codec)  # the BOM codecs drop their BOM
    except UnicodeDecodeError as exc:
        raise ArticleLoadError(
            f"{where} is not valid {name} (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8`."
        ) from None
    if "\x00" in text:
        raise ArticleLoadError(f"{where} looks binary (it contains NUL characters); pass a text file.")
    return text


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and len(value) < 4096 and (value.endswith(".txt") or os.path.lexists(value))


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, or ArticleLoadError saying what is wrong with it.

    UTF-8 (with or without a BOM), or UTF-16/UTF-32 with a BOM. NUL anywhere means binary.
    """
    try:
        data = read_regular_file(path, max_bytes)
    except UnreadableFile as exc:
        if exc.too_large:
            raise ArticleLoadError(
                f"{exc} An article is read up to {BYTES_PER_CHAR} bytes a character of --max-chars "
                f"(max_bytes= in load_article); raise it, or split the article."
            ) from None
        raise ArticleLoadError(str(exc)) from None
    return _decode(data, str(path))


def parse_article_text(raw: str) -> tuple[str, dt.date | None, str | None, list[str]]:
    """Split raw file text into (text, published, dateline, warnings)."""
    normalised = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    warnings: list[str] = []
    published: dt.date | None = None
    text = normalised
    header = _HEADER.match(normalised)
    if header:
        value = header.group("value")
        text = normalised[header.end():]
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError
            published = dt.date.fromisoformat(value)
        except ValueError:
            warnings.append(f"date header {value!r} is not a YYYY-MM-DD date; published left null")
    else:
        warnings.append("no 'date YYYY-MM-DD' header; published left null")
    text = text.lstrip(" \t\n")
    dateline_match = _DATELINE.match(text)
    dateline = dateline_match.group("place").strip() if dateline_match else None
    return text, published, dateline, warnings


def load_article(
    path_or_text: str | PathLike[str],
    *,
    id: str | None = None,  # noqa: A002 - the contract's field name
    source: str | None = None,
    published: dt.date | str | None = None,
    title: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """Load an article from a path (Path, or a str naming a file) or from its text.

    Returns an `Article` whose `.text` every span indexes. A str with no newline
    that ends in .txt or names an existing file is read as a path; anything else
    is article text. `published` given here wins over the header. A file is
    read only if it is a regular file of at most `max_bytes`.
    """
    if isinstance(path_or_text, PathLike) or (isinstance(path_or_text, str) and _looks_like_path(path_or_text)):
        path = Path(path_or_text)
        raw = read_source(path, max_bytes)
        source = source or str(path)
        id = id or path.stem
    elif isinstance(path_or_text, str):
        raw = path_or_text
    else:
        raise TypeError(f"load_article takes a path or the article text, not {type(path_or_text).__name__}")

    text, header_date, dateline, warnings = parse_article_text(raw)
    if not text.strip():
        raise ArticleLoadError(f"{source or 'the article'} is empty (nothing after the header); nothing to extract.")
    if published is not None:
        published = dt.date.fromisoformat(published) if isinstance(published, str) else published
        warnings = [w for w in warnings if "published" not in w]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Article(
        id=id or digest[:12],
        source=source,
        published=published if published is not None else header_date,
        dateline=dateline,
        title=title,
        sha256=digest,
        length=len(text),
        text=text,
        load_warnings=warnings,
    )
