"""Stage configuration enters once and fails loudly with the valid choices."""

from __future__ import annotations

import pytest

from stacks.config import ConfigError, load


def ctx(**values: str):  # type: ignore[no-untyped-def]
    return values.get


def test_defaults_to_dev_and_reads_region_from_context() -> None:
    stage = load(ctx(region="eu-west-1"), {})
    assert (stage.stage, stage.region, stage.account, stage.retain_data) == ("dev", "eu-west-1", None, False)
    assert stage.prefix == "mlcases-dev"


def test_prod_retains_data_and_takes_account_from_the_environment() -> None:
    stage = load(
        ctx(stage="prod"), {"CDK_DEFAULT_REGION": "us-west-2", "CDK_DEFAULT_ACCOUNT": "123456789012"}
    )
    assert (stage.region, stage.account, stage.retain_data, stage.prefix) == (
        "us-west-2",
        "123456789012",
        True,
        "mlcases-prod",
    )


@pytest.mark.parametrize(
    ("context", "environ", "message"),
    [
        ({"stage": "qa", "region": "us-east-1"}, {}, "expected one of dev, prod"),
        ({}, {}, "set -c region="),
        ({"region": "mars-1"}, {}, "set -c region="),
        ({"region": "us-east-1", "account": "12"}, {}, "expected 12 digits"),
        ({"region": "us-east-1", "endpoint_instance_type": "t2.medium"}, {}, "ProductionVariantInstanceType"),
    ],
)
def test_bad_configuration_is_rejected(
    context: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(context.get, environ)


def test_the_cheap_dev_profile_picks_a_smaller_endpoint_instance() -> None:
    stage = load(ctx(region="us-east-1", endpoint_instance_type="ml.t2.medium"), {})
    assert stage.endpoint_instance_type == "ml.t2.medium"
    assert load(ctx(region="us-east-1"), {}).endpoint_instance_type is None
