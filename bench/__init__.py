"""``make bench``: Loket's benchmarks against same-run baselines and the django-helpdesk peer."""
