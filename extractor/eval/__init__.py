"""Evaluation: score records.jsonl against hand-written gold files (`extractor eval`, docs/eval.md)."""

from .gold import GoldArticle, GoldError, GoldFile, load_gold_dir, load_gold_file
from .scorer import FIGURES, PRF, Accuracy, ArticleScore, BadLine, EvalReport, evaluate, load_records, score, score_article

__all__ = [
    "FIGURES", "PRF", "Accuracy", "ArticleScore", "BadLine", "EvalReport", "GoldArticle", "GoldError", "GoldFile",
    "evaluate", "load_gold_dir", "load_gold_file", "load_records", "score", "score_article",
]
