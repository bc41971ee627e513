"""How long opening a large records.jsonl takes: every record checked (no index) against the compact index.

    .venv/bin/python bench/resume_index.py [--records 50000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import extract  # noqa: E402
from extractor.batch.store import RecordStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    record = json.loads(extract(ROOT / "fixtures/articles/seed_003_eu_india.txt",
                                replay=ROOT / "fixtures/articles").model_dump_json())
    folder = Path(tempfile.mkdtemp(prefix="bench-index-"))
    with (folder / "records.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(args.records):
            record["article"].update(id=f"a{i:06d}", sha256=f"{i:064x}", source=f"/in/a{i:06d}.txt")
            handle.write(json.dumps(record) + "\n")
    started = time.monotonic()
    RecordStore(folder / "records.jsonl").open().close()
    full = time.monotonic() - started
    started = time.monotonic()
    store = RecordStore(folder / "records.jsonl").open()
    store.close()
    indexed = time.monotonic() - started
    size = (folder / "records.jsonl").stat().st_size / 1e6
    print(f"{args.records} records ({size:.0f} MB): first open, every record checked and the index built, "
          f"{full:.1f} s; reopen from the index {indexed:.2f} s (index used: {store.read_index})")


if __name__ == "__main__":
    main()
