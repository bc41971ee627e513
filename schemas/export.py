"""The JSON Schema of the record contract, exported to schemas/records.schema.json."""

from __future__ import annotations

import json

from .records import SCHEMA_VERSION, ArticleRecord


def record_schema() -> dict:
    schema = ArticleRecord.model_json_schema(mode="serialization")
    schema["$id"] = f"https://news-extractor.invalid/schemas/article-record-v{SCHEMA_VERSION}.json"
    return schema


def record_schema_json() -> str:
    return json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"
