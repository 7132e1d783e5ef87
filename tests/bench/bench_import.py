"""Cold-start benchmark: import time and memory of a generated API, in fresh interpreters.

    python tests/bench/bench_import.py [--runs 10] [--sizes 10,100,1000]

For specs of N operations with N object models it times, in a new interpreter each run
(interpreter start-up excluded, median of --runs):

  (a) import wsapi.<api>, uncached (reads YAML, generates, compiles)
  (b) import wsapi.<api>, from the bytecode cache
  (c) the same module written out as a conventional static .py (every class defined at
      import, as PDK or openapi-python-client would generate), imported from its .pyc
  (d) thriftpy2.load() of an equivalent .thrift IDL (same structs, one service, same methods)

and then: time from a fresh interpreter to the first message handed to botocore (import,
build a payload, serialise, PostToConnection into a botocore before-send hook: no network),
and peak traced memory of the import. Needs thriftpy2 installed for (d) (pip install thriftpy2).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def make_spec(n: int) -> str:
    lines = [
        "openapi: 3.0.3",
        f"info: {{title: Bench{n}, version: '1'}}",
        "paths:",
    ]
    for i in range(n):
        direction = ("server_to_client", "bidirectional", "client_to_server")[i % 3]
        lines += [
            f"  /SendThing{i}:",
            "    post:",
            f"      operationId: sendThing{i}",
            f"      summary: Operation number {i}.",
            f"      x-async: {{direction: {direction}}}",
            "      requestBody:",
            "        content:",
            "          application/json:",
            f"            schema: {{$ref: '#/components/schemas/Thing{i}'}}",
            "      responses: {}",
        ]
    lines += ["components:", "  schemas:", "    Level:", "      type: string", "      enum: [low, mid, high]"]
    for i in range(n):
        lines += [
            f"    Thing{i}:",
            "      type: object",
            f"      description: Model number {i}.",
            "      properties:",
            "        thingId: {type: string}",
            "        count: {type: integer}",
            "        ratio: {type: number}",
            "        active: {type: boolean}",
            "        level: {$ref: '#/components/schemas/Level'}",
            "        tags: {type: array, items: {type: string}}",
        ]
        if i:
            lines.append(f"        previous: {{$ref: '#/components/schemas/Thing{i - 1}'}}")
        lines.append("      required: [thingId, count]")
    return "\n".join(lines) + "\n"


def make_thrift(n: int) -> str:
    out = ["enum Level { LOW = 1, MID = 2, HIGH = 3 }", ""]
    for i in range(n):
        fields = [
            "1: required string thingId",
            "2: required i64 count",
            "3: optional double ratio",
            "4: optional bool active",
            "5: optional Level level",
            "6: optional list<string> tags",
        ]
        if i:
            fields.append(f"7: optional Thing{i - 1} previous")
        out.append(f"struct Thing{i} {{\n  " + ",\n  ".join(fields) + "\n}\n")
    methods = [f"  void sendThing{i}(1: string connectionId, 2: Thing{i} payload)" for i in range(n)]
    out.append("service BenchApi {\n" + ",\n".join(methods) + "\n}\n")
    return "\n".join(out)


IMPORT = """\
import time, sys
t0 = time.perf_counter()
{statement}
t1 = time.perf_counter()
assert 'boto3' not in sys.modules
print(t1 - t0)
"""

MEMORY = """\
import tracemalloc
tracemalloc.start()
{statement}
print(tracemalloc.get_traced_memory()[1])
"""

FIRST_MESSAGE = """\
import time
t0 = time.perf_counter()
from wsapi.bench{n} import DefaultApiServerSdk, Thing0
sdk = DefaultApiServerSdk("https://abc.execute-api.us-east-1.amazonaws.com/prod")
from botocore.awsrequest import AWSResponse
handed = []
class EmptyBody:
    def stream(self, **kwargs):
        yield b""
def capture(request, **kwargs):
    handed.append((time.perf_counter(), request.body))
    return AWSResponse(request.url, 200, {{}}, EmptyBody())
