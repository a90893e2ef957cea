"""Importing the creditor's files: accounts (debtors, accounts, debts) and payments.

Every row is checked; bad rows are reported with their line number and reason and never
written; the good rows go in one transaction.
"""
