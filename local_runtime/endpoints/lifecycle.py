"""Endpoint lifecycles on background threads, as SageMaker runs them: create (Creating -> InService or
Failed), update (Updating -> InService on the new config, or RollingBack -> InService on the old one)
and retire (traffic off, in-flight requests answered, models unloaded).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from local_runtime.contracts.permissions import AccessDenied
from local_runtime.endpoints.capture import Capture
from local_runtime.endpoints.deployment import Guard, routes, run_update
from local_runtime.endpoints.endpoint import Endpoint
from local_runtime.endpoints.fleet import Fleet
from local_runtime.endpoints.loader import load_handlers
from local_runtime.endpoints.policy import Plan
from local_runtime.endpoints.traffic import LoadGenerator
from local_runtime.errors import SageMakerError

if TYPE_CHECKING:
    from local_runtime.endpoints.service import EndpointService


def restore(record: dict[str, Any]) -> Endpoint:
    ep = Endpoint(
        record["EndpointName"],
        record["EndpointArn"],
        record["EndpointConfigName"],
        created=record["CreationTime"],
    )
    ep.status, ep.modified = record["EndpointStatus"], record["LastModifiedTime"]
    ep.failure_reason, ep.last_deployment = record.get("FailureReason"), record.get("LastDeploymentConfig")
    return ep


def _fleet(service: EndpointService, endpoint: str, config: dict[str, Any], variant: dict[str, Any]) -> Fleet:
    model = service.model(variant["ModelName"])
    # the endpoint's instances read the model artifact as the model's execution role
    try:
        handlers, model_dir = load_handlers(
            model, service.s3.as_role(model.get("ExecutionRoleArn")), service.store.artifacts
        )
    except AccessDenied as exc:
        raise SageMakerError("ValidationException", f"Could not access model data: {exc}") from None
    try:
        loaded = handlers.model_fn(model_dir)
    except Exception as exc:  # the container would fail its health check
        raise SageMakerError(
            "ValidationException",
            f"variant {variant['VariantName']}: model_fn of model {model['ModelName']} failed: "
            f"{type(exc).__name__}: {exc}",
        ) from None
    capture = Capture.for_config(service.s3, endpoint, variant["VariantName"], config)
    return Fleet(
        variant["VariantName"],
        model["ModelName"],
        variant.get("InitialInstanceCount", 1),
        handlers,
        loaded,
        capture,
    )


def provision(service: EndpointService, endpoint: str, config_name: str) -> list[Fleet]:
    """Load every variant's model (what SageMaker does when it launches a fleet's instances)."""
    config = service.config(config_name)
    fleets: list[Fleet] = []
    try:
        for variant in config["ProductionVariants"]:
            fleets.append(_fleet(service, endpoint, config, variant))
    except Exception:
        _unload(fleets)  # all variants or none
        raise
    return fleets


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, SageMakerError) else f"{type(exc).__name__}: {exc}"


def _unload(fleets: Sequence[Fleet]) -> None:
    for fleet in fleets:
        fleet.unload()  # waits for the fleet's in-flight requests first


def start(service: EndpointService, ep: Endpoint, *, synchronous: bool) -> None:
    def create() -> None:
        try:
            fleets = provision(service, ep.name, ep.config_name)
        except Exception as exc:
            ep.set_status("Failed", _reason(exc))
            return
        ep.fleets = fleets
        ep.router.set(routes(fleets, service.weights(ep.config_name), 1.0))
        if ep.status != "InService":
            ep.set_status("InService")

    if synchronous:
        create()
    else:
        threading.Thread(target=create, name=f"create-{ep.name}", daemon=True).start()


def update(service: EndpointService, ep: Endpoint, config: str, plan: Plan) -> None:
    started = time.monotonic()

    def run() -> None:
        try:
            green = provision(service, ep.name, config)
        except Exception as exc:  # the old fleet never stopped serving
            ep.pending_config = None
            ep.set_status("InService", f"Failed to provision endpoint config {config}: {_reason(exc)}")
            return
        ep.green = green
        guard = Guard(plan, tuple(service.alarms[name] for name in plan.alarm_names), service.time_scale)
        try:
            sample = service.traffic(ep.name) if service.traffic is not None else None
            load = LoadGenerator(service.invoke, ep.name, sample) if sample else contextlib.nullcontext()
            with load:
                reason = run_update(
                    ep, guard, service.weights(ep.config_name), service.weights(config), started
                )
        except Exception as exc:  # never leave the endpoint Updating: back to the old fleet
            ep.router.set(routes(ep.fleets, service.weights(ep.config_name), 1.0))
            reason = f"the deployment failed: {_reason(exc)}"
        if reason is None:
            old, ep.fleets, ep.green = ep.fleets, green, []
            ep.config_name, ep.pending_config, ep.failure_reason = config, None, None
            ep.set_status("InService")
            _unload(old)
            return
        ep.set_status("RollingBack")
        _unload(green)
        ep.green, ep.pending_config = [], None
        ep.set_status("InService", f"Rolled back the update to endpoint config {config}: {reason}.")

    threading.Thread(target=run, name=f"update-{ep.name}", daemon=True).start()


def retire(ep: Endpoint) -> None:
    with ep.settled:
        ep.deleted = True
        ep.settled.notify_all()
    ep.router.set([])
    _unload([*ep.fleets, *ep.green])
