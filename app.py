#!/usr/bin/env python3
"""CDK entry point: `npx cdk deploy --all -c stage=dev -c region=us-east-1`."""

from __future__ import annotations

from aws_cdk import App

from stacks import config
from stacks.app_builder import build

app = App()
build(app, config.load(app.node.try_get_context))
app.synth()
