"""Root pytest configuration: plugins every suite shares.

tools.lab.pytest_plugin gives the session-scoped `lab` and `lab_session` fixtures.
Registered once here so that a pytest session has exactly one lab session: several
suites importing the fixtures each got their own instance, and the first to finish
stopped the lab under the others.
"""

pytest_plugins = ["tools.lab.pytest_plugin"]
