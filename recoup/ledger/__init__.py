"""Ledger rules: how a payment is spread over debts and what it does to promises. Pure."""
