"""Stage 1: read an article and fix the text that every offset indexes.

The seeds start with a ` date YYYY-MM-DD ` header, sometimes followed on the
same line by the dateline ("NEW DELHI: The European Union ..."). The header is
removed and line endings become "\n"; nothing else in the text changes, so
`load_article(source)` reproduces the offsets of any record made from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
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
_BINARY_SNIFF = 8192


def _decode(data: bytes, where: str) -> str:
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise ArticleLoadError(f"{where} looks binary (it contains NUL bytes); pass a UTF-8 text file.")
    try:
        return data.decode("utf-8-sig")  # plain UTF-8 too; drops a BOM if there is one
    except UnicodeDecodeError as exc:
        raise ArticleLoadError(
            f"{where} is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8`."
        ) from None


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and len(value) < 4096 and (value.endswith(".txt") or Path(value).is_file())


def read_source(path: Path) -> str:
    """The file's text, or ArticleLoadError saying what is wrong with it."""
    where = str(path)
    if path.is_symlink() and not path.exists():
        raise ArticleLoadError(f"{where} is a broken symlink (or a symlink loop); fix or remove the link.")
    if path.is_dir():
        raise ArticleLoadError(f"{where} is a directory, not an article file; rename it or narrow --glob.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleLoadError(f"{where} does not exist; check the path.") from None
    except PermissionError:
        raise ArticleLoadError(f"{where} is not readable (permission denied); fix its permissions.") from None
    except OSError as exc:
        raise ArticleLoadError(f"{where} could not be read ({exc.strerror or exc}); check the file.") from None
    return _decode(data, where)


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
) -> Article:
    """Load an article from a path (Path, or a str naming a file) or from its text.

    Returns an `Article` whose `.text` every span indexes. A str with no newline
    that ends in .txt or names an existing file is read as a path; anything else
    is article text. `published` given here wins over the header.
    """
    if isinstance(path_or_text, PathLike) or (isinstance(path_or_text, str) and _looks_like_path(path_or_text)):
        path = Path(path_or_text)
        raw = read_source(path)
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
