"""The files of deploy/ (issue 16, part 1): they parse, they set only settings that exist, the
image builds from files that exist, and the Kubernetes manifests match the Kubernetes schemas."""

import copy
import re
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from itpp_api.config import Settings
from itpp_web.config import WebSettings
from tests.settings_reference import documented_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
# The oldest Kubernetes release the manifests are meant for (its schemas ship offline with
# kubernetes-validate).
KUBERNETES_VERSION = "1.30"
YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
K8S_FILES = sorted(K8S.rglob("*.yaml"))
SYSTEMD_UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
VARIABLE = re.compile(r"\bITPP_[A-Z0-9_]+\b")


def setting_variables(settings_class: type[BaseSettings], *, aliases: bool) -> set[str]:
    """The environment variable of each setting (and, with `aliases`, its other names)."""
    prefix = settings_class.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in settings_class.model_fields.items():
        names.add(f"{prefix}{name}".upper())
        if aliases and isinstance(field.validation_alias, AliasChoices):
            names.update(str(choice).upper() for choice in field.validation_alias.choices)
    return names


SETTINGS = setting_variables(Settings, aliases=True) | setting_variables(WebSettings, aliases=True)
# One name per setting: what deploy/.env.example lists.
CANONICAL_SETTINGS = setting_variables(Settings, aliases=False) | setting_variables(
    WebSettings, aliases=False
)


def documents(path: Path) -> list[Any]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return {str(key): str(value) for key, value in environment.items()}


def k8s_containers() -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = []
    for path in K8S_FILES:
        for document in documents(path):
            pod = document.get("spec", {}).get("template", {}).get("spec", {})
            containers += pod.get("containers", []) + pod.get("initContainers", [])
    return containers


def variables_set_by_deploy_files() -> dict[str, set[str]]:
    """ITPP_* variables each deploy file sets, by file."""
    found: dict[str, set[str]] = {}
    for name, service in compose()["services"].items():
        found.setdefault(f"compose.yaml:{name}", set()).update(compose_environment(service))
    for path in K8S_FILES:
        for document in documents(path):
            if document["kind"] == "ConfigMap":
                found.setdefault(str(path.relative_to(ROOT)), set()).update(document["data"])
    for container in k8s_containers():
        names = {variable["name"] for variable in container.get("env", [])}
        found.setdefault(f"k8s:{container['name']}", set()).update(names)
    for unit in SYSTEMD_UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("Environment="):
                name = line.removeprefix("Environment=").partition("=")[0]
                found.setdefault(unit.name, set()).add(name)
    for line in containerfile_instructions():
        if line.startswith("ENV "):
            found.setdefault("Containerfile", set()).update(
                word.partition("=")[0] for word in shlex.split(line[4:]) if "=" in word
            )
    return {
        where: {name for name in names if name.startswith("ITPP_")}
        for where, names in found.items()
    }


