"""Print the runtime part of requirements.lock, hashes included, for the container image.

requirements.lock (uv pip compile --group dev --generate-hashes) holds the runtime
dependencies and the dev tools. uv writes, under each pin, which packages pulled it in
("# via ..."); "tessera (pyproject.toml)" marks a runtime dependency and
"tessera (pyproject.toml:dev)" a dev one. A pin is kept when the project needs it at run
time or a kept pin needs it. The output is a plain subset of the lock, so
`pip install --require-hashes` still checks every file, and pip fails the build if a
runtime dependency were ever missing from it.

Usage: python deploy/runtime-requirements.py requirements.lock > requirements.runtime.lock
"""

import re
import sys

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==")
RUNTIME_ROOT = "tessera (pyproject.toml)"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(lines: list[str]) -> list[tuple[str, list[str], set[str]]]:
    """[(name, requirement lines, parents)] in file order."""
    blocks: list[tuple[str, list[str], set[str]]] = []
    in_via = False
    for line in lines:
        match = PIN.match(line)
        if match:
            blocks.append((normalise(match.group(1)), [line], set()))
            in_via = False
            continue
        if not blocks:
            continue
        stripped = line.strip()
        if stripped.startswith("--hash=") or (
            stripped and not stripped.startswith("#")
        ):
            blocks[-1][1].append(line)
        elif stripped.startswith("# via"):
            rest = stripped[len("# via") :].strip()
            in_via = not rest
            if rest:
                blocks[-1][2].add(rest)
        elif in_via and stripped.startswith("#   "):
            blocks[-1][2].add(stripped[1:].strip())
        else:
            in_via = False
    return blocks


def runtime_subset(lines: list[str]) -> list[str]:
    blocks = parse(lines)
    keep = {name for name, _, parents in blocks if RUNTIME_ROOT in parents}
    changed = True
    while changed:
        changed = False
        for name, _, parents in blocks:
            if name not in keep and any(normalise(p) in keep for p in parents):
                keep.add(name)
                changed = True
    if not keep:
        sys.exit("runtime-requirements: no runtime dependency found in the lock")
    out = ["# Runtime subset of requirements.lock (deploy/runtime-requirements.py)\n"]
    for name, requirement, _ in blocks:
        if name in keep:
            out.extend(requirement)
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as lock:
        sys.stdout.writelines(runtime_subset(lock.readlines()))


if __name__ == "__main__":
    main()
