"""No Docker engine runs here: the container files are checked statically, with hadolint and
the Compose Specification's JSON schema, and read for the properties the README promises."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "docker-compose.yml"


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN / "hadolint", str(path)], capture_output=True, text=True)


def compose_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )


def test_dockerfile_passes_hadolint_and_a_root_user_would_not(tmp_path):
    assert hadolint(DOCKERFILE).returncode == 0, hadolint(DOCKERFILE).stdout
    rooted = tmp_path / "Dockerfile"
    rooted.write_text(DOCKERFILE.read_text().replace("USER 10001:10001", "USER root"))
    assert "DL3002" in hadolint(rooted).stdout


def test_dockerfile_is_multi_stage_non_root_with_a_readyz_healthcheck():
    text = DOCKERFILE.read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 3 and all("slim" in line for line in stages)
    assert "COPY --from=assets" in text and "COPY --from=build" in text
    assert "USER 10001:10001" in text
    healthcheck = text[text.index("HEALTHCHECK") :]
    assert "/readyz" in healthcheck.split("ENTRYPOINT")[0]


def test_compose_file_is_valid_and_a_wrong_one_is_not(tmp_path):
    result = compose_schema(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("service_healthy", "when_ready"))
    assert compose_schema(broken).returncode != 0


def test_compose_runs_postgres_with_a_volume_a_migration_job_the_gateway_and_a_worker():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) == {"postgres", "migrate", "gateway", "worker"}
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    assert "pgdata" in spec["volumes"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("gateway", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["worker"]["command"] == ["worker"]
    assert services["gateway"]["environment"]["DISPATCHER_IN_SERVE"] == "false"
