"""What the agent reads: the script chosen for the debtor's payment history, filled in.

- :mod:`recoup.scripts.choice`: the rule table and :func:`choose_script` (pure).
- :mod:`recoup.scripts.context`: the typed view of a debtor's file a template may use.
- :mod:`recoup.scripts.render`: the sandboxed, strict Jinja renderer and the opening every
  script carries (mini-Miranda, recording announcement).
- :mod:`recoup.scripts.defaults`: the shipped scripts, one per payment profile.
- :mod:`recoup.scripts.library`: scripts and rules in the database, and :func:`screen_pop`.
"""
