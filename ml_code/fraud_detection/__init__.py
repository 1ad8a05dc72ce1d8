"""Payment fraud: LinearLearner on credit-card transactions, evaluated with prior-corrected precision."""
