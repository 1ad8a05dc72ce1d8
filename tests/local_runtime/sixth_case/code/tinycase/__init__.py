"""A sixth case study's own code, outside ml_code: proof that a case is one object, its code, its data."""
