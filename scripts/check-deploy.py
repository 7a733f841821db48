#!/usr/bin/env python3
"""Keeps the deployment files in step with the code and the README (no Docker engine runs on
the build machines, so the image itself cannot be built in CI; this checks what can be):

- the Dockerfile's build stage and the README's first command (scripts/run.sh) both build
  through scripts/build.sh, which runs scripts/setup.sh and `cargo leptos build --release --split`;
- the runtime stage copies exactly the binary and the site, runs as a non-root user, exposes
  the port WGMIK_BIND names, keeps data in the volume WGMIK_DATA_DIR names, and its
  HEALTHCHECK is `wgmik healthcheck`, a subcommand the binary has;
- every environment variable the code reads is documented in .env.example, and
  .env.example documents no variable the code does not read;
- docker-compose.yml publishes port 8000, mounts the data volume and has a `postgres` profile.

Exit status 1 with one line per problem.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
problems = []


def need(condition, message):
    if not condition:
        problems.append(message)


def read(path):
    return (root / path).read_text(encoding="utf-8")


dockerfile = read("Dockerfile")
stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
need(len(stages) == 2, f"Dockerfile: expected 2 stages (build, runtime), found {len(stages)}")
build, runtime = (stages + ["", ""])[:2]

# One build recipe for the README and the image.
need(re.search(r"^RUN scripts/build\.sh\b", build, re.M), "Dockerfile build stage does not RUN scripts/build.sh")
need(re.search(r"^scripts/build\.sh\b", read("scripts/run.sh"), re.M), "scripts/run.sh does not call scripts/build.sh")
build_sh = read("scripts/build.sh")
need(re.search(r"^scripts/setup\.sh\b", build_sh, re.M), "scripts/build.sh does not run scripts/setup.sh")
need("cargo leptos build --release --split" in build_sh, "scripts/build.sh does not run `cargo leptos build --release --split`")
readme = read("README.md")
need("scripts/run.sh" in readme, "README does not give scripts/run.sh as the first command")
rust_version = re.search(r'^rust-version = "([0-9.]+)"', read("Cargo.toml"), re.M).group(1)
need(build.startswith(f"rust:{rust_version}-"), f"Dockerfile build image is not rust:{rust_version} (Cargo.toml rust-version)")
need("node:20" in build, "Dockerfile build stage does not take Node.js 20")

# The runtime stage: only the binary and the site, non-root, port, volume, health check.
copies = re.findall(r"^COPY --from=build (\S+) (\S+)", runtime, re.M)
need(sorted(src for src, _ in copies) == ["/src/target/release/wgmik", "/src/target/site"],
     f"runtime stage copies {copies}, expected only the binary and the site")
user = re.search(r"^USER (\S+)", runtime, re.M)
need(user and user.group(1) not in ("root", "0"), "runtime stage does not switch to a non-root USER")
bind = re.search(r"WGMIK_BIND=(\S+)", runtime)
expose = re.search(r"^EXPOSE (\d+)", runtime, re.M)
need(bind and expose and bind.group(1).endswith(":" + expose.group(1)),
     "EXPOSE does not match the port of WGMIK_BIND in the runtime stage")
need(bind and bind.group(1).startswith("0.0.0.0:"), "the container must listen on 0.0.0.0 (SPEC §11)")
data_dir = re.search(r"WGMIK_DATA_DIR=(\S+)", runtime)
volume = re.search(r'^VOLUME \["?([^"\]]+)"?\]', runtime, re.M)
need(data_dir and volume and data_dir.group(1) == volume.group(1), "VOLUME is not WGMIK_DATA_DIR")
need(re.search(r'^HEALTHCHECK .*\n?.*"healthcheck"', runtime, re.M), "HEALTHCHECK does not run `wgmik healthcheck`")
need("Healthcheck" in read("server/src/config.rs"), "the binary has no healthcheck subcommand")

# Environment variables: the code's and .env.example's are the same set.
code_vars = set()
for path in list((root / "server/src").rglob("*.rs")) + list((root / "src").rglob("*.rs")):
    text = path.read_text(encoding="utf-8")
    code_vars |= set(re.findall(r'env = "([A-Z][A-Z0-9_]+)"', text))
    code_vars |= set(re.findall(r'env::var(?:_os)?\("([A-Z][A-Z0-9_]+)"\)', text))
    code_vars |= set(re.findall(r'const [A-Z_]+: &str = "((?:WGMIK|DATABASE|RUST)_?[A-Z0-9_]*)"', text))
    code_vars |= set(re.findall(r'default_value = "(WGMIK_[A-Z0-9_]+)"', text))  # --password-env
code_vars |= {"RUST_LOG", "WGMIK_TEST_POSTGRES_URL"}  # read by tracing's EnvFilter / the tests
code_vars.discard("CI")  # the test harness's own switch, not wgmik configuration
code_vars.discard("HOSTNAME")  # set by the system; names the instance in router leases
documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", read(".env.example"), re.M))
compose_only = {"WGMIK_PORT"}
for var in sorted(code_vars - documented):
    problems.append(f".env.example does not document {var}, which the code reads")
for var in sorted(documented - code_vars - compose_only):
    problems.append(f".env.example documents {var}, which no code reads")

compose = read("docker-compose.yml")
need(re.search(r'"\$\{WGMIK_PORT:-8000\}:8000"', compose), "docker-compose.yml does not publish port 8000")
need("wgmik-data:/data" in compose, "docker-compose.yml does not mount the data volume on /data")
need(re.search(r'profiles: \["postgres"\]', compose), "docker-compose.yml has no postgres profile")
for ignored in ("target/", "node_modules/", ".env", "data/"):
    need(ignored in read(".dockerignore").split(), f".dockerignore does not exclude {ignored}")

for problem in problems:
    print(f"check-deploy: {problem}")
if problems:
    sys.exit(1)
print(f"check-deploy: Dockerfile, compose, .env.example and README agree ({len(code_vars)} variables)")
