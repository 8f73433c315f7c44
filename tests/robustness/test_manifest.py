"""Defects 4 (dependency floors) and 12 (workspace trust): declarations in pyproject.toml and package.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.robustness

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    found: dict[str, Requirement] = {}
    for raw in reqs:
        req = Requirement(raw)
        found.setdefault(req.name.lower(), req)
    return found


def test_defect4_floors_exclude_versions_with_bypassable_weights_only():
    """torch < 2.6 (CVE-2025-32434) and torch < 2.10 (CVE-2026-24747) are excluded; transformers
    below 4.50 (which still calls torch.load without refusing unsafe torch) is excluded; the
    versions this project is tested with stay allowed; safetensors is declared."""
    reqs = _requirements()
    torch, transformers = reqs["torch"], reqs["transformers"]
    for bad in ("2.4.1", "2.5.1", "2.6.0", "2.9.1"):
        assert not torch.specifier.contains(bad, prereleases=True), f"torch {bad} is allowed by '{torch}'"
    assert torch.specifier.contains("2.13.0"), str(torch)
    for bad in ("4.45.0", "4.49.0"):
        assert not transformers.specifier.contains(bad, prereleases=True), f"transformers {bad} is allowed by '{transformers}'"
    assert transformers.specifier.contains("5.24.0"), str(transformers)
    assert "safetensors" in reqs


def _package() -> dict:
    return json.loads((ROOT / "package.json").read_text())


def test_defect12_untrusted_workspaces_limited_with_restricted_settings():
    """``capabilities.untrustedWorkspaces``: supported ``limited`` and ``restrictedConfigurations``
    holding tokls.interpreter, tokls.model and tokls.classifier.model."""
    caps = _package().get("capabilities", {}).get("untrustedWorkspaces")
    assert caps, "package.json declares no capabilities.untrustedWorkspaces"
    assert caps.get("supported") == "limited", caps
    assert {"tokls.interpreter", "tokls.model", "tokls.classifier.model"} <= set(caps.get("restrictedConfigurations", []))


def test_defect12_interpreter_is_machine_overridable():
    """``tokls.interpreter`` has scope ``machine-overridable``: a repository's settings cannot swap the executable."""
    conf = _package()["contributes"]["configuration"]
    props: dict = {}
    for section in conf if isinstance(conf, list) else [conf]:
        props.update(section.get("properties", {}))
    assert "tokls.interpreter" in props
    assert props["tokls.interpreter"].get("scope") == "machine-overridable", props["tokls.interpreter"]
