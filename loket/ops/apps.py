from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating Loket: starting its processes, generating load for benchmarks."""

    name = "loket.ops"
    label = "ops"
