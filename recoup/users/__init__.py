"""The people who log in: agents, supervisors, QA reviewers and admins."""
