"""The CDK app: one platform stack and one pipeline stack per case study."""
