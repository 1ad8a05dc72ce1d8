"""The synthesized roles and resource policies, evaluated for the calls the pipelines make."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from local_runtime.assembly import Assembly, synthesize
from local_runtime.cfn import LOCAL_ACCOUNT, LOCAL_REGION, Resolver
from local_runtime.contracts import iam
from local_runtime.contracts.calls import CallGuard
from local_runtime.contracts.permissions import AccessDenied, Authorizer, Lookups, Need
from local_runtime.contracts.policies import Policies
from local_runtime.errors import S3Error, SageMakerError
from stacks.cases import ALL

KEY = f"arn:aws:kms:{LOCAL_REGION}:{LOCAL_ACCOUNT}:key/mlcases-dev-platform-key961b73fd"
ARTIFACTS = f"mlcases-dev-artifacts-{LOCAL_ACCOUNT}-{LOCAL_REGION}"
DATA = f"mlcases-dev-data-{LOCAL_ACCOUNT}-{LOCAL_REGION}"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assembly, Resolver]:
    assembly = Assembly.read(synthesize(tmp_path_factory.mktemp("synth") / "cdk.out"))
    return assembly, Resolver(assembly.templates, region=LOCAL_REGION)


@pytest.fixture(scope="module")
def authorizer(app: tuple[Assembly, Resolver]) -> Authorizer:
    assembly, resolver = app
    return Authorizer(Policies.from_templates(assembly.templates, resolver), Lookups(lambda name: KEY))


def machine_role(app: tuple[Assembly, Resolver], stack: str) -> str:
    return app[0].state_machine_role(stack, app[1])


def sagemaker_role(authorizer: Authorizer, case: str) -> str:
    (role,) = [
        r
        for r in authorizer.policies.trust
        if r.split("/")[-1].startswith(f"mlcases-dev-{case}-sagemakerrole")
    ]
    return role


def test_the_platform_key_and_buckets_are_read_from_the_templates(authorizer: Authorizer) -> None:
    policies = authorizer.policies
    assert policies.bucket_keys[ARTIFACTS] == policies.bucket_keys[DATA] == KEY
    (topic,) = policies.topic_keys
    assert policies.topic_keys[topic] == KEY
    assert KEY in policies.resource and topic in policies.resource  # key policy, topic policy


def test_every_deploy_call_is_granted(app: tuple[Assembly, Resolver], authorizer: Authorizer) -> None:
    role = machine_role(app, "mlcases-dev-fraud-detection")
    alarms = {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "mlcases-dev-fraud-5xx"}]}}
    for resource, params in [
        ("aws-sdk:sagemaker:createEndpointConfig", {"EndpointConfigName": "fraud-ec-0123456789ab"}),
        ("aws-sdk:sagemaker:describeEndpoint", {"EndpointName": "mlcases-dev-fraud"}),
        (
            "aws-sdk:sagemaker:createEndpoint",
            {"EndpointName": "mlcases-dev-fraud", "EndpointConfigName": "fraud-ec-1"},
        ),
        ("aws-sdk:sagemaker:deleteEndpoint", {"EndpointName": "mlcases-dev-fraud"}),
        (
            "aws-sdk:sagemaker:updateEndpoint",
            {
                "EndpointName": "mlcases-dev-fraud",
                "EndpointConfigName": "fraud-ec-2",
                "DeploymentConfig": alarms,
            },
        ),
    ]:
        needs = authorizer.task_needs(f"arn:aws:states:::{resource}", params)
        authorizer.authorize(role, needs)  # raises if any is not granted
    update = authorizer.task_needs(
        "arn:aws:states:::aws-sdk:sagemaker:updateEndpoint",
        {"EndpointName": "mlcases-dev-fraud", "EndpointConfigName": "fraud-ec-2", "DeploymentConfig": alarms},
    )
    assert {n.action for n in update} == {
        "sagemaker:UpdateEndpoint",
        "kms:CreateGrant",
        "cloudwatch:DescribeAlarms",
    }


def test_a_case_may_not_touch_another_case_s_endpoint(
    app: tuple[Assembly, Resolver], authorizer: Authorizer
) -> None:
    needs = authorizer.task_needs(
        "arn:aws:states:::aws-sdk:sagemaker:deleteEndpoint", {"EndpointName": "mlcases-dev-moons"}
    )
    with pytest.raises(
        AccessDenied,
        match=r"perform: sagemaker:DeleteEndpoint on resource: .*endpoint/mlcases-dev-moons",
    ):
        authorizer.authorize(machine_role(app, "mlcases-dev-fraud-detection"), needs)


@pytest.mark.parametrize(
    ("need", "allowed"),
    [
        (Need("kms:CreateGrant", KEY, {"kms:GrantIsForAWSResource": "true"}), True),
        (Need("kms:CreateGrant", KEY, {"kms:GrantIsForAWSResource": "false"}), False),
        (Need("kms:CreateGrant", KEY), False),
        (Need("iam:PassRole", "SAGEMAKER_ROLE", {"iam:PassedToService": "sagemaker.amazonaws.com"}), True),
        (Need("iam:PassRole", "SAGEMAKER_ROLE", {"iam:PassedToService": "glue.amazonaws.com"}), False),
    ],
)
def test_conditions_limit_what_the_state_machine_may_do(
    app: tuple[Assembly, Resolver], authorizer: Authorizer, need: Need, allowed: bool
) -> None:
    if need.resource == "SAGEMAKER_ROLE":
        need = Need(need.action, sagemaker_role(authorizer, "fraud-detection"), need.context)
    role = machine_role(app, "mlcases-dev-fraud-detection")
    if allowed:
        authorizer.authorize(role, [need])
    else:
        with pytest.raises(AccessDenied, match=need.action):
            authorizer.authorize(role, [need])


def test_sync_jobs_need_the_managed_event_rules(
    app: tuple[Assembly, Resolver], authorizer: Authorizer
) -> None:
    role = machine_role(app, "mlcases-dev-power-forecasting")
    params = {
        "TrainingJobName": "power-deepar-0123456789ab",
        "RoleArn": sagemaker_role(authorizer, "power-forecasting"),
    }
    needs = authorizer.task_needs("arn:aws:states:::sagemaker:createTrainingJob.sync", params)
    rules = {n.resource.rsplit("/", 1)[-1] for n in needs if n.action.startswith("events:")}
    assert rules == {"StepFunctionsGetEventsForSageMakerTrainingJobsRule"}
    authorizer.authorize(role, needs)
    untouched = [n for n in needs if not n.action.startswith("events:")]
    with pytest.raises(AccessDenied, match="events:PutTargets"):
        authorizer.authorize(
            role, [*untouched, Need("events:PutTargets", needs[-1].resource.replace("Training", "X"))]
        )


def test_the_sagemaker_role_reads_its_own_raw_data_and_writes_its_own_runs(authorizer: Authorizer) -> None:
    role = sagemaker_role(authorizer, "fraud-detection")
    authorizer.authorize(
        role, authorizer.read_needs(DATA, "fraud-detection/raw/", ["fraud-detection/raw/a.csv"])
    )
    authorizer.authorize(
        role, authorizer.write_needs(ARTIFACTS, ["runs/fraud-detection/x/preprocess/train/t.csv"], KEY)
    )
    with pytest.raises(AccessDenied, match=r"s3:ListBucket .*s3:prefix.: .population-segmentation/raw/"):
        authorizer.authorize(
            role,
            authorizer.read_needs(
                DATA, "population-segmentation/raw/", ["population-segmentation/raw/a.csv"]
            ),
        )
    with pytest.raises(AccessDenied, match="s3:PutObject"):
        authorizer.authorize(
            role, authorizer.write_needs(ARTIFACTS, ["deployments/fraud-detection/record.json"])
        )


def test_the_roles_trust_sagemaker(authorizer: Authorizer) -> None:
    for role, trust in authorizer.policies.trust.items():
        if "sagemakerrole" in role:
            service = iam.Principal("Service", "sagemaker.amazonaws.com")
            request = iam.Request("sts:AssumeRole", role, principal=service)
            assert iam.evaluate([trust], request, resource_policy=True) is iam.Decision.ALLOW


def test_every_endpoint_alarm_can_notify_the_encrypted_topic(authorizer: Authorizer) -> None:
    alarms = list(authorizer.policies.alarm_actions)
    assert len(alarms) == 2 * len(ALL)  # 5XX and latency per endpoint
    assert authorizer.alarm_notification_problems(alarms) == []


def test_only_this_stage_s_alarms_may_publish(authorizer: Authorizer) -> None:
    (topic,) = authorizer.policies.topic_keys
    cloudwatch = iam.Principal("Service", "cloudwatch.amazonaws.com")
    documents = authorizer.policies.resource[topic]
    for alarm, account, expected in [
        ("mlcases-dev-fraud-5xx", LOCAL_ACCOUNT, iam.Decision.ALLOW),
        ("someone-else", LOCAL_ACCOUNT, iam.Decision.IMPLICIT_DENY),
        ("mlcases-dev-fraud-5xx", "999999999999", iam.Decision.IMPLICIT_DENY),
    ]:
        context = {
            "aws:SourceArn": f"arn:aws:cloudwatch:{LOCAL_REGION}:{account}:alarm:{alarm}",
            "aws:SourceAccount": account,
            "aws:SecureTransport": "true",
        }
        request = iam.Request("sns:Publish", topic, context, cloudwatch)
        assert iam.evaluate(documents, request, resource_policy=True) is expected, alarm


def test_managed_policies_are_not_used(authorizer: Authorizer) -> None:
    """Their documents cannot be read offline: a role with one would be checked incompletely. The one
    exception is the CDK's own provider of the dev buckets' auto-delete (a role local mode never
    acts as, and whose policy the CDK does not let us replace)."""
    provider = "mlcases-dev-platform-customs3autodeleteobjectscustomresourcepro"
    assert authorizer.policies.managed == {
        f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{provider}": [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ]
    }


def test_a_role_nobody_defined_is_denied_everything(authorizer: Authorizer, tmp_path: Path) -> None:
    with pytest.raises(AccessDenied, match="no identity-based policy"):
        authorizer.authorize(
            f"arn:aws:iam::{LOCAL_ACCOUNT}:role/nobody", [Need("s3:GetObject", "arn:aws:s3:::b/k")]
        )


def test_a_key_policy_that_relies_on_source_keys_drops_alarm_notifications(authorizer: Authorizer) -> None:
    """No source keys are documented on the KMS calls made for an encrypted topic: a CloudWatch key
    statement conditioned on aws:SourceArn would not match, and every notification is dropped."""
    policies = copy.deepcopy(authorizer.policies)
    for statement in policies.resource[KEY][0]["Statement"]:
        if statement.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}:
            statement["Condition"] = {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:*:alarm:*"}}
    problems = Authorizer(policies).alarm_notification_problems(list(policies.alarm_actions))
    assert problems and all("the key policy" in p for p in problems)
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= {p.split(" no ")[1].split(" ")[0] for p in problems}


def test_a_missing_record_is_no_such_key_only_with_list_bucket(
    app: tuple[Assembly, Resolver], authorizer: Authorizer
) -> None:
    guard = CallGuard(authorizer, machine_role(app, "mlcases-dev-population-segmentation"))
    guard.missing_object("ReadDeploymentRecord", ARTIFACTS, "deployments/population-segmentation/record.json")
    with pytest.raises(S3Error, match=r"not authorized to perform: s3:ListBucket"):
        guard.missing_object(
            "ReadDeploymentRecord", ARTIFACTS, "runs/population-segmentation/x/evaluation.json"
        )


def test_a_call_without_a_permission_rule_is_refused_by_name(
    app: tuple[Assembly, Resolver], authorizer: Authorizer
) -> None:
    """Unknown calls are not let through unchecked: the error names the call and local mode's limit."""
    guard = CallGuard(authorizer, machine_role(app, "mlcases-dev-fraud-detection"))
    with pytest.raises(
        SageMakerError, match=r"state X: local mode has no permission rule for sagemaker:stopPipe"
    ):
        guard.check("X", "arn:aws:states:::aws-sdk:sagemaker:stopPipe", {})
    with pytest.raises(S3Error, match=r"no permission rule for s3:deleteObject"):
        guard.check("X", "arn:aws:states:::aws-sdk:s3:deleteObject", {"Bucket": "b", "Key": "k"})
