#!/usr/bin/env python3
"""CDK entry point: `npx cdk deploy --all -c stage=dev -c region=us-east-1`."""

from __future__ import annotations

import os

# aws-cdk-lib 2.275.0 runs on Node 20 here; without this its end-of-life banner precedes every command.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App

from stacks import config
from stacks.app_builder import build

app = App()
build(app, config.load(app.node.try_get_context))
app.synth()
