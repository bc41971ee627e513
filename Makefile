# Each target builds .venv on first use, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo install clean bench eval

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

# The main job, offline: batch the sample articles with the recorded model responses.
demo: $(STAMP)
	$(PY) -m extractor batch samples -o out/demo --replay fixtures/articles --force
	$(PY) -m extractor show out/demo --limit 2
	@echo "open out/demo/report.html to review every article with its highlighted spans"

# Quality: replay the fixture answers, then score the records against the hand-written gold.
eval: $(STAMP)
	$(PY) -m extractor batch fixtures/articles -o out/eval --replay fixtures/articles --glob '*.txt' --force --progress none
	$(PY) -m extractor eval --gold fixtures/gold out/eval/records.jsonl

bench: $(STAMP)
	$(PY) bench/overhead.py
	$(PY) bench/tokens.py
	$(PY) bench/throughput.py
	$(PY) bench/ratelimit.py

clean:
	rm -rf $(VENV) out .pytest_cache
