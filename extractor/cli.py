"""Command line: `extractor extract FILE`, `extractor batch DIR -o OUT`, `extractor schema`, `extractor demo`.

Exit status: 0 all done, 1 some articles failed (see failures.jsonl), 2 usage
or configuration errors, reported before any work starts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import ConfigurationError, ExtractorError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn defence and security news articles into typed, grounded records.",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def extract(
    file: Path = typer.Argument(..., help="Article file (UTF-8 text, optional ' date YYYY-MM-DD ' header)."),
    model: Optional[str] = typer.Option(None, help="Model name [env EXTRACTOR_MODEL, default gpt-4o-mini]."),
    mode: Optional[str] = typer.Option(None, help="instructor mode: tools, json_schema, json, md_json [env EXTRACTOR_MODE]."),
    replay: Optional[Path] = typer.Option(None, help="Answer from recorded fixtures in this directory; no network."),
    indent: int = typer.Option(2, help="JSON indent; 0 for one line."),
) -> None:
    """Extract one article and print its record as JSON."""
    from .api import extract as run_extract

    try:
        record = run_extract(file, model=model, mode=mode, replay=replay)
    except ConfigurationError as exc:
        _fail(str(exc), EXIT_USAGE)
    except ExtractorError as exc:
        _fail(str(exc), EXIT_FAILURES)
    typer.echo(record.model_dump_json(indent=indent or None))


@app.command()
def schema(
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
) -> None:
    """Print the JSON Schema of ArticleRecord (the line format of records.jsonl)."""
    from .schema_export import record_schema_json

    text = record_schema_json()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:  # raised before any work starts
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
