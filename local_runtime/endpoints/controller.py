"""The local SageMaker endpoint controller: one object owns every endpoint and moves it through
SageMaker's lifecycle, on background threads and an injected clock (`clock`).

- Control plane (boto-shaped requests and responses): CreateEndpoint (Creating -> InService or
  Failed), UpdateEndpoint (Updating -> InService on the new config, or RollingBack -> InService on the
  old one, under the deployment guardrails of `deployment`), DeleteEndpoint (Deleting, then gone),
  DescribeEndpoint; models and endpoint configs come from `Catalog`.
- Data plane: InvokeEndpoint, one atomic routing decision per request (`Endpoint.invoke`); the HTTP
  front end (`frontend`) serves it.
- Persistence: stable states, and creations and deletions in flight, are written under
  `<workdir>/endpoints/` (`store`); `load` hosts a workdir's endpoints again in another process, and
  `refresh` follows the deployments another process makes there (`serve` polls it off the request
  path).
- Other processes: a process changing an endpoint holds its claim (`claims`), so two local runs
  follow SageMaker's rule that an endpoint in progress takes no other change; before acting on an
  endpoint, the controller reads its record again (`_follow`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from local_runtime.contracts.api_shapes import require_valid
from local_runtime.contracts.permissions import AccessDenied
from local_runtime.endpoints import capture
from local_runtime.endpoints.alarms import AlarmSpec
from local_runtime.endpoints.catalog import ACCOUNT, Catalog, default_region
from local_runtime.endpoints.claims import Claims
from local_runtime.endpoints.clock import Clock, ScaledClock
from local_runtime.endpoints.deployment import Guard, routes, run_update
from local_runtime.endpoints.endpoint import STABLE, Endpoint
from local_runtime.endpoints.fleet import Fleet, Invocation
from local_runtime.endpoints.loader import load_handlers
from local_runtime.endpoints.policy import plan_update
from local_runtime.endpoints.store import DamagedRecord, Store
from local_runtime.endpoints.traffic import LoadGenerator, SampleRequest, TrafficSource
from local_runtime.errors import SageMakerError
from local_runtime.s3 import LocalS3

LOG = logging.getLogger(__name__)
DELETE_SECONDS = 30.0  # how long a deletion takes before the name is free (clock seconds)


class EndpointNotFound(SageMakerError):
    def __init__(self, name: str) -> None:
        super().__init__("ValidationError", f"Endpoint {name} of account {ACCOUNT} not found.")


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, SageMakerError) else f"{type(exc).__name__}: {exc}"


def _unload(fleets: Sequence[Fleet]) -> None:
    for fleet in fleets:
        fleet.unload()  # waits for the fleet's in-flight requests first


def _restore(record: dict[str, Any]) -> Endpoint:
    ep = Endpoint(
        record["EndpointName"],
        record["EndpointArn"],
        record["EndpointConfigName"],
        created=record["CreationTime"],
    )
    ep.status, ep.modified = record["EndpointStatus"], record["LastModifiedTime"]
    ep.failure_reason, ep.last_deployment = record.get("FailureReason"), record.get("LastDeploymentConfig")
    return ep


class EndpointController(Catalog):
    def __init__(
        self,
        workdir: Path,
        s3: LocalS3,
        *,
        alarms: Mapping[str, AlarmSpec] | None = None,
        clock: Clock | None = None,
        traffic: TrafficSource | None = None,
        region: str | None = None,
    ) -> None:
        store = Store(workdir)
        try:
            known_region = store.settings().get("region")
        except DamagedRecord:
            known_region = None  # rewritten just below
        super().__init__(store, region or known_region or default_region())
        self.s3, self.alarms, self.traffic = s3, dict(alarms or {}), traffic
        self.clock: Clock = clock or ScaledClock()
        store.put_settings({"s3_root": str(s3.root.resolve()), "region": self.region})
        self._endpoints: dict[str, Endpoint] = {}
        self._records = threading.Condition()  # guards `_endpoints`; notified when one goes
        self._provisioning = threading.Lock()
        self._reported: set[str] = set()  # damaged records already named by `refresh`
        self.claims = Claims(store.root)  # the endpoints this process is changing, across processes
        for record in store.all("endpoints").values():
            self._adopt(_restore(record))

    @classmethod
    def load(cls, workdir: Path, s3: LocalS3 | None = None, **kwargs: Any) -> EndpointController:
        """Restore every endpoint recorded in `workdir`, loading the models of those InService."""
        if s3 is None:
            root = Store(workdir).settings().get("s3_root")
            if root is None:
                raise FileNotFoundError(f"no endpoints were ever created in {workdir}")
            s3 = LocalS3(Path(root))
        controller = cls(workdir, s3, **kwargs)
        for ep in list(controller._endpoints.values()):
            controller._ensure_live(ep)
        return controller

    # -- control plane ------------------------------------------------------------------------------

    def _in_progress(self, ep_arn: str, status: str) -> SageMakerError:
        return SageMakerError(
            "ValidationException", f'Cannot update in-progress endpoint "{ep_arn}" ({status}).'
        )

    def create_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        require_valid("sagemaker", "createEndpoint", req)
        name, config = req["EndpointName"], req["EndpointConfigName"]
        self.config(config)
        exists = SageMakerError(
            "ValidationException", f'Cannot create already existing endpoint "{self.arn("endpoint", name)}".'
        )
        if not self.claims.claim(name, "Creating"):
            raise exists  # another local run is creating, updating or deleting it
        try:
            ep = Endpoint(name, self.arn("endpoint", name), config)
            if self._follow(name, force=True) is not None or self._adopt(ep) is not ep:
                raise exists
            self._persist(ep)  # recorded Creating: a run that dies now leaves a record saying so
        except BaseException:
            self.claims.release(name)
            raise
        threading.Thread(target=self._create, args=(ep,), name=f"create-{name}", daemon=True).start()
        return {"EndpointArn": ep.arn}

    def update_endpoint(
        self,
        req: dict[str, Any],
        *,
        clock: Clock | None = None,
        sample: SampleRequest | None = None,
        alarms: Mapping[str, AlarmSpec] | None = None,
    ) -> dict[str, Any]:
        """UpdateEndpoint. `clock`, `sample` and `alarms` are local: the time scale of the run that asked,
        the request to replay as canary traffic and the alarms it knows (default: the controller's)."""
        require_valid("sagemaker", "updateEndpoint", req)
        name, config = req["EndpointName"], req["EndpointConfigName"]
        self.config(config)
        known = self.alarms if alarms is None else alarms
        plan = plan_update(req.get("DeploymentConfig"), self.instances(config), known_alarms=set(known))
        clock = clock or self.clock
        guard = Guard(plan, tuple(known[alarm] for alarm in plan.alarm_names), clock)
        if sample is None and self.traffic is not None:
            sample = self.traffic(name)  # before any change: a failure here changes nothing
        if not self.claims.claim(name, "Updating"):
            raise self._in_progress(self.arn("endpoint", name), "status Updating, by another local run")
        try:
            ep = self._follow(name, force=True)  # as another run may have left it
            if ep is None:
                raise SageMakerError(
                    "ValidationException", f'Could not find endpoint "{self.arn("endpoint", name)}".'
                )
            if ep.status == "Failed":  # SageMaker allows only DeleteEndpoint on a Failed endpoint
                raise SageMakerError(
                    "ValidationException",
                    f'Cannot update endpoint "{ep.arn}" because it is in Failed status; '
                    "a Failed endpoint can only be deleted (DeleteEndpoint).",
                )
            if ep.status != "InService" or ep.green:
                raise self._in_progress(ep.arn, f"status {ep.status}")
            self._ensure_live(ep)
            with ep.settled:
                ep.pending_config, ep.last_deployment = config, req.get("DeploymentConfig")
                ep.set_status("Updating")
        except BaseException:
            self.claims.release(name)
            raise
        threading.Thread(
            target=self._update,
            args=(ep, config, guard, clock.now(), sample),
            name=f"update-{name}",
            daemon=True,
        ).start()
        return {"EndpointArn": ep.arn}

    def describe_endpoint(self, req: dict[str, Any]) -> dict[str, Any]:
        name = req.get("EndpointName", "")
        self._follow(name)
        ep = self.endpoint(name)
        response = ep.describe(self.images())
        elsewhere = self.claims.elsewhere(name)
        if elsewhere is not None and ep.status in STABLE:  # another local run is changing it
            response["EndpointStatus"] = elsewhere
        described_capture = capture.describe(self.configs.get(ep.config_name, {}))
        return response if described_capture is None else {**response, "DataCaptureConfig": described_capture}

    def delete_endpoint(self, req: dict[str, Any], *, clock: Clock | None = None) -> dict[str, Any]:
        """As SageMaker deletes: refused while the endpoint is in progress (creating, updating,
        deleting), otherwise `Deleting` at once (recorded, traffic off) and gone DELETE_SECONDS later,
        so a caller must wait for the name to be free before creating it again."""
        require_valid("sagemaker", "deleteEndpoint", req)
        name = req["EndpointName"]
        if not self.claims.claim(name, "Deleting"):
            self._follow(name)
            raise self._in_progress(self.endpoint(name).arn, "by another local run")
        try:
            ep = self._follow(name, force=True)
            if ep is None:
                raise SageMakerError(
                    "ValidationException", f'Could not find endpoint "{self.arn("endpoint", name)}".'
                )
            if ep.status not in ("InService", "Failed", "OutOfService") or ep.green:
                raise self._in_progress(ep.arn, f"status {ep.status}")
            with ep.settled:
                ep.status = "Deleting"
            self._persist(ep)  # recorded Deleting: a run that ends before the name is free leaves no endpoint
        except BaseException:
            self.claims.release(name)
            raise
        (clock or self.clock).call_later(DELETE_SECONDS, lambda: self._forget(ep))
        self._retire(ep)
        return {}

    def endpoint(self, name: str) -> Endpoint:
        ep = self._endpoints.get(name)
        if ep is None:
            raise SageMakerError(
                "ValidationException", f'Could not find endpoint "{self.arn("endpoint", name)}".'
            )
        return ep

    def endpoint_names(self) -> list[str]:
        return sorted(self._endpoints)

    def wait(self, name: str, timeout: float = 60.0) -> str:
        """Block until the endpoint is InService or Failed (real seconds); returns its status."""
        return self.endpoint(name).wait(timeout)

    def wait_deleted(self, name: str, timeout: float = 30.0) -> None:
        """Block until a deleted endpoint's name is free (real seconds; for tests and tools)."""
        with self._records:
            if not self._records.wait_for(lambda: name not in self._endpoints, timeout):
                raise TimeoutError(f"endpoint {name} still exists after {timeout} s")

    # -- data plane ---------------------------------------------------------------------------------

    def invoke(
        self, endpoint_name: str, body: bytes, content_type: str, accept: str
    ) -> tuple[int, bytes, str]:
        result = self.invoke_routed(endpoint_name, body, content_type, accept)
        return result.status, result.body, result.content_type

    def invoke_routed(self, endpoint_name: str, body: bytes, content_type: str, accept: str) -> Invocation:
        """InvokeEndpoint; the result also names the production variant that answered."""
        ep = self._endpoints.get(endpoint_name)
        if ep is None:
            raise EndpointNotFound(endpoint_name)
        if not ep.fleets and ep.status == "InService":
            self._ensure_live(ep)  # restored from disk: load its models once
        return ep.invoke(body, content_type, accept)

    def damaged(self) -> list[DamagedRecord]:
        """State files skipped at the last read, each with its path and what is wrong."""
        return self.store.all_damaged()

    # -- hosting across processes -------------------------------------------------------------------

    def refresh(self) -> list[str]:
        """Follow the records other processes wrote in the workdir; one line per change, for a log.

        A changed live config is loaded before the route table swaps to it, so no request waits or
        drops; an endpoint whose record is gone is retired. A damaged record is named once and
        changes nothing: an endpoint whose record it is keeps serving what it served. Endpoints this
        process is changing are left alone."""
        changes = []
        for kind, known in (("models", self.models), ("configs", self.configs)):
            for name, resource in self.store.all(kind).items():
                known.setdefault(name, resource)
        on_disk = self.store.all("endpoints")
        unreadable = {d.path.stem for d in self.store.damaged["endpoints"]}
        for name in sorted((set(on_disk) | set(self._endpoints)) - unreadable):
            if self.claims.ours(name):
                continue
            ep, record = self._endpoints.get(name), on_disk.get(name)
            if (
                ep is not None
                and record is not None
                and ep.fleets
                and ep.status == record["EndpointStatus"] == "InService"
            ):
                if record["EndpointConfigName"] != ep.config_name:
                    changes.append(self._switch(ep, record))
                continue
            before = None if ep is None else (ep.status, ep.config_name)
            ep = self._follow(name)
            if ep is not None:
                self._ensure_live(ep)
            after = None if ep is None else (ep.status, ep.config_name)
            if after != before and ep is None:
                changes.append(f"{name}: deleted")
            elif after != before and ep is not None:
                what = "now hosted (" if before is None else "now ("
                changes.append(f"{name}: {what}{ep.status}, config {ep.config_name})")
        for damaged in self.damaged():
            if str(damaged) not in self._reported:
                self._reported.add(str(damaged))
                changes.append(f"damaged record skipped: {damaged}")
        return changes

    def _switch(self, ep: Endpoint, record: dict[str, Any]) -> str:
        """Load the record's live config, then swap the route table to it at once."""
        new_config = record["EndpointConfigName"]
        try:
            green = self._provision(ep.name, new_config)
        except SageMakerError as exc:
            return f"{ep.name}: cannot load config {new_config}: {exc.message}"
        old = ep.fleets
        ep.router.set(routes(green, self.weights(new_config), 1.0))
        ep.fleets, ep.config_name = green, new_config
        ep.last_deployment = record.get("LastDeploymentConfig")
        _unload(old)
        return f"{ep.name}: switched to config {new_config}"

    def close(self) -> None:
        """Stop serving: retire every fleet once its in-flight requests are answered; a deletion this
        process began is completed now (its name is freed early rather than never)."""
        with self._records:
            endpoints = list(self._endpoints.values())
        for ep in endpoints:
            if ep.status == "Deleting" and self.claims.ours(ep.name):
                self._forget(ep)
        with self._records:
            endpoints, self._endpoints = list(self._endpoints.values()), {}
        for ep in endpoints:
            self._retire(ep)

    # -- lifecycles ---------------------------------------------------------------------------------

    def _adopt(self, ep: Endpoint) -> Endpoint:
        """Track `ep` (unless an endpoint of that name already is) and persist its stable states."""
        with self._records:
            ep = self._endpoints.setdefault(ep.name, ep)
        ep.persist = self._persist
        return ep

    def _persist(self, ep: Endpoint) -> None:
        """Write the record; at a stable status, end this process's claim before any waiter wakes, so
        whoever reads the record next may change the endpoint."""
        try:
            with self._records:  # check and write as one step: a deleted endpoint stays deleted
                if self._endpoints.get(ep.name) is ep:
                    self.store.put("endpoints", ep.name, ep.record())
        finally:
            if ep.status in STABLE:
                self.claims.release(ep.name)

    def _forget(self, ep: Endpoint) -> None:
        with self._records:
            if self._endpoints.get(ep.name) is ep:
                del self._endpoints[ep.name]
                self.store.delete("endpoints", ep.name)
            self._records.notify_all()
        self.claims.release(ep.name)

    def _follow(self, name: str, *, force: bool = False) -> Endpoint | None:
        """Bring this process's view of `name` up to date with its record, which another local run may
        have changed, unless this process is changing it (`force`: the caller just claimed it). A
        record left Creating or Deleting by a run that is gone is finished as SageMaker would: the
        creation Failed, the deletion done. Returns the endpoint now known, if any."""
        ep = self._endpoints.get(name)
        if self.claims.ours(name) and not force:
            return ep
        try:
            record = self.store.get("endpoints", name)
        except DamagedRecord:
            return ep  # keep what this process knows; `damaged()` names the file
        if (
            record is not None
            and record["EndpointStatus"] in ("Creating", "Deleting")
            and (force or self.claims.elsewhere(name) is None)  # nobody is creating or deleting it
        ):
            record = self._orphaned(name, record)
        if record is None:
            if ep is not None:  # deleted by another run
                with self._records:
                    if self._endpoints.get(name) is ep:
                        del self._endpoints[name]
                self._retire(ep)
            return None
        if ep is not None and (record["EndpointConfigName"], record["EndpointStatus"]) == (
            ep.config_name,
            ep.status,
        ):
            return ep
        fresh = _restore(record)
        with self._records:
            old, self._endpoints[name] = self._endpoints.get(name), fresh
        fresh.persist = self._persist
        if old is not None:
            self._retire(old)
        return fresh

    def _orphaned(self, name: str, record: dict[str, Any]) -> dict[str, Any] | None:
        if record["EndpointStatus"] == "Deleting":
            self.store.delete("endpoints", name)
            return None
        reason = "the local run creating it ended before it was InService"
        record = {**record, "EndpointStatus": "Failed", "FailureReason": reason}
        self.store.put("endpoints", name, record)
        return record

    def _ensure_live(self, ep: Endpoint) -> None:
        with self._provisioning:
            if ep.status == "InService" and not ep.fleets:
                self._create(ep, restoring=True)

    def _fleet(
        self, endpoint: str, config: dict[str, Any], variant: dict[str, Any], now: Callable[[], float]
    ) -> Fleet:
        model = self.model(variant["ModelName"])
        # the endpoint's instances read the model artifact as the model's execution role
        try:
            handlers, model_dir = load_handlers(
                model, self.s3.as_role(model.get("ExecutionRoleArn")), self.store.artifacts
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
        return Fleet(
            variant["VariantName"],
            model["ModelName"],
            variant.get("InitialInstanceCount", 1),
            handlers,
            loaded,
            capture.Capture.for_config(self.s3, endpoint, variant["VariantName"], config),
            now=now,
        )

    def _provision(self, endpoint: str, config_name: str, clock: Clock | None = None) -> list[Fleet]:
        """Load every variant's model (what SageMaker does when it launches a fleet's instances); the
        fleets stamp their invocations with `clock`, the one the alarms watching them evaluate on."""
        config = self.config(config_name)
        fleets: list[Fleet] = []
        try:
            for variant in config["ProductionVariants"]:
                fleets.append(self._fleet(endpoint, config, variant, (clock or self.clock).now))
        except Exception:
            _unload(fleets)  # all variants or none
            raise
        return fleets

    def _create(self, ep: Endpoint, *, restoring: bool = False) -> None:
        """Launch the endpoint's fleets: a new endpoint goes InService or Failed. A restored one (hosted
        again from its record) that cannot load here keeps its recorded status: the damage is this
        host's, so nothing is written and the next request tries again."""
        try:
            fleets = self._provision(ep.name, ep.config_name)
            weights = self.weights(ep.config_name)
        except Exception as exc:
            if restoring:
                ep.failure_reason = f"this host cannot load its models: {_reason(exc)}"
            else:
                ep.set_status("Failed", _reason(exc))
            return
        with ep.settled:
            retired = ep.deleted  # retired meanwhile (deleted, replaced, closed): serve nothing
            if not retired:
                ep.fleets = fleets
                ep.router.set(routes(fleets, weights, 1.0))
        if retired:
            _unload(fleets)
        elif ep.status != "InService":
            ep.set_status("InService")

    def _update(
        self, ep: Endpoint, config: str, guard: Guard, started: float, sample: SampleRequest | None
    ) -> None:
        """Run the deployment; whatever goes wrong, the endpoint ends InService on a config it serves,
        which also ends this process's claim."""
        try:
            self._deploy(ep, config, guard, started, sample)
        except Exception as exc:  # a bug or an I/O error (e.g. writing capture): never stuck Updating
            LOG.exception("local deployment of %s to %s failed", ep.name, config)
            with contextlib.suppress(Exception):
                ep.router.set(routes(ep.fleets, self.weights(ep.config_name), 1.0))
            ep.green, ep.pending_config = [], None
            if ep.status != "InService":
                ep.set_status("InService", f"the deployment failed: {_reason(exc)}")

    def _deploy(
        self, ep: Endpoint, config: str, guard: Guard, started: float, sample: SampleRequest | None
    ) -> None:
        try:
            green = self._provision(ep.name, config, guard.clock)
        except Exception as exc:  # the old fleet never stopped serving
            ep.pending_config = None
            ep.set_status("InService", f"Failed to provision endpoint config {config}: {_reason(exc)}")
            return
        ep.green = green
        try:
            load = LoadGenerator(self.invoke, ep.name, sample) if sample else contextlib.nullcontext()
            with load:
                reason = run_update(ep, guard, self.weights(ep.config_name), self.weights(config), started)
        except Exception as exc:  # back to the old fleet
            ep.router.set(routes(ep.fleets, self.weights(ep.config_name), 1.0))
            reason = f"the deployment failed: {_reason(exc)}"
        if reason is None:
            old, ep.fleets, ep.green = ep.fleets, green, []
            ep.config_name, ep.pending_config, ep.failure_reason = config, None, None
            ep.set_status("InService")
            _unload(old)
            return
        ep.set_status("RollingBack")
        ep.green, ep.pending_config = [], None
        try:
            _unload(green)
        finally:
            ep.set_status("InService", f"Rolled back the update to endpoint config {config}: {reason}.")

    def _retire(self, ep: Endpoint) -> None:
        """Traffic off, in-flight requests answered, models unloaded."""
        with ep.settled:
            ep.deleted = True
            ep.settled.notify_all()
        ep.router.set([])
        _unload([*ep.fleets, *ep.green])
