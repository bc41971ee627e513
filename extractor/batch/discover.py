"""Which files under the input folder are articles, what each one's id is, and how each is read."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Mapping

from ..core.article import load_article, max_bytes_for
from ..errors import ArticleLoadError
from ..schemas import Article


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob with ** (any depth, including none), * and ? over '/'-separated relative paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def discover(root: Path, pattern: str) -> list[Path]:
    """Matching paths under root, sorted.

    Symlinked directories are not followed, so loops cannot trap the walk;
    matching directories and broken links are returned too, so they get a
    failure line instead of vanishing.
    """
    matcher = glob_regex(pattern)
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(directory)
        for name in [*dirnames, *filenames]:
            relative = (base / name).relative_to(root).as_posix()
            if matcher.match(relative):
                found.append(base / name)
    return sorted(found)


def article_id(relative: str) -> str:
    """An article's id from its own path under INPUT_DIR alone, so it never changes when files come or go.

    'a.txt' -> 'a' (as ever), 'x/a.txt' -> 'x/a'; other names keep their suffix.
    """
    stripped = relative[: -len(".txt")] if relative.endswith(".txt") else relative
    return stripped if stripped and not stripped.endswith("/") else relative


def article_ids(
    paths: list[Path], root: Path, earlier: Mapping[str, str] | None = None
) -> tuple[dict[Path, str], dict[Path, Path]]:
    """(id of each path, clashes): each path's `article_id`, or the id its record already has.

    `earlier` maps a record's source path to its id in records.jsonl. A file that an
    older version named differently (it used bare stems in subfolders) keeps that id
    while no other file claims it, so resuming an old output folder redoes nothing.
    Two names can map to one id only in odd cases ('a' and 'a.txt'): the .txt file keeps
    it and the other is returned in `clashes`, mapped to the file that holds the id.
    """
    fresh = {p: article_id(p.relative_to(root).as_posix()) for p in paths}
    claimed = Counter(fresh.values())
    ids: dict[Path, str] = {}
    for path in paths:
        kept = (earlier or {}).get(str(path))
        ids[path] = kept if kept and (kept == fresh[path] or not claimed[kept]) else fresh[path]
    holder: dict[str, Path] = {}
    for path in sorted(paths, key=lambda p: (not p.name.endswith(".txt"), p)):
        holder.setdefault(ids[path], path)
    clashes = {p: holder[ids[p]] for p in paths if holder[ids[p]] != p}
    return ids, clashes


def read_input(path: Path, article_id: str, root: Path, *, max_chars: int, follow_links: bool) -> Article:
    """Load one discovered file as an article, from inside INPUT_DIR unless links may be followed.

    Raises ArticleLoadError naming the file: a link that resolves outside INPUT_DIR,
    anything but a regular file, a file bigger than --max-chars can need (it is not
    read), or text that cannot be decoded. What is read is the path as resolved and
    checked, not the link a second time.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a broken link or a loop: the reader says which
        real = None
    if real is not None and not follow_links and not real.is_relative_to(root.resolve()):
        raise ArticleLoadError(
            f"{path} links to {real}, outside {root}; not read. "
            "Pass --follow-links to read files that links lead to outside the input folder."
        )
    return load_article(real or path, id=article_id, source=str(path), max_bytes=max_bytes_for(max_chars))
