"""`extractor eval --gold DIR RECORDS.jsonl`: score records against gold files (docs/eval.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:  # the scorer and rich load only when the command runs
    from rich.console import Console

    from ..eval import EvalReport

EXIT_USAGE = 2


def eval_command(
    records: Path = typer.Argument(..., help="A records.jsonl, or an output folder holding one."),
    gold: Path = typer.Option(..., "--gold", help="Folder of NAME.gold.json files."),
    articles: Optional[Path] = typer.Option(
        None, "--articles", help="Folder of NAME.txt articles (default: GOLD/../articles)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures, per article too, as JSON on stdout."),
    only_recorded: bool = typer.Option(
        False, "--only-recorded", help="Score only gold articles that have a record (for a sample of the gold)."),
) -> None:
    """Score records against hand-written gold: parties, quotes, topics, agreements, grounding, leaks.

    Exit status: 0 scored (bad record lines are reported and skipped), 2 unusable gold or no records file.
    """
    from ..eval import GoldError, evaluate
    from ..eval.scorer import report_json

    path = records / "records.jsonl" if records.is_dir() else records
    if not path.is_file():
        typer.echo(f"error: {path} does not exist; pass a records.jsonl or a batch output folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        report = evaluate(gold, path, articles, only_recorded=only_recorded)
    except GoldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        typer.echo(report_json(report))
    else:
        print_report(report)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def print_report(report: EvalReport, console: Console | None = None) -> None:
    """One row per figure: P, R, F1 for matchings, accuracy for checks, and the counts behind them."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..eval import FIGURES, PRF

    console = console or Console()
    scored = len(report.articles) - len(report.missing_records)
    table = Table(title=f"eval: {scored} of {len(report.articles)} gold articles have a record")
    for column in ("figure", "P", "R", "F1", "accuracy", "counts"):
        table.add_column(column, justify="left" if column in ("figure", "counts") else "right")
    for key, label, _ in FIGURES:
        value = report.figures[key]
        if isinstance(value, PRF):
            table.add_row(escape(label), _ratio(value.precision), _ratio(value.recall), _ratio(value.f1), "",
                          f"tp {value.tp} fp {value.fp} fn {value.fn}")
        else:
            table.add_row(escape(label), "", "", "", _ratio(value.accuracy), f"{value.correct}/{value.total}")
    leaks = report.leaks
    table.add_row("forbidden-name leaks", "", "", "", "", str(len(leaks)), style="bold red" if leaks else None)
    console.print(table)
    # Names, errors and warnings come from records and gold files: data, never markup.
    for leak in leaks:
        console.print("[red]leak in " + escape(f"{leak['article']}: party {leak['party_id']} {leak['party']!r} "
                      f"matches forbidden {', '.join(leak['forbidden'])} ({leak['quotes_spoken']} quotes)"))
    if report.missing_records:
        console.print("[yellow]no record for (all missed): " + escape(", ".join(report.missing_records)))
    if report.records_without_gold:
        console.print(f"records without gold (ignored): {len(report.records_without_gold)}")
    for bad in report.bad_lines:
        console.print(f"[yellow]records line {bad.line} skipped: " + escape(bad.error))
    for warning in report.warnings:
        console.print("[yellow]warning: " + escape(warning))
