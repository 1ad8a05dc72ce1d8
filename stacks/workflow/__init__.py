"""The Step Functions workflow shared by every case study: small functions, one per state."""
