"""Example backend for the bundled ``specs/myapi.yaml`` (used by ``wsapi demo``)."""

import os

#: The folder holding the example spec; put it on WSAPI_SPEC_PATH before importing the app.
SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "specs")
