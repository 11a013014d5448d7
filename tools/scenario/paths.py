"""Where things are: the repository, the binaries, the integration tests' shared modules
(harness, netns, dovecot, nbd_client), which the runner reuses rather than copies."""
import os
import sys

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(TOOLS_DIR)
SCENARIOS_DIR = os.path.join(REPO_DIR, "scenarios")
INTEGRATION_DIR = os.path.join(REPO_DIR, "tests", "integration")
SCENARIO_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def default_bin_dir():
    return os.environ.get("HAMESH_BIN_DIR", os.path.join(REPO_DIR, "build", "bin"))


def use_integration_modules():
    if INTEGRATION_DIR not in sys.path:
        sys.path.insert(0, INTEGRATION_DIR)
