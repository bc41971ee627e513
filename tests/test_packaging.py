"""What a plain install ships and what the public API is."""

import subprocess
import sys
import tomllib

import extractor

from conftest import ROOT


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = {name: ROOT / folder for name, folder in config["package-dir"].items()}
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "extractor").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages, or a plain install misses them"
    for name, folder in mapped.items():
        assert (folder / "__init__.py").exists() and name in listed
    assert not {"schemas", "prompts"} & listed, "generic top-level names must not be installed"


def test_the_public_api_is_pinned():
    assert sorted(extractor.__all__) == sorted([
        "extract", "aextract", "Extractor", "load_article",
        "Agreement", "Article", "ArticleRecord", "Party", "Provenance", "Quote", "Span", "Topic",
        "ExtractorError", "ConfigurationError", "ArticleLoadError", "ProviderError", "ReplayMissError",
        "ExtractionError", "RefusalError", "ContentFilterError", "AccountError", "LocalFault",
    ])
    for name in extractor.__all__:
        assert getattr(extractor, name) is not None


def test_the_library_never_imports_test_code_or_the_core_a_provider_sdk():
    code = (
        "import sys, extractor\n"
        "extractor.extract('fixtures/articles/seed_003_eu_india.txt', replay='fixtures/articles')\n"
        "assert not [m for m in sys.modules if m.startswith('extractor.testing')], 'library imported test code'\n"
        "assert 'aiohttp.web' not in sys.modules, 'library imported the aiohttp server'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    forbidden = ("openai", "instructor", "httpx", "httpx2", "aiohttp", "tenacity", "requests")
    for path in (ROOT / "extractor" / "core").glob("*.py"):
        imports = [line.split()[1] for line in path.read_text(encoding="utf-8").splitlines()
                   if line.startswith(("import ", "from "))]
        bad = [name for name in imports if name.split(".")[0] in forbidden]
        assert not bad, f"{path.name} imports {bad}: the core must stay free of provider SDKs and HTTP clients"
