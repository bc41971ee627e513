"""One self-contained HTML report of a records.jsonl: `write_report(records_path, out_path)`."""

from .build import write_report

__all__ = ["write_report"]
