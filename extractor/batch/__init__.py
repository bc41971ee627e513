"""Batch a folder: discover -> run (gate, budget) -> store records, failures, tables, run.json."""