sdk.client.meta.events.register("before-send.apigatewaymanagementapi.PostToConnection", capture)
t_client = time.perf_counter()
sdk.send_thing0("conn-1", Thing0(thing_id="t", count=1, level="high", tags=["a"]))
t_sent, body = handed[0]
assert body == b'{{"route":"SendThing0","payload":{{"thingId":"t","count":1,"level":"high","tags":["a"]}}}}', body
print(t_sent - t0, t_client - t0)
"""


def run(code: str, env: dict[str, str], cwd: Path) -> str:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{code}\n{out.stderr}")
    return out.stdout.strip()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        import thriftpy2  # noqa: F401

        have_thrift = True
    except ImportError:
        have_thrift = False
        print("thriftpy2 is not installed: (d) is left out (pip install thriftpy2)\n")

    work = Path(tempfile.mkdtemp(prefix="wsapi-bench-"))
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "WSAPI_CACHE_DIR")}
    base_env.update(WSAPI_SPEC_PATH=str(work / "specs"), PYTHONPATH=str(work / "static"), XDG_CACHE_HOME=str(work / "xdg"))
    # Lambda has credentials in its environment; here fake ones, and no config files to read
    base_env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_CONFIG_FILE=os.devnull,
                    AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    # (a): a copy of the specs that never gets a cache (nothing is written with this variable set)
    nocache_env = {**base_env, "PYTHONDONTWRITEBYTECODE": "1", "WSAPI_SPEC_PATH": str(work / "uncached")}
    (work / "specs").mkdir()
    (work / "uncached").mkdir()
    (work / "static").mkdir()
    (work / "thrift").mkdir()
    sys.path.insert(0, str(REPO))
    from wsapi.build import generate_source

    rows = []
    first_rows = []
    memory_rows = []
    try:
        for n in sizes:
            spec = work / "specs" / f"bench{n}.yaml"
            spec.write_text(make_spec(n))
            (work / "uncached" / spec.name).write_text(make_spec(n))
            (work / "static" / f"static{n}.py").write_text(generate_source(str(spec), f"bench{n}"))
            thrift = work / "thrift" / f"bench{n}.thrift"
            thrift.write_text(make_thrift(n))
            statements = {
                "a": (f"import wsapi.bench{n}", nocache_env),
                "b": (f"import wsapi.bench{n}", base_env),
                "c": (f"import static{n}", base_env),
                "d": (f"import thriftpy2; thriftpy2.load({str(thrift)!r}, module_name='bench{n}_thrift')", base_env),
            }
            if not have_thrift:
                del statements["d"]
            # warm the caches: wsapi's bytecode cache, the static module's .pyc
            run(IMPORT.format(statement=statements["b"][0]), base_env, work)
            run(IMPORT.format(statement=statements["c"][0]), base_env, work)
            times: dict[str, list[float]] = {k: [] for k in statements}
            for _ in range(args.runs):
                for key, (statement, env) in statements.items():  # interleaved: noise hits all alike
                    times[key].append(float(run(IMPORT.format(statement=statement), env, work)))
            med = {k: median_ms(v) for k, v in times.items()}
            rows.append((n, med))
            first, client = [], []
            for _ in range(args.runs):
                sent, made = run(FIRST_MESSAGE.format(n=n), base_env, work).split()
                first.append(float(sent))
                client.append(float(made))
            first_rows.append((n, median_ms(first), median_ms(client)))
            memory_rows.append(
                (n, *(int(run(MEMORY.format(statement=statements[k][0]), env, work)) / 1e6 for k, env in
                      (("a", nocache_env), ("b", base_env), ("c", base_env))))
            )
            assert not (work / "uncached" / "__pycache__").exists() and not (work / "xdg").exists()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"wsapi import benchmark - {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores; median of {args.runs} fresh interpreters\n")
    head = "| operations | (a) uncached ms | (b) cached ms | (c) static .pyc ms | (d) thriftpy2 ms | b/c | d/b |"
    print(head)
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, med in rows:
        d = med.get("d")
        d_ms = "n/a" if d is None else f"{d:.1f}"
        d_ratio = "n/a" if d is None else f"{d / med['b']:.1f}x"
        print(f"| {n} | {med['a']:.1f} | {med['b']:.1f} | {med['c']:.1f} | {d_ms} | {med['b'] / med['c']:.2f} | {d_ratio} |")
    print()
    print("| operations | import + payload + serialise + PostToConnection handed to botocore ms | of which boto3 client ready ms |")
    print("|---:|---:|---:|")
    for n, sent, client in first_rows:
        print(f"| {n} | {sent:.1f} | {client:.1f} |")
    print()
    print("| operations | peak memory (a) uncached MB | (b) cached MB | (c) static MB |")
    print("|---:|---:|---:|---:|")
    for n, a, b, c in memory_rows:
        print(f"| {n} | {a:.2f} | {b:.2f} | {c:.2f} |")
    print()
    checks = []
    for n, med in rows:
        checks.append((f"(b) no slower than (c) at {n}", med["b"] <= med["c"]))
        if "d" in med and n >= 100:
            checks.append((f"(b) at least 2x faster than (d) at {n}", med["d"] >= 2 * med["b"]))
    if len(rows) > 1:
        (n0, m0), (n1, m1) = rows[-2], rows[-1]
        growth = (m1["a"] - m0["a"]) / (n1 - n0)
        checks.append((f"(a) grows linearly: {growth:.2f} ms per extra operation", True))
    for label, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {label}")


if __name__ == "__main__":
    main()
