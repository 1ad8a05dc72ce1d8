"""The optimized SageMaker integrations' field rule, on the requests this app's state machines send.

Parameters below are copied (trimmed) from the synthesized definitions; the refused fields are the
ones public reports and the 2022-06 lists say `cdk deploy` fails on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runtime.contracts.integrations import (
    DATA_FILE,
    build,
    check_definition,
    member_tree,
    unsupported_fields,
)

TRAIN = "arn:aws:states:::sagemaker:createTrainingJob.sync"
TUNE = "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
KMS = "arn:aws:kms:us-east-1:000000000000:key/platform-key961b73fd"
ROLE = "arn:aws:iam::000000000000:role/moonclassification-sagemakerroled4fcfa3f"

PROCESSING: dict[str, Any] = {
    "ProcessingJobName.$": "States.Format('moons-preprocess-{}', States.UUID())",
    "RoleArn": ROLE,
    "AppSpecification": {
        "ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
        "ContainerEntrypoint": ["bash", "-c", "python3 -m ml_code.moon_classification.preprocess"],
    },
    "Environment": {"PYTHONPATH": "/opt/ml/processing/input/code"},
    "ProcessingResources": {
        "ClusterConfig": {
            "InstanceCount": 1,
            "InstanceType": "ml.m5.large",
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": KMS,
        }
    },
    "ProcessingInputs": [
        {
            "InputName": "raw",
            "S3Input": {
                "S3Uri.$": "$.config.raw_data_uri",
                "LocalPath": "/opt/ml/processing/input/raw",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
            },
        }
    ],
    "ProcessingOutputConfig": {
        "Outputs": [
            {
                "OutputName": "train",
                "S3Output": {
                    "S3Uri.$": "States.Format('{}preprocess/train/', $.run.prefix)",
                    "LocalPath": "/opt/ml/processing/output/train",
                    "S3UploadMode": "EndOfJob",
                },
            }
        ],
        "KmsKeyId": KMS,
    },
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}


def channel(**s3: Any) -> dict[str, Any]:
    source = {"S3DataType": "S3Prefix", "S3Uri.$": "$.train", "S3DataDistributionType": "FullyReplicated"}
    return {"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": source | s3}}


def training(**extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName.$": "States.Format('popseg-pca-{}', States.UUID())",
        "HyperParameters": {"feature_dim": "34", "num_components": "33"},
        "RoleArn": ROLE,
        "AlgorithmSpecification": {
            "TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:1",
            "TrainingInputMode": "File",
        },
        "InputDataConfig": [channel()],
        "OutputDataConfig": {"S3OutputPath.$": "$.output", "KmsKeyId": KMS},
        "ResourceConfig": {
            "InstanceCount": 1,
            "InstanceType": "ml.m5.xlarge",
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": KMS,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        **extra,
    }


def tuning(config: dict[str, Any] | None = None, **definition: Any) -> dict[str, Any]:
    job = training()
    return {
        "HyperParameterTuningJobName.$": "States.Format('moons-mlp-{}', States.UUID())",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:accuracy"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 6, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "lr", "MinValue": "0.005", "MaxValue": "0.05", "ScalingType": "Logarithmic"}
                ]
            },
            "TrainingJobEarlyStoppingType": "Off",
            **(config or {}),
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"epochs": "100"},
            "RoleArn": ROLE,
            "AlgorithmSpecification": {
                **job["AlgorithmSpecification"],
                "MetricDefinitions": [{"Name": "validation:accuracy", "Regex": "accuracy=([0-9\\.]+);"}],
            },
            **{key: job[key] for key in ("InputDataConfig", "OutputDataConfig", "ResourceConfig")},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "EnableManagedSpotTraining": False,
            **definition,
        },
    }


def machine(**states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def task(resource: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}


# -- accepted -------------------------------------------------------------------------------------


def test_a_processing_job_as_synthesized_is_accepted() -> None:
    assert unsupported_fields("arn:aws:states:::sagemaker:createProcessingJob.sync", PROCESSING) == []


def test_a_training_job_with_the_three_recorded_additions_is_accepted() -> None:
    parameters = training(
        EnableManagedSpotTraining=False,
        EnableNetworkIsolation=True,
        Environment={"PYTHONPATH": "/opt/ml/code"},
        Tags=[{"Key": "case", "Value": "moons"}],
    )
    assert unsupported_fields(TRAIN, parameters) == []


def test_a_tuning_job_without_later_members_is_accepted() -> None:
    assert unsupported_fields(TUNE, tuning()) == []


# -- refused --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "parameters", "refused"),
    [
        (TUNE, tuning({"RandomSeed": 42}), ["HyperParameterTuningJobConfig.RandomSeed"]),
        (TUNE, tuning(Environment={"PYTHONPATH": "/opt/ml/code"}), ["TrainingJobDefinition.Environment"]),
        (TUNE, tuning() | {"TrainingJobDefinitions": []}, ["TrainingJobDefinitions"]),
        (
            "arn:aws:states:::sagemaker:createEndpointConfig",
            {
                "EndpointConfigName": "c",
                "ProductionVariants": [],
                "DataCaptureConfig": {"EnableCapture": True},
            },
            ["DataCaptureConfig"],
        ),
        (
            "arn:aws:states:::sagemaker:updateEndpoint",
            {"EndpointName": "e", "EndpointConfigName": "c", "DeploymentConfig": {}},
            ["DeploymentConfig"],
        ),
        # aws/aws-cdk#10014: the misspelt nested key failed `cdk deploy`.
        (
            TRAIN,
            training(InputDataConfig=[channel(), channel(AtttributeNames=["a"])]),
            ["InputDataConfig[1].DataSource.S3DataSource.AtttributeNames"],
        ),
        # aws-step-functions-data-science-sdk-python#200: lowercase keys inside Tags.
        (TRAIN, training(Tags=[{"key": "k", "value": "v"}]), ["Tags[0].key", "Tags[0].value"]),
        # A later SageMaker member the 2022-06 list did not carry.
        (TRAIN, training(RetryStrategy={"MaximumRetryAttempts": 2}), ["RetryStrategy"]),
    ],
)
def test_fields_outside_the_integration_are_refused(
    resource: str, parameters: dict[str, Any], refused: list[str]
) -> None:
    assert unsupported_fields(resource, parameters) == refused


def test_any_partition_is_an_optimized_integration() -> None:
    parameters = {"EndpointName": "e", "EndpointConfigName": "c", "DeploymentConfig": {}}
    assert unsupported_fields("arn:aws-cn:states:::sagemaker:updateEndpoint", parameters) == [
        "DeploymentConfig"
    ]


# -- `.$` keys --------------------------------------------------------------------------------------


def test_a_dynamic_key_is_checked_by_its_name() -> None:
    parameters = {"EndpointName": "e", "EndpointConfigName.$": "$.c", "DeploymentConfig.$": "$.d"}
    assert unsupported_fields("arn:aws:states:::sagemaker:updateEndpoint", parameters) == ["DeploymentConfig"]


def test_a_dynamic_value_is_checked_only_once_it_is_concrete() -> None:
    dynamic = tuning() | {"HyperParameterTuningJobConfig.$": "$.tuning"}
    del dynamic["HyperParameterTuningJobConfig"]
    assert unsupported_fields(TUNE, dynamic) == []
    # At run time the path has been resolved (the States.Runtime case).
    assert unsupported_fields(TUNE, tuning({"RandomSeed": 7})) == ["HyperParameterTuningJobConfig.RandomSeed"]


# -- not optimized --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::aws-sdk:sagemaker:updateEndpoint",
        "arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig",
        "arn:aws:states:::sns:publish",
        "arn:aws:states:::sagemaker:deleteEndpoint",
    ],
)
def test_other_resources_are_not_checked(resource: str) -> None:
    assert unsupported_fields(resource, {"DeploymentConfig": {}, "DataCaptureConfig": {}}) == []


# -- whole definitions ------------------------------------------------------------------------------


def test_the_message_names_state_action_field_and_rule() -> None:
    definition = machine(TuneMlp=task(TUNE, tuning({"RandomSeed": 42})))
    assert check_definition(definition) == [
        "state TuneMlp (sagemaker:createHyperParameterTuningJob): field"
        " HyperParameterTuningJobConfig.RandomSeed is not supported by the Step Functions optimized"
        " integration (CreateStateMachine fails with SCHEMA_VALIDATION_FAILED); accepted there:"
        " HyperParameterTuningJobObjective, ParameterRanges, ResourceLimits, Strategy,"
        " TrainingJobEarlyStoppingType, TuningJobCompletionCriteria"
    ]


def test_check_definition_walks_map_and_parallel_branches() -> None:
    bad = task("arn:aws:states:::sagemaker:updateEndpoint", {"EndpointName": "e", "DeploymentConfig": {}})
    sdk = task("arn:aws:states:::aws-sdk:sagemaker:updateEndpoint", {"DeploymentConfig": {}})
    definition = machine(
        Fan={
            "Type": "Parallel",
            "Branches": [machine(InBranch=bad), machine(Sdk=sdk)],
            "Next": "Each",
        },
        Each={"Type": "Map", "ItemProcessor": machine(InMap=bad), "Next": "Legacy"},
        Legacy={"Type": "Map", "Iterator": machine(InIterator=bad), "Next": "Top"},
        Top=task(TRAIN, training()),
    )
    states = [message.split(" ")[1] for message in check_definition(definition)]
    assert states == ["InBranch", "InMap", "InIterator"]


def test_jsonata_arguments_are_checked_too() -> None:
    state = {"Type": "Task", "Resource": TUNE, "Arguments": tuning({"RandomSeed": 1}), "End": True}
    assert len(check_definition(machine(Tune=state))) == 1


# -- the data file --------------------------------------------------------------------------------


def test_the_data_holds_the_documented_lists_plus_the_recorded_additions() -> None:
    data = json.loads(DATA_FILE.read_text())
    documented = data["sources"]["documented_lists"]
    counts = {action: listed["count"] for action, listed in documented.items()}
    assert counts == {
        "createEndpoint": 3,
        "createEndpointConfig": 4,
        "createHyperParameterTuningJob": 5,
        "createLabelingJob": 10,
        "createModel": 7,
        "createProcessingJob": 11,
        "createTrainingJob": 10,
        "createTransformJob": 10,
        "updateEndpoint": 2,
    }
    extra = {a: sorted(set(data["actions"][a]) - set(documented[a]["names"])) for a in documented}
    assert {a: names for a, names in extra.items() if names} == {
        "createTrainingJob": ["EnableManagedSpotTraining", "EnableNetworkIsolation", "Environment"]
    }
    assert set(data["sources"]["additions"]) == {
        f"createTrainingJob.{name}" for name in extra["createTrainingJob"]
    }


TOY_MODEL: dict[str, Any] = {
    "operations": {"CreateThing": {"input": {"shape": "CreateThingRequest"}}},
    "shapes": {
        "CreateThingRequest": {
            "type": "structure",
            "members": {
                "Name": {"shape": "String"},
                "Tags": {"shape": "TagList"},
                "Env": {"shape": "EnvMap"},
                "Node": {"shape": "Node"},
                "Later": {"shape": "String"},
            },
        },
        "String": {"type": "string"},
        "TagList": {"type": "list", "member": {"shape": "Tag"}},
        "Tag": {"type": "structure", "members": {"Value": {"shape": "String"}, "Key": {"shape": "String"}}},
        "EnvMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Node": {"type": "structure", "members": {"Child": {"shape": "Node"}}},
    },
}


def test_member_tree_reads_lists_by_element_maps_as_leaves_and_stops_recursion() -> None:
    assert member_tree(TOY_MODEL, "CreateThingRequest") == {
        "Env": None,
        "Later": None,
        "Name": None,
        "Node": {"Child": None},
        "Tags": {"Key": None, "Value": None},
    }
    shapes = TOY_MODEL["shapes"] | {
        "EnvMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Tag"}}
    }
    with pytest.raises(ValueError, match="EnvMap"):
        member_tree({"shapes": shapes}, "CreateThingRequest")


def test_build_keeps_only_the_listed_fields_and_refuses_names_the_model_lacks() -> None:
    listed = {"createThing": {"count": 2, "names": ["Name", "Tags"]}}
    sources = {"documented_lists": listed, "additions": {"createThing.Env": "a source"}}
    assert build(sources, TOY_MODEL)["actions"] == {
        "createThing": {"Env": None, "Name": None, "Tags": {"Key": None, "Value": None}}
    }
    with pytest.raises(ValueError, match="Nmae"):
        build(
            {"documented_lists": {"createThing": {"count": 1, "names": ["Nmae"]}}, "additions": {}}, TOY_MODEL
        )
