"""Prerequisites of the kernel pool tests: the installed course kernel spec and its provisioner.

These tests never skip: when `./course setup` has not run, they fail and say so.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KERNEL = "jacobian-course"


@pytest.fixture(scope="session")
def ksm():
    try:
        import jacobian_course_pool  # noqa: F401
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        manager = KernelSpecManager()
        spec = manager.get_kernel_spec(KERNEL)
    except (ImportError, NoSuchKernel) as e:
        pytest.exit(f"the course kernel or its pool is not installed in {sys.prefix} ({e!r}): "
                    "run `./course setup`, then `.venv/bin/python -m pytest tests/kernel`", returncode=1)
    kp = spec.metadata.get("kernel_provisioner", {})
    if kp.get("provisioner_name") != "jacobian-course-pool":
        pytest.exit(f"the installed kernel spec {spec.resource_dir} names no kernel pool: run `./course setup`",
                    returncode=1)
    return manager


@pytest.fixture(autouse=True)
def no_pool_left():
    """Every test starts with no pool, and leaves none (its spares killed)."""
    import jacobian_course_pool as pool

    logging.getLogger("jacobian_course_pool").setLevel(logging.INFO)
    pool.shutdown_pools()
    yield
    pool.shutdown_pools()
