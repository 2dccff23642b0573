"""The sandbox core service: the contract of proxy/openapi.yaml with demo citizens.

Usable three ways: in-process (``InProcessCoreServices``, the embedded default), standalone over
HTTP (``shebao sandbox-core``), and in tests over real HTTP (``create_sandbox_app``).
"""

from proxy.sandbox.app import create_sandbox_app
from proxy.sandbox.inprocess import InProcessCoreServices
from proxy.sandbox.service import SandboxCore

__all__ = ["InProcessCoreServices", "SandboxCore", "create_sandbox_app"]
