"""Which files under the input folder are articles, and what each one's id is."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path


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


def article_ids(paths: list[Path], root: Path) -> dict[Path, str]:
    """File stems, or the relative path without suffix where two stems collide."""
    stems = Counter(p.stem for p in paths)
    return {
        p: p.stem if stems[p.stem] == 1 else p.relative_to(root).with_suffix("").as_posix()
        for p in paths
    }
