import copy

import pytest
from moto.core.config import default_user_config


@pytest.fixture(autouse=True)
def _moto_config_restored():
    """Some tests switch moto's Step Functions engine on, a process-wide setting: later moto tests must not inherit
    it (the engine's SendTask* refuse tokens it did not issue)."""
    saved = copy.deepcopy(default_user_config)
    yield
    default_user_config.clear()
    default_user_config.update(saved)
