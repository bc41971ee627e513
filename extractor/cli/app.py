"""Command line: `extractor extract FILE`, `extractor batch DIR -o OUT`, `extractor schema`, `extractor demo`.

Exit status: 0 all done, 1 some articles failed (see failures.jsonl), 2 usage
or configuration errors (reported before any work starts) and local faults
(a full disk, an unwritable folder), 3 the account, key or model cannot be used
(the batch stopped; re-run to resume), 130 interrupted. Every message is masked:
no key or URL password reaches the terminal, and neither does a traceback for
a problem the user can fix.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .. import redaction
from ..config import url_secrets
from ..errors import ConfigurationError, ExtractorError, LocalFault
from .eval import eval_command
from .report import report_command

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn defence and security news articles into typed, grounded records.",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {redaction.mask(message)}", err=True)
    raise typer.Exit(code)


BACKEND_HELP = ("llm (an OpenAI-compatible model), rules (offline, no key) or auto: llm when OPENAI_API_KEY, "
                "OPENAI_BASE_URL or --replay is given, else rules [env EXTRACTOR_BACKEND, default auto].")
MODEL_HELP = "Model name [env EXTRACTOR_MODEL, default gpt-5-mini]."
HINTS_HELP = ("Give the model the offline reader's quote candidates and names; it may answer a quote by its "
              "number [env EXTRACTOR_HINTS]. Off by default: bench/hints_estimate.py and BENCHMARKS.md say why.")
EFFORT_HELP = ("none, minimal, low, medium or high, for reasoning models [env EXTRACTOR_REASONING_EFFORT, "
               "default the lowest the model accepts].")


def _settings(backend: str | None, model: str | None, mode: str | None, replay: Path | None,
              reasoning_effort: str | None = None, record: Path | None = None, hints: bool = False):
    """The run's settings; the CLI's default backend is auto, announced when it falls back to rules."""
    from ..config import Settings

    settings = Settings.from_env(backend=backend or os.environ.get("EXTRACTOR_BACKEND") or "auto", model=model,
                                 mode=mode, reasoning_effort=reasoning_effort, hints=hints or None)
    if settings.backend == "auto" and not (settings.has_endpoint() or replay or record):
        typer.echo("note: no OPENAI_API_KEY or OPENAI_BASE_URL set; using the offline rules backend "
                   "(--backend llm to require a model)", err=True)
        settings = settings.model_copy(update={"backend": "rules"})
    return settings


def _setup_logging() -> None:
    """Mask secrets in every log record, and show this package's warnings as `warning: ...` lines."""
    redaction.install(os.environ.get("OPENAI_API_KEY"), *url_secrets(os.environ.get("OPENAI_BASE_URL")))
    redaction.mask_tracebacks()
    ours = logging.getLogger("extractor")
    if not ours.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        handler.setLevel(logging.WARNING)
        ours.addHandler(handler)
        ours.propagate = False


@app.command()
def extract(
    file: Path = typer.Argument(..., help="Article file (UTF-8 text, optional ' date YYYY-MM-DD ' header)."),
    backend: Optional[str] = typer.Option(None, help=BACKEND_HELP),
    model: Optional[str] = typer.Option(None, help=MODEL_HELP),
    reasoning_effort: Optional[str] = typer.Option(None, help=EFFORT_HELP),
    hints: bool = typer.Option(False, "--hints", help=HINTS_HELP),
    mode: Optional[str] = typer.Option(None, help="instructor mode: tools, json_schema, json, md_json [env EXTRACTOR_MODE]."),
    replay: Optional[Path] = typer.Option(None, help="Answer from recorded fixtures in this directory; no network."),
    indent: int = typer.Option(2, help="JSON indent; 0 for one line."),
) -> None:
    """Extract one article and print its record as JSON."""
    from ..api import extract as run_extract

    try:
        record = run_extract(file, settings=_settings(backend, model, mode, replay, reasoning_effort, hints=hints),
                             replay=replay)
    except (ConfigurationError, LocalFault) as exc:
        _fail(str(exc), EXIT_USAGE)
    except ExtractorError as exc:
        _fail(str(exc), EXIT_FAILURES)
    typer.echo(record.model_dump_json(indent=indent or None))


