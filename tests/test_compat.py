"""Canaries for extractor/_compat.py: each fails loudly, naming the library and version, when an
assumption about a third-party internal stops holding after an upgrade."""

import json

import httpx2
import openai
from extractor import _compat
from extractor.schemas import ExtractionResponse


def _broken(library: str, what: str) -> str:
    return f"{library} {_compat.version_of(library)}: {what}; update extractor/_compat.py"


def test_instructor_keeps_a_prewrapped_response_model():
    from instructor.v2.core.response_model import prepare_response_model

    wrapped = _compat.instructor_response_model(ExtractionResponse)
    assert prepare_response_model(wrapped) is wrapped, _broken(
        "instructor", "prepare_response_model re-wraps a ResponseSchema subclass (costs ~8 ms per request)")
    assert issubclass(wrapped, ExtractionResponse)


def test_instructor_async_validator_scan_is_memoized():
    from instructor.v2.core import patch as patch_module
    from instructor.v2.core.response_model import prepare_response_model

    assert _compat.memoize_async_validator_scan(), _broken(
        "instructor", "instructor.v2.core.patch.reject_async_validators is gone or no longer patchable")

    class Probe(ExtractionResponse):
        pass

    prepare_response_model(_compat.instructor_response_model(Probe))
    memo = patch_module.reject_async_validators
    assert any(issubclass(model, Probe) for model in memo.passed), _broken(
        "instructor", "prepare_response_model no longer goes through the memoized scan")


def test_extra_body_gives_the_same_wire_json():
    sent = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json={"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                                          "choices": [{"index": 0, "finish_reason": "stop",
                                                       "message": {"role": "assistant", "content": "{}"}}]})

    client = openai.OpenAI(api_key="test", base_url="http://compat.test/v1",
                           http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    kwargs = {
        "model": "m", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "response_format": {"type": "json_object"}, "max_tokens": 5,
    }
    client.chat.completions.create(**kwargs)
    client.chat.completions.create(**_compat.send_as_extra_body(kwargs))
    assert sent[0] == sent[1], _broken("openai", "extra_body no longer replaces body fields on the wire")


def test_openai_ships_its_aiohttp_transport():
    transport = _compat.aiohttp_transport(httpx2.Limits(max_connections=1))
    assert transport is not None, _broken("openai", "openai._vendor.httpx_aiohttp.AiohttpTransport is gone")
    assert isinstance(transport, httpx2.AsyncBaseTransport)


def test_tiktoken_finds_the_seeded_encoding_without_the_network(tmp_path, monkeypatch):
    import tiktoken
    import tiktoken.load

    from extractor.backends.llm import tokens

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(_broken("tiktoken", f"it asked the network for {blobpath}: cache file naming changed"))

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    tokens._seed_cache("cl100k_base")
    assert _compat.tiktoken_cache_file(tmp_path, "cl100k_base").exists()
    encoding = tiktoken.load.load_tiktoken_bpe(_compat.TIKTOKEN_BLOB_URL.format(name="cl100k_base"))
    assert len(encoding) > 100_000
