# The sample project is a user's test suite, run by test_plugin.py in its own pytest.
collect_ignore = ["sample_project"]
