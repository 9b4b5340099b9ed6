"""What pyproject.toml cannot say: migrations/ ships inside the wheel as `benchsvc.migrations`.

The Alembic scripts stay at the top of the repository, where people look for them; the
mapping below puts them inside the installed package, where `benchsvc db upgrade` finds them
through importlib.resources.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["benchsvc*", "torch_tvm_core*", "dashboards*"]),
        "benchsvc.migrations",
        "benchsvc.migrations.versions",
    ],
    package_dir={"benchsvc.migrations": "migrations"},
)
