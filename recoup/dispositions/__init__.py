"""The outcome of a contact and the next step it drives.

- :mod:`recoup.dispositions.record`: the typed records (promise to pay, dispute, callback,
  wrong party, refused, paid, and the outcomes without a conversation).
- :mod:`recoup.dispositions.plan`: validation and the pure planner, :func:`plan_disposition`.
- :mod:`recoup.dispositions.apply`: :func:`apply_disposition` writes a plan in the caller's
  transaction and returns the events.
- :mod:`recoup.dispositions.follow_ups`: :func:`due_follow_ups`, :func:`resolve_issue`,
  :func:`check_promises`.
- :mod:`recoup.dispositions.promises`: one promise runs on a debt at a time; a newer one
  ends the one before it (:func:`end_running_promises`).
- :mod:`recoup.dispositions.events`: the events, with their topics under ``recoup/v1``.
"""
