"""Keeps a long-running host (`serve`) in step with deployments another process makes in the workdir.

A `run` in another process creates, updates (after its guardrails pass) or deletes endpoints and
persists the outcome; the host polls those records off the request path and applies each change
all at once, loading the new models before it swaps the route table, so no request waits or drops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local_runtime.endpoints.deployment import routes
from local_runtime.endpoints.endpoint import STABLE
from local_runtime.endpoints.lifecycle import provision, restore, retire
from local_runtime.errors import SageMakerError

if TYPE_CHECKING:
    from local_runtime.endpoints.service import EndpointService


def refresh(service: EndpointService) -> list[str]:
    """Apply the endpoint records on disk; returns one line per change, for the host's log."""
    changes = []
    for kind, known in (("models", service.models), ("configs", service.configs)):
        for name, record in service.store.all(kind).items():
            known.setdefault(name, record)
    on_disk = service.store.all("endpoints")
    for name, record in on_disk.items():
        ep = service._endpoints.get(name)
        if ep is None:
            ep = service.adopt(restore(record))
            service._ensure_live(ep)
            changes.append(f"{name}: now hosted ({ep.status}, config {ep.config_name})")
            continue
        new_config = record["EndpointConfigName"]
        if ep.status not in STABLE or ep.green or new_config == ep.config_name or not ep.fleets:
            continue
        try:
            green = provision(service, name, new_config)
        except SageMakerError as exc:
            changes.append(f"{name}: cannot load config {new_config}: {exc.message}")
            continue
        old = ep.fleets
        ep.router.set(routes(green, service.weights(new_config), 1.0))
        ep.fleets, ep.config_name = green, new_config
        ep.last_deployment = record.get("LastDeploymentConfig")
        changes.append(f"{name}: switched to config {new_config}")
        for fleet in old:
            fleet.unload()
    for name in set(service._endpoints) - set(on_disk):
        retire(service._endpoints.pop(name))
        changes.append(f"{name}: deleted")
    return changes