@app.command()
def batch(
    input_dir: Path = typer.Argument(..., help="Folder of articles."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder: records.jsonl, failures.jsonl, run.json, tables."),
    glob: str = typer.Option("**/*.txt", help="Which files under INPUT_DIR are articles."),
    limit: Optional[int] = typer.Option(None, help="Process at most N articles (in sorted path order)."),
    concurrency: int = typer.Option(8, help="Most model requests in flight; lowered automatically while 429s cluster."),
    rpm: Optional[float] = typer.Option(None, help="Client-side cap on requests per minute."),
    tpm: Optional[float] = typer.Option(None, help="Client-side cap on prompt tokens per minute (estimated)."),
    force: bool = typer.Option(False, "--force", help="Re-extract articles that already have a current record."),
    cache_dir: Optional[Path] = typer.Option(None, help="Response cache folder [default OUT/.cache]."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the response cache."),
    record: Optional[Path] = typer.Option(None, help="Write every model exchange to this folder as fixtures."),
    replay: Optional[Path] = typer.Option(None, help="Answer from fixtures in this folder; no network, no key."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count prompt tokens and estimate cost; call nothing."),
    max_chars: int = typer.Option(5_000_000, help="Fail articles longer than this many characters: a guard against "
                                                  "absurd inputs; long articles are read in chunks "
                                                  "[env EXTRACTOR_CHUNK_TOKENS sets the chunk size]."),
    follow_links: bool = typer.Option(
        False, "--follow-links", help="Read files that symlinks lead to outside INPUT_DIR (refused by default)."),
    price: Optional[str] = typer.Option(None, help="USD per million tokens as 'INPUT,OUTPUT' (overrides the table)."),
    max_cost: Optional[float] = typer.Option(None, help="Stop starting articles before the estimated USD cost passes this."),
    tables: str = typer.Option("csv", help="Tables to write: csv, parquet (needs pyarrow) or none."),
    progress: str = typer.Option("auto", help="auto, bar (live), lines (a status line every 5 s) or none."),
    http: str = typer.Option("aiohttp", help="HTTP client under the openai SDK: aiohttp or httpx."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write OUT/report.html, a self-contained review page."),
    backend: Optional[str] = typer.Option(None, help=BACKEND_HELP),
    model: Optional[str] = typer.Option(None, help=MODEL_HELP),
    reasoning_effort: Optional[str] = typer.Option(None, help=EFFORT_HELP),
    hints: bool = typer.Option(False, "--hints", help=HINTS_HELP),
    mode: Optional[str] = typer.Option(None, help="instructor mode: tools, json_schema, json, md_json [env EXTRACTOR_MODE]."),
    batch_api: bool = typer.Option(False, "--batch-api", help="Use the provider's Batch API (50% cheaper, results "
                                   "within 24 h): the first run submits, later runs poll and collect."),
    wait: bool = typer.Option(False, "--wait", help="With --batch-api: poll until the job ends, then collect."),
) -> None:
    """Extract every article in a folder; re-running resumes where the last run stopped.

    Exit status: 0 all succeeded, 1 some failed or the budget stopped the run
    (failures.jsonl says which), 2 usage or configuration error, another run
    holding OUT, or a local fault such as a full disk; 3 the account, key or model
    cannot be used (quota, revoked key: the run stopped, re-run to resume); 130 interrupted.
    """
    from ..batch.dryrun import dry_run as run_dry
    from ..batch.runner import exit_code, run_batch
    from ..batch.signals import EXIT_INTERRUPTED, StopSignals
    from ..config import BatchOptions

    with StopSignals(keep=True) as signals:  # a second Ctrl-C or SIGTERM exits 130 at once, even at exit
        problem: str | None = None
        try:
            options = BatchOptions.parse(
                input_dir=input_dir, out_dir=out, glob=glob, limit=limit, concurrency=concurrency, rpm=rpm, tpm=tpm,
                force=force, cache_dir=cache_dir, no_cache=no_cache, record=record, replay=replay,
                max_chars=max_chars, follow_links=follow_links, price=price, max_cost=max_cost, tables=tables,
                progress=progress, http=http, report=report,
            )
            if options.tables == "parquet":
                try:
                    import pyarrow  # noqa: F401
                except ImportError:
                    raise ConfigurationError(
                        "--tables parquet needs pyarrow: pip install 'news-extractor[parquet]'") from None
            settings = _settings(backend, model, mode, replay, reasoning_effort, record, hints)
            if wait and not batch_api:
                raise ConfigurationError("--wait polls a Batch API job: use it with --batch-api")
            if batch_api:
                _batch_api(options, settings, dry_run=dry_run, wait=wait)
            if dry_run:
                _print_dry_run(run_dry(options, settings))
                return
            summary = run_batch(options, settings, signals=signals)
            _print_summary(summary, out)
            if summary.get("stopped_because"):
                typer.echo(f"stopped: {redaction.mask(summary['stopped_because'])}", err=True)
            code = exit_code(summary)
        except (ConfigurationError, LocalFault) as exc:
            problem, code = str(exc), EXIT_USAGE
        except KeyboardInterrupt:
            problem = f"interrupted; finished records are kept in {out}; run the same command again to resume"
            code = EXIT_INTERRUPTED
        except OSError as exc:  # a file problem nothing above named: still a message, not a traceback
            problem, code = f"{exc.filename or out}: {exc.strerror or exc}", EXIT_USAGE
        if problem:
            typer.echo(f"error: {redaction.mask(problem)}", err=True)
        if signals.received:
            # Leave now: a further signal must not land in interpreter shutdown, where it would kill with -15.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    raise typer.Exit(code)


def _batch_api(options, settings, *, dry_run: bool, wait: bool) -> None:
    """`batch --batch-api`: submit, or poll and collect (extractor/batch/batch_api.py); always exits."""
    from ..batch import batch_api

    if dry_run:
        _print_dry_run(batch_api.dry_run_batch_api(options, settings))
        raise typer.Exit(EXIT_OK)
    try:
        summary = batch_api.run_batch_api(options, settings, wait=wait, echo=lambda line: typer.echo(line, err=True))
    except (ConfigurationError, typer.Exit):
        raise
    except ExtractorError as exc:
        _fail(str(exc), EXIT_FAILURES)
    except KeyboardInterrupt:
        _fail(f"interrupted; a submitted job keeps running at the provider and {options.out_dir} keeps its state: "
              "run the same command again to poll", 130)
    typer.echo(batch_api.summary_line(summary), err=True)
    raise typer.Exit(batch_api.exit_code(summary))


def _print_dry_run(report: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    pricing = f", {report['pricing']}" if report.get("pricing") else ""
    table = Table(title=f"dry run: {report['model']}{pricing} (fixed prompt part {report['fixed_prompt_tokens']} tokens)")
    for column in ("article", "chars", "prompt tokens", "est. completion", "est. USD"):
        table.add_column(column, justify="left" if column == "article" else "right")
    for row in report["articles"]:
        cost = row["est_cost_usd"]
        table.add_row(escape(row["article_id"]), str(row["chars"]), str(row["prompt_tokens"]),
                      str(row["est_completion_tokens"]), "-" if cost is None else f"{cost:.5f}")
    total = report["total_est_cost_usd"]
    table.add_row("total", "", str(report["total_prompt_tokens"]), str(report["total_est_completion_tokens"]),
                  "-" if total is None else f"{total:.4f}", style="bold")
    console = Console()
    console.print(table)
    for problem in report["unreadable"]:
        console.print(f"[yellow]cannot read {escape(problem['article_id'])}: {escape(problem['problem'])}")


def _print_summary(summary: dict, out: Path) -> None:
    counts, tokens, cost = summary["counts"], summary["tokens"], summary["cost_usd"]["estimated"]
    typer.echo(
        f"{summary['status']}: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped, "
        f"{counts['cached']} cached, {counts['duplicates']} duplicates of {counts['discovered']} articles "
        f"in {summary['wall_seconds']:.1f}s; tokens {tokens['prompt']} in ({tokens['cached_prompt']} cached) / "
        f"{tokens['completion']} out; est. ${cost:.4f}",
        err=True,
    )
    if summary.get("error"):
        typer.echo(f"error: {redaction.mask(summary['error'])}", err=True)
    written = summary.get("outputs") or []
    typer.echo(f"outputs in {out}: {', '.join(written)}" if written else f"nothing written to {out}", err=True)
    if "run.json" not in written:
        typer.echo(f"run.json in {out} could not be updated", err=True)


@app.command()
def show(
    path: Path = typer.Argument(..., help="An output folder or a records.jsonl file."),
    limit: int = typer.Option(20, help="Show at most N records."),
) -> None:
    """Print records in a form a person can read: parties, topics, quotes with offsets, agreements."""
    from .show import show_records

    records = path / "records.jsonl" if path.is_dir() else path
    if not records.is_file():  # missing, or a FIFO that would block the read
        _fail(f"{records} is not a records file; pass a batch output folder or its records.jsonl", EXIT_USAGE)
    try:
        show_records(records, limit=limit)
    except OSError as exc:
        _fail(f"cannot read {records} ({exc.strerror or exc})", EXIT_USAGE)


@app.command()
def schema(
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
) -> None:
    """Print the JSON Schema of ArticleRecord (the line format of records.jsonl)."""
    from ..schemas.export import record_schema_json

    text = record_schema_json()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


app.command(name="eval")(eval_command)
app.command(name="report")(report_command)


def main() -> None:
    _setup_logging()
    try:
        app()
    except ConfigurationError as exc:  # raised before any work starts
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
