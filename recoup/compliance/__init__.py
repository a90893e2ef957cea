"""The compliance gate and the compliance audit.

Before every dial the dialer reads the facts and asks the gate, in its own transaction::

    verdict = await guard_dial(connection, campaign_id, DialRequest(debt_id, phone), now, policy)
    if not verdict.allowed:
        ...  # the refusal is recorded (dial_refusal); set the lead's next_at to
             # verdict.next_allowed_at; never send the Originate

(:mod:`recoup.compliance.facts` has the separate steps and a batch reader;
:func:`recoup.compliance.gate.check_dial` is the pure rule; a campaign's policy comes from
:func:`recoup.compliance.campaign_policy.policy_from_campaign_config`.)

``recoup audit compliance`` replays the stored history against the same rules
(:mod:`recoup.compliance.audit`). The rules are pure modules, each with its legal source:
:mod:`~recoup.compliance.calling_window`, :mod:`~recoup.compliance.contact_cap`,
:mod:`~recoup.compliance.abandon_cap`, composed in :mod:`~recoup.compliance.gate`.
"""
