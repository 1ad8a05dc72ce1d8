"""Synthesizes the CDK app (or reuses a fresh synth) and reads what the local runtime needs from it.

The synth runs `app.py` in a subprocess, as `cdk synth` would, with the context from `cdk.json`
and CDK's built-in CloudFormation validation off (`make test` keeps it on). A synth is reused while
no file it was built from (app.py, cdk.json, stacks/, ml_code/) has changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_runtime.bundled_data import REPO_ROOT
from local_runtime.cfn import Resolver
from local_runtime.s3 import LocalS3

SOURCES = ("app.py", "cdk.json", "stacks", "ml_code")
STAMP = ".source-hash"


class SynthError(RuntimeError):
    """The CDK app failed to synthesize; carries its output."""


def source_hash(root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def synthesize(outdir: Path, *, root: Path = REPO_ROOT) -> Path:
    """Synthesize into `outdir` unless it already holds a synth of the current sources."""
    wanted = source_hash(root)
    stamp = outdir / STAMP
    if stamp.is_file() and stamp.read_text() == wanted and (outdir / "manifest.json").is_file():
        return outdir
    shutil.rmtree(outdir, ignore_errors=True)
    context = json.loads((root / "cdk.json").read_text()).get("context", {})
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_VALIDATION": "false",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    proc = subprocess.run(
        [sys.executable, str(root / "app.py")], cwd=root, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SynthError(f"cdk synth failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    stamp.write_text(wanted)
    return outdir


@dataclass
class Assembly:
    """The synthesized templates (keyed by stack artifact id) and their file assets."""

    outdir: Path
    templates: dict[str, dict[str, Any]]
    assets: list[dict[str, Any]]

    @classmethod
    def read(cls, outdir: Path) -> Assembly:
        manifest = json.loads((outdir / "manifest.json").read_text())
        templates: dict[str, dict[str, Any]] = {}
        assets: list[dict[str, Any]] = []
        for artifact_id, artifact in manifest["artifacts"].items():
            if artifact["type"] == "aws:cloudformation:stack":
                template_file = outdir / artifact["properties"]["templateFile"]
                templates[artifact_id] = json.loads(template_file.read_text())
            elif artifact["type"] == "cdk:asset-manifest":
                files = json.loads((outdir / artifact["properties"]["file"]).read_text()).get("files", {})
                assets.extend(files.values())
        return cls(outdir, templates, assets)

    def stage_assets(self, s3: LocalS3, resolver: Resolver) -> int:
        """Put every file asset where the CDK bootstrap bucket would hold it, in local S3."""
        staged = 0
        for asset in self.assets:
            source = self.outdir / asset["source"]["path"]
            for dest in asset["destinations"].values():
                bucket = resolver.resolve_text(dest["bucketName"])
                target = s3.path(f"s3://{bucket}/{dest['objectKey']}")
                if asset["source"].get("packaging", "file") == "zip":
                    continue  # directory assets (e.g. Lambda code) are not run locally
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
                staged += 1
        return staged

    def outputs(self, stack: str, resolver: Resolver) -> dict[str, Any]:
        """A stack's outputs, resolved to local values."""
        return {
            key: resolver.resolve(stack, output["Value"])
            for key, output in self.templates[stack].get("Outputs", {}).items()
        }

    def state_machine(self, stack: str, resolver: Resolver) -> str:
        """The stack's one state machine definition, with its tokens resolved."""
        return str(resolver.resolve(stack, self._machine(stack)["Properties"]["DefinitionString"]))

    def state_machine_role(self, stack: str, resolver: Resolver) -> str:
        """The ARN of the role the stack's state machine runs as."""
        return str(resolver.resolve(stack, self._machine(stack)["Properties"]["RoleArn"]))

    def _machine(self, stack: str) -> dict[str, Any]:
        machines = [
            r
            for r in self.templates[stack]["Resources"].values()
            if r["Type"] == "AWS::StepFunctions::StateMachine"
        ]
        if len(machines) != 1:
            raise SynthError(f"stack {stack} has {len(machines)} state machines; expected one")
        return dict(machines[0])
