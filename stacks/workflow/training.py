"""Training: one training job, or a tuning job followed by a look-up of its best training job.

Either way the step leaves `$.steps.<step>.training` = {TrainingJobName, ModelArtifacts,
FinalMetricDataList}, so the model, transform and gate states do not care which one ran.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from stacks import images, naming
from stacks.case_parts import TrainingStep, Tuning
from stacks.workflow.context import FAILURE, WorkflowContext, data_uri, step_path, title, unique_name
from stacks.workflow.sagemaker_tasks import SERVICE_ERRORS, TRAINING, TUNING, sagemaker_arn, sagemaker_state

_TRAINING_RESULT = {
    "TrainingJobName.$": "$.TrainingJobName",
    "ModelArtifacts.$": "$.ModelArtifacts",
    "FinalMetricDataList.$": "$.FinalMetricDataList",
}


def training_chain(ctx: WorkflowContext, step: TrainingStep) -> sfn.IChainable:
    prefix = naming.job_prefix(ctx.case, step.name)
    definition = _job_definition(ctx, step)
    if step.tuning is None:
        params = {
            "TrainingJobName.$": unique_name(prefix),
            "HyperParameters": _static(ctx, step),
            **definition,
        }
        return sagemaker_state(
            ctx,
            title(step.name, "Train"),
            kind=TRAINING,
            name_prefix=prefix,
            parameters=params,
            result_path=step_path(step.name, "training"),
            result_selector=_TRAINING_RESULT,
        )
    tuning = sagemaker_state(
        ctx,
        title(step.name, "Tune"),
        kind=TUNING,
        name_prefix=prefix,
        parameters={
            "HyperParameterTuningJobName.$": unique_name(prefix),
            "HyperParameterTuningJobConfig": _tuning_config(step.tuning),
            "TrainingJobDefinition": {"StaticHyperParameters": _tuning_static(ctx, step), **definition},
        },
        result_path=step_path(step.name, "tuning"),
        result_selector={"BestTrainingJobName.$": "$.BestTrainingJob.TrainingJobName"},
    )
    best = tasks.CallAwsService(
        ctx.scope,
        title(step.name, "DescribeBest"),
        service="sagemaker",
        action="describeTrainingJob",
        parameters={
            "TrainingJobName": sfn.JsonPath.string_at(step_path(step.name, "tuning.BestTrainingJobName"))
        },
        iam_resources=[sagemaker_arn("training-job", f"{prefix}-*")],
        result_selector=_TRAINING_RESULT,
        result_path=step_path(step.name, "training"),
    )
    best.add_retry(errors=SERVICE_ERRORS, backoff_rate=2, max_attempts=5)
    best.add_catch(ctx.on_failure, errors=["States.ALL"], result_path=FAILURE)
    return tuning.next(best)


def _job_definition(ctx: WorkflowContext, step: TrainingStep) -> dict[str, Any]:
    algorithm: dict[str, Any] = {
        "TrainingImage": images.training_image(step.algorithm, ctx.stage.region),
        "TrainingInputMode": "File",
    }
    if step.algorithm.metric_definitions:  # built-in algorithms publish their own metrics
        algorithm["MetricDefinitions"] = [
            {"Name": name, "Regex": regex} for name, regex in step.algorithm.metric_definitions.items()
        ]
    stopping: dict[str, Any] = {"MaxRuntimeInSeconds": ctx.case.max_runtime_s}
    if ctx.case.spot_training:  # spot jobs must say how long they may wait for capacity
        stopping["MaxWaitTimeInSeconds"] = 2 * ctx.case.max_runtime_s
    definition: dict[str, Any] = {
        "RoleArn": ctx.sagemaker_role.role_arn,
        "AlgorithmSpecification": algorithm,
        "InputDataConfig": [_channel(name, ref, step.content_type) for name, ref in step.channels.items()],
        "OutputDataConfig": {
            "S3OutputPath.$": data_uri(f"{step.name}/model"),
            "KmsKeyId": ctx.key.key_arn,
        },
        "ResourceConfig": {
            "InstanceCount": 1,
            "InstanceType": step.instance_type,
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": ctx.key.key_arn,
        },
        "StoppingCondition": stopping,
    }
    if ctx.case.spot_training:
        definition["EnableManagedSpotTraining"] = True
    return definition


def _static(ctx: WorkflowContext, step: TrainingStep) -> dict[str, str]:
    tuned = {r.name for r in step.tuning.ranges} if step.tuning else set()
    static = {k: v for k, v in step.hyperparameters.items() if k not in tuned}
    if step.algorithm.script:  # script mode: the framework container fetches and runs our code
        static |= {
            "sagemaker_program": step.algorithm.script,
            "sagemaker_submit_directory": ctx.code_uri,
            "sagemaker_region": ctx.stage.region,
        }
    return static


def _tuning_static(ctx: WorkflowContext, step: TrainingStep) -> dict[str, str]:
    """A tuning trial's static hyperparameters. Built-in algorithms also get the objective, as the
    SageMaker SDK's tuner passes it: LinearLearner then trains one model per trial (num_models=1)
    instead of its own parallel search. https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html
    """
    static = _static(ctx, step)
    if step.tuning and not step.algorithm.script:
        static["_tuning_objective_metric"] = step.tuning.objective_metric
    return static


def _channel(name: str, ref: str, content_type: str) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "ContentType": content_type,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri.$": data_uri(ref),
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


def _tuning_config(tuning: Tuning) -> dict[str, Any]:
    ranges: dict[str, list[dict[str, str]]] = {"IntegerParameterRanges": [], "ContinuousParameterRanges": []}
    for r in tuning.ranges:
        bounds = (
            (str(int(r.min_value)), str(int(r.max_value)))
            if r.kind == "Integer"
            else (str(r.min_value), str(r.max_value))
        )
        ranges[f"{r.kind}ParameterRanges"].append(
            {"Name": r.name, "MinValue": bounds[0], "MaxValue": bounds[1], "ScalingType": r.scaling}
        )
    return {
        "Strategy": tuning.strategy,
        "HyperParameterTuningJobObjective": {
            "Type": tuning.direction.value,
            "MetricName": tuning.objective_metric,
        },
        "ResourceLimits": {
            "MaxNumberOfTrainingJobs": tuning.max_jobs,
            "MaxParallelTrainingJobs": tuning.max_parallel,
        },
        "ParameterRanges": ranges,
        # No RandomSeed: the optimized integration accepts the tuning config as last published
        # (2022), before SageMaker added it; CreateStateMachine would refuse the field.
        "TrainingJobEarlyStoppingType": "Off",
    }
