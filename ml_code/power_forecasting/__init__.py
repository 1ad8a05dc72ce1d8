"""Household power forecasting: daily mean Global_active_power, one DeepAR series per year."""
