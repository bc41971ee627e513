"""`extractor report RECORDS.jsonl -o report.html`: the records as one HTML file that opens from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def report_command(
    records: Path = typer.Argument(..., help="A records.jsonl file, or an output folder that holds one."),
    out: Path = typer.Option(..., "-o", "--out", help="The HTML file to write."),
    articles: Optional[Path] = typer.Option(
        None, "--articles", help="Folder of ID.txt article files, used when a record's source path is gone."),
    title: Optional[str] = typer.Option(None, "--title", help="Heading and window title of the report."),
) -> None:
    """Write an HTML report: an index with filters, each article with its highlights, and overview pictures."""
    from ..report import write_report

    path = records / "records.jsonl" if records.is_dir() else records
    if not path.is_file():
        typer.echo(f"error: {path} does not exist; pass a records.jsonl or a batch output folder.", err=True)
        raise typer.Exit(2)
    if articles is not None and not articles.is_dir():
        typer.echo(f"error: --articles {articles} is not a folder.", err=True)
        raise typer.Exit(2)
    try:
        written = write_report(path, out, articles_dir=articles, title=title)
    except OSError as exc:
        typer.echo(f"error: cannot write the report: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"report written to {written} ({written.stat().st_size / 1e6:.1f} MB)", err=True)