def env_example_variables() -> set[str]:
    names: set[str] = set()
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*(ITPP_[A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def containerfile_instructions() -> list[str]:
    """The Containerfile's instructions, continuation lines joined, comments dropped."""
    instructions: list[str] = []
    pending = ""
    for raw in (DEPLOY / "Containerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        instructions.append(pending + line)
        pending = ""
    return instructions


# --- every file parses, manifests match the Kubernetes schemas ------------------------------


def test_deploy_has_the_compose_file_the_manifests_and_the_units() -> None:
    names = {path.relative_to(DEPLOY).as_posix() for path in DEPLOY.rglob("*")}
    assert {"Containerfile", "compose.yaml", "nginx.conf", ".env.example", "README.md"} <= names
    assert {"k8s/api.yaml", "k8s/web.yaml", "k8s/migrate-job.yaml", "k8s/ingress.yaml"} <= names
    assert {"systemd/itpp-api.service", "systemd/itpp-web.service"} <= names
    assert {"k8s/worker.yaml", "systemd/itpp-worker.service"} <= names


def test_every_installation_runs_the_notification_worker() -> None:
    # Issue 17: without the worker, notifications are queued and never sent.
    assert compose()["services"]["worker"]["command"] == ["itpp", "worker"]
    [deployment] = [d for d in documents(K8S / "worker.yaml") if d["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "itpp",
        "worker",
    ]
    unit = (DEPLOY / "systemd" / "itpp-worker.service").read_text()
    assert "ExecStart=/opt/itpp/venv/bin/itpp worker\n" in unit


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: str(path.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    assert documents(path), f"{path} is empty"


@pytest.mark.parametrize("path", K8S_FILES, ids=lambda path: str(path.relative_to(K8S)))
def test_kubernetes_manifests_match_the_kubernetes_schemas(path: Path) -> None:
    for document in documents(path):
        # strict: a misspelt or misplaced field is an error, not silently ignored.
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_finds_a_misspelt_field_and_a_wrong_type() -> None:
    [deployment] = [d for d in documents(K8S / "api.yaml") if d["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = container.pop(
        "readinessProbe"
    )
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"

    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_deployments_probe_readiness_and_liveness_and_have_resources() -> None:
    containers = {container["name"]: container for container in k8s_containers()}
    for name in ("api", "web"):
        # The web's /readyz asks the API's: no traffic to a web pod whose API is not ready.
        assert containers[name]["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for name in ("api", "web"):
        assert containers[name]["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert containers[name]["resources"]["requests"]
        assert containers[name]["securityContext"]["readOnlyRootFilesystem"] is True
    kinds = {d["kind"] for path in K8S_FILES for d in documents(path)}
    assert {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Job",
        "Ingress",
        "ConfigMap",
        "Secret",
    } <= kinds


# --- settings: what the files set exists, and every setting is listed -----------------------


def test_every_itpp_variable_the_deploy_files_set_is_a_setting() -> None:
    unknown = {
        where: sorted(names - SETTINGS)
        for where, names in variables_set_by_deploy_files().items()
        if names - SETTINGS
    }
    assert not unknown, f"not settings of Settings or WebSettings: {unknown}"


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    listed = env_example_variables()
    assert sorted(CANONICAL_SETTINGS - listed) == [], "settings missing from deploy/.env.example"
    assert sorted(listed - CANONICAL_SETTINGS) == [], (
        "deploy/.env.example lists what is not a setting"
    )


def test_env_example_shows_each_settings_real_default() -> None:
    # "A commented line shows the default": the one the code has (issue 23: ITPP_VAR_DIR's was
    # /var/lib/itpp, what the deploy files set, not the default). An uncommented line is a
    # value to set; an unset setting's line ends at the "=".
    defaults = {setting.variable: setting.default or "" for setting in documented_settings()}
    wrong: dict[str, tuple[str, str]] = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"^# (ITPP_[A-Z0-9_]+)=(.*)$", line)
        if match and match[2] != defaults[match[1]]:
            wrong[match[1]] = (match[2], defaults[match[1]])
    assert wrong == {}, "deploy/.env.example (shown, real default)"


def test_every_itpp_variable_named_anywhere_in_deploy_is_a_setting() -> None:
    # Prose and comments too (README.md, nginx.conf): a renamed setting leaves no stale name.
    named: dict[str, set[str]] = {}
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            named[str(path.relative_to(DEPLOY))] = set(VARIABLE.findall(path.read_text()))
    stale = {where: sorted(names - SETTINGS) for where, names in named.items() if names - SETTINGS}
    assert not stale, stale


def test_secret_files_are_named_after_the_settings_they_hold() -> None:
    # A secrets directory holds one file per setting, named after its variable (lower case).
    files: set[str] = set()
    for name, service in compose()["services"].items():
        variables = compose_environment(service)
        if "ITPP_SECRETS_DIR" in variables or "ITPP_WEB_SECRETS_DIR" in variables:
            files.update(
                secret if isinstance(secret, str) else secret.get("target", secret["source"])
                for secret in service.get("secrets", [])
            )
            assert service.get("secrets"), f"{name} reads a secrets directory it is not given"
    for path in K8S_FILES:
        for document in documents(path):
            for volume in (
                document.get("spec", {}).get("template", {}).get("spec", {}).get("volumes", [])
            ):
                files.update(item["path"] for item in volume.get("secret", {}).get("items", []))
    for unit in SYSTEMD_UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("LoadCredential="):
                files.add(line.removeprefix("LoadCredential=").partition(":")[0])
    assert files == {
        "itpp_database_url",
        "itpp_web_secret_key",
        "itpp_unsubscribe_secret",
        "itpp_metrics_token",
        "itpp_web_metrics_token",
        "itpp_s3_secret_access_key",
    }
    assert {name.upper() for name in files} <= SETTINGS


# --- the image and the compose topology -----------------------------------------------------


def test_every_copy_source_of_the_containerfile_exists() -> None:
    sources: list[str] = []
    for instruction in containerfile_instructions():
        if not instruction.startswith(("COPY ", "ADD ")):
            continue
        words = [w for w in shlex.split(instruction)[1:] if not w.startswith("--chown")]
        if any(word.startswith("--from") for word in words):
            continue
        words = [word for word in words if not word.startswith("--")]
        sources += words[:-1]
    assert sources, "no COPY from the build context"
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert not missing, f"COPY sources that do not exist: {missing}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not [s for s in sources if s.rstrip("/") in ignored], "a COPY source is ignored"


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck_per_target() -> None:
    instructions = containerfile_instructions()
    stages = [line.split()[-1] for line in instructions if line.startswith("FROM ")]
    assert {"assets", "build", "runtime", "api", "web"} <= set(stages)
    assert "USER 10001:10001" in instructions
    final_stages = "\n".join(instructions).split("FROM runtime AS ")[1:]
    assert len(final_stages) == 2
    probes = {stage.split()[0]: stage for stage in final_stages}
    assert "HEALTHCHECK " in probes["api"] and "/healthz" in probes["api"]
    # Compose starts nginx once the web is healthy, which means ready: its API answers.
    assert "HEALTHCHECK " in probes["web"] and "/readyz" in probes["web"]
    runtime = "\n".join(instructions).split("AS runtime")[1]
    for package in ("libpango-1.0-0", "fonts-noto-cjk"):
        assert package in runtime
    for build_tool in ("gcc", "build-essential", "npm "):
        assert build_tool not in runtime


def test_compose_runs_two_api_and_two_web_replicas_after_the_migration() -> None:
    services = compose()["services"]
    targets = {line.split()[-1] for line in containerfile_instructions() if " AS " in line}
    for name in ("api", "web"):
        assert services[name]["deploy"]["replicas"] == 2
        assert services[name]["read_only"] is True
    for name in ("migrate", "api", "web", "backup"):
        assert services[name]["build"]["target"] in targets
    assert services["migrate"]["command"] == ["itpp", "db", "upgrade"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["db"]["image"].startswith("postgres:15")
    assert set(compose()["volumes"]) >= {"pgdata", "backups"}
