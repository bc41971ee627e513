"""Shared helpers: fixture articles and a scripted OpenAI-compatible endpoint on httpx2.MockTransport.

Every model response in the suite goes through the real `openai` client and
`instructor`; only the HTTP transport is replaced. Nothing touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx2
import openai
import pytest

from extractor.backends.llm.wire import completion_for
from extractor.http.fixtures import FixtureIndex
from extractor.http.transport import ARTICLE_HEADER, ASK_HEADER
from extractor.backends.llm.retry import RetryPolicy

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
# Built at run time so the source holds nothing shaped like a real key.
FAKE_KEY = "sk-" + "test-THIS-IS-NOT-A-REAL-KEY-0123456789"


def fixture_names() -> list[str]:
    """Articles with a model answer (recorded or hand-written) to replay; an article with only a gold file is skipped."""
    return sorted(p.stem for p in ARTICLES.glob("*.txt") if p.with_suffix(".response.json").exists())


def expected_record(name: str) -> dict[str, Any]:
    return comparable(json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8")))


def fixture_answer(name: str, exchange: int = -1) -> dict[str, Any]:
    """The structured answer (not the envelope) of a fixture's exchange."""
    from extractor.backends.llm.wire import answer_json

    data = json.loads((ARTICLES / f"{name}.response.json").read_text(encoding="utf-8"))
    return json.loads(answer_json(data["exchanges"][exchange]["body"]))


def comparable(record_json: dict[str, Any]) -> dict[str, Any]:
    """A record without what legitimately differs between runs."""
    data = json.loads(json.dumps(record_json))
    data["provenance"].pop("extracted_at", None)
    data["provenance"].pop("prompt_version", None)  # derived from the templates; tested in test_prompt.py
    data["article"].pop("source", None)  # depends on where the suite runs from
    return data


@dataclass
class Endpoint:
    """A scripted chat-completions endpoint: each step answers one HTTP request, in order."""

    steps: list[Callable[[dict[str, Any], httpx2.Headers], httpx2.Response]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[httpx2.Headers] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(request.headers)
        if not self.steps:
            raise AssertionError(f"unexpected request #{len(self.requests)}")
        return self.steps.pop(0)(body, request.headers)


def answer(payload: dict[str, Any], *, usage: tuple[int, int] = (100, 50), finish: str | None = None):
    """A step that answers with this structured payload, in the envelope the request's mode expects."""

    def step(request: dict[str, Any], headers: httpx2.Headers) -> httpx2.Response:
        template = {"usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}}
        if finish:
            template["choices"] = [{"finish_reason": finish}]
        return httpx2.Response(200, json=completion_for(request, json.dumps(payload), template=template))

    return step


def raw_answer(text: str, *, usage: tuple[int, int] = (100, 50), finish: str | None = None):
    """A step that answers with this exact text where the request's mode expects the answer."""

    def step(request: dict[str, Any], _sent: httpx2.Headers) -> httpx2.Response:
        template = {"usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}}
        if finish:
            template["choices"] = [{"finish_reason": finish}]
        return httpx2.Response(200, json=completion_for(request, text, template=template))

    return step


def status(code: int, headers: dict[str, str] | None = None, message: str = "error"):
    def step(request: dict[str, Any], _sent: httpx2.Headers) -> httpx2.Response:
        return httpx2.Response(code, headers=headers or {}, json={"error": {"message": message, "type": "test"}})

    return step


def from_fixtures(request: dict[str, Any], headers: httpx2.Headers) -> httpx2.Response:
    answered = FixtureIndex(ARTICLES).answer(request, headers.get(ARTICLE_HEADER), int(headers.get(ASK_HEADER, "1")))
    assert answered is not None, "no fixture for this request"
    return httpx2.Response(answered[0], json=answered[1])


def sync_client(endpoint: Endpoint) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=FAKE_KEY, base_url="http://model.test/v1", http_client=httpx2.Client(transport=httpx2.MockTransport(endpoint))
    )


def async_client(endpoint: Endpoint) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key=FAKE_KEY, base_url="http://model.test/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(endpoint)),
    )


@dataclass
class Sleeps:
    """Records the waits tenacity asks for instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def policy(self, **overrides: Any) -> RetryPolicy:
        return RetryPolicy(asleep=self.asleep, **overrides)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real key or server."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EXTRACTOR_MODEL", "EXTRACTOR_MODE", "EXTRACTOR_BACKEND"):
        monkeypatch.delenv(name, raising=False)
