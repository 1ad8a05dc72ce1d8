"""Delete handler of a pipeline stack's teardown custom resource (AWS Lambda, Python 3.14 + boto3).

The state machine creates the endpoint, its endpoint configs and models at run time, so CloudFormation
does not know them and `cdk destroy` alone would leave instances billing. On stack delete this:
1. stops the state machine's running executions (a `.sync` job state stops its job with them);
2. deletes the case's endpoint (waiting while an update or rollback in progress refuses it);
3. deletes the endpoint configs and models this stack's executions created, told apart from another
   stage's by what only ours carry: the configs capture data to this stack's S3 prefix, the models run
   as this stack's SageMaker role.
Data (buckets, captured requests, artifacts) stays: the platform stack decides its fate.
Create and Update do nothing. Runs under the CDK Provider framework, which reports to CloudFormation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
RETRY_SECONDS = 15
MARGIN_SECONDS = 60  # stop retrying this long before Lambda's timeout, so the failure is reported


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    props = event["ResourceProperties"]
    physical_id = event.get("PhysicalResourceId") or f"teardown-{props['EndpointName']}"
    if event["RequestType"] == "Delete":
        deadline = time.time() + context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
        report = teardown(
            props,
            stepfunctions=boto3.client("stepfunctions"),
            sagemaker=boto3.client("sagemaker"),
            deadline=deadline,
        )
        LOG.info("teardown of %s: %s", props["EndpointName"], report)
    return {"PhysicalResourceId": physical_id}


def teardown(
    props: dict[str, Any],
    *,
    stepfunctions: Any,
    sagemaker: Any,
    deadline: float,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[str]]:
    """Stop, then delete; returns what it stopped and deleted, by kind."""
    stopped = stop_executions(stepfunctions, props["StateMachineArn"])
    endpoint = delete_endpoint(sagemaker, props["EndpointName"], deadline=deadline, sleep=sleep)
    configs = [
        name
        for name in _names(
            sagemaker, "list_endpoint_configs", "EndpointConfigs", props["EndpointConfigPrefix"]
        )
        if _captures_to(sagemaker, name, props["DataCaptureUri"])
    ]
    for name in configs:
        _ignore_missing(sagemaker.delete_endpoint_config, EndpointConfigName=name)
    models = [
        name
        for name in _names(sagemaker, "list_models", "Models", props["ModelPrefix"])
        if _runs_as(sagemaker, name, props["SageMakerRoleArn"])
    ]
    for name in models:
        _ignore_missing(sagemaker.delete_model, ModelName=name)
    return {"executions": stopped, "endpoint": endpoint, "endpoint_configs": configs, "models": models}


def stop_executions(stepfunctions: Any, state_machine_arn: str) -> list[str]:
    stopped = []
    pages = stepfunctions.get_paginator("list_executions").paginate(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING"
    )
    for page in pages:
        for execution in page["executions"]:
            stepfunctions.stop_execution(
                executionArn=execution["executionArn"],
                error="StackDeleted",
                cause="the pipeline stack is being deleted; its endpoint and models are removed",
            )
            stopped.append(execution["name"])
    return stopped


def delete_endpoint(
    sagemaker: Any, name: str, *, deadline: float, sleep: Callable[[float], None]
) -> list[str]:
    """Delete the endpoint; retried while SageMaker refuses because it is mid-update or rollback."""
    while True:
        try:
            sagemaker.delete_endpoint(EndpointName=name)
            return [name]
        except ClientError as exc:
            message = exc.response["Error"].get("Message", "")
            if _is_missing(exc):
                return []
            if exc.response["Error"]["Code"] != "ValidationException" or time.time() >= deadline:
                raise
            LOG.info("endpoint %s cannot be deleted yet (%s): retrying", name, message)
            sleep(RETRY_SECONDS)


def _names(sagemaker: Any, operation: str, key: str, prefix: str) -> Iterator[str]:
    for page in sagemaker.get_paginator(operation).paginate(NameContains=prefix):
        for item in page[key]:
            name = item["EndpointConfigName" if key == "EndpointConfigs" else "ModelName"]
            if name.startswith(prefix):  # NameContains matches anywhere in the name
                yield name


def _captures_to(sagemaker: Any, name: str, uri: str) -> bool:
    try:
        described = sagemaker.describe_endpoint_config(EndpointConfigName=name)
    except ClientError as exc:
        if _is_missing(exc):
            return False
        raise
    destination = described.get("DataCaptureConfig", {}).get("DestinationS3Uri", "")
    return destination.rstrip("/") == uri.rstrip("/")


def _runs_as(sagemaker: Any, name: str, role_arn: str) -> bool:
    try:
        return sagemaker.describe_model(ModelName=name).get("ExecutionRoleArn") == role_arn
    except ClientError as exc:
        if _is_missing(exc):
            return False
        raise


def _ignore_missing(call: Callable[..., Any], **kwargs: str) -> None:
    try:
        call(**kwargs)
    except ClientError as exc:
        if not _is_missing(exc):
            raise


def _is_missing(exc: ClientError) -> bool:
    """SageMaker says 'Could not find ...' (ValidationException) for a name that does not exist."""
    error = exc.response["Error"]
    return error.get("Code") == "ValidationException" and "could not find" in error.get("Message", "").lower()
