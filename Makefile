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

# The main job: batch-extract samples/ with the default backend (offline rules when no key is set), then the
# same samples from the recorded model answers, and score both against the hand-written gold.
demo: $(STAMP)
	$(PY) -m extractor batch samples -o out/demo --force
	$(PY) -m extractor show out/demo --limit 1
	$(PY) -m extractor batch samples -o out/demo-llm --replay fixtures/articles --force --progress none
	@echo "== rules backend (out/demo) against the gold"; $(PY) -m extractor eval --gold fixtures/gold out/demo --only-recorded
	@echo "== recorded LLM answers (out/demo-llm) against the gold"; $(PY) -m extractor eval --gold fixtures/gold out/demo-llm --only-recorded
	@echo "open out/demo/report.html and out/demo-llm/report.html to review every article with its highlighted spans"

# Quality: every fixture article through both backends (the LLM from its recorded answers), scored against the gold.
eval: $(STAMP)
	$(PY) -m extractor batch fixtures/articles -o out/eval-llm --replay fixtures/articles --glob '*.txt' --force --progress none --no-report
	$(PY) -m extractor batch fixtures/articles -o out/eval-rules --backend rules --glob '*.txt' --force --progress none --no-report
	@echo "== LLM (recorded answers)"; $(PY) -m extractor eval --gold fixtures/gold out/eval-llm
	@echo "== rules backend"; $(PY) -m extractor eval --gold fixtures/gold out/eval-rules

bench: $(STAMP)
	$(PY) bench/overhead.py
	$(PY) bench/tokens.py
	$(PY) bench/throughput.py
	$(PY) bench/ratelimit.py
	$(PY) bench/chunks.py

clean:
	rm -rf $(VENV) out .pytest_cache
