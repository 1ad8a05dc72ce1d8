"""SNS for a local run: the topics a definition publishes to, and the messages moto's SNS recorded.

The deployed stacks create their topics; locally, each literal `TopicArn` of an `sns:publish` task
in the local account and region is created in moto before the run, and what the run published is
read back from moto's SNS backend (it keeps every message sent to a topic).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from local_runtime.sagemaker.shapes import LOCAL_ACCOUNT

SNS_PUBLISH = "arn:aws:states:::sns:publish"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def topic_arns(definition: dict[str, Any]) -> set[str]:
    """Literal TopicArns of `sns:publish` tasks: the topics the deployed stack would have created."""
    return {
        state["Parameters"]["TopicArn"]
        for state in _walk(definition)
        if state.get("Resource") == SNS_PUBLISH
        and isinstance(state.get("Parameters", {}).get("TopicArn"), str)
    }


def create_topics(sns: Any, definition: dict[str, Any], region: str) -> None:
    """Create (in moto) the local-account topics the definition publishes to; others stay missing,
    so publishing to them fails with `SNS.NotFoundException` as it would on AWS."""
    for arn in topic_arns(definition):
        if arn.startswith(f"arn:aws:sns:{region}:{LOCAL_ACCOUNT}:"):
            sns.create_topic(Name=arn.rsplit(":", 1)[1])


def notifications(region: str) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    return [
        {"TopicArn": arn, "MessageId": mid, "Message": message, "Subject": subject}
        for arn, topic in sns_backends[LOCAL_ACCOUNT][region].topics.items()
        for mid, message, subject, *_ in topic.sent_notifications
    ]
