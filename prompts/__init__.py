"""Prompt templates (Jinja2) and the few-shot example; rendered by extractor.prompt."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent
