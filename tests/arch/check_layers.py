#!/usr/bin/env python3
"""The tree's shape, checked: one-way layers in the C++ runtime, no import circle anywhere.

    tests/arch/check_layers.py [--build BUILD_DIR] [SOURCE_ROOT]

The runtime (docs/ARCHITECTURE.md) is layered, each layer using only those below it:

    capi/  ->  src/runtime.*  ->  src/sched/  ->  src/value/  ->  src/base/

Checked here:
  1. Includes. A file in src/ or capi/ includes (with "...") only files of its own layer or a
     lower one; capi/ includes src/runtime.hpp alone. The include graph has no cycle.
  2. Calls, when --build names a build tree: no object of a layer references a symbol that an
     object of a higher layer defines (nm). Values and tasks reach the scheduler only through the
     virtual calls of value/executor.hpp, which leave no symbol behind.
  3. Size and purpose: no file in src/ is over 500 lines, and each opens with a comment.
  4. The bindings, each by its language's notion of an import, have no cycle among their modules:
     Python (from . import x, from .x import, import asynckit.x: deferred imports count too),
     Rust (crate::x / super::x paths in the safe crate; lib.rs declares and is exempt),
     Lua (the C files: A -> B when A's object calls a function B's object defines; needs
     --build), Go (packages: the compiler refuses cycles, so: only the raw layer uses cgo).
Exits 1 and names every violation found.
"""
import argparse
import pathlib
import re
import subprocess
import sys

LAYERS = ["base", "value", "sched", "runtime", "capi"]  # bottom up
MAX_LINES = 500

problems = []


def problem(text):
    problems.append(text)


def find_cycle(graph):
    """A list of nodes forming a cycle in graph {node: set(nodes)}, or None."""
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if m == n:
                continue
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def check_no_cycle(what, graph):
    cycle = find_cycle(graph)
    if cycle:
        problem(f"{what}: import cycle {' -> '.join(cycle)}")


# --- the C++ runtime --------------------------------------------------------------------------


def layer_of(rel):
    """Layer index of a path relative to the root (src/base/x.hpp, capi/asynckit.cpp...)."""
    parts = pathlib.PurePosixPath(rel).parts
    if parts[0] == "capi":
        return LAYERS.index("capi")
    if parts[0] == "src":
        if len(parts) == 2:
            return LAYERS.index("runtime")
        if parts[1] in LAYERS:
            return LAYERS.index(parts[1])
    return None


def check_runtime(root):
    files = sorted(
        p.relative_to(root).as_posix()
        for d in ("src", "capi")
        for p in (root / d).rglob("*")
        if p.suffix in (".hpp", ".cpp", ".h")
    )
    graph = {}
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for rel in files:
        text = (root / rel).read_text()
        lines = text.count("\n")
        if rel.startswith("src/") and lines > MAX_LINES:
            problem(f"{rel}: {lines} lines, more than {MAX_LINES}: split it by what it holds")
        if not text.lstrip().startswith("//"):
            problem(f"{rel}: no opening comment saying what the file holds")
        layer = layer_of(rel)
        if layer is None:
            problem(f"{rel}: not in a layer ({', '.join(LAYERS)})")
            continue
        graph[rel] = set()
        for target in include.findall(text):
            if target in ("asynckit.h", "asynckit_version.h"):
                continue  # the public header sits below everything
            dep = "src/" + target
            if not (root / dep).exists():
                problem(f"{rel}: includes \"{target}\", which is not a file of src/")
                continue
            graph[rel].add(dep)
            dep_layer = layer_of(dep)
            if dep_layer > layer:
                problem(f"{rel} ({LAYERS[layer]}) includes {dep} ({LAYERS[dep_layer]}), a higher layer")
            if LAYERS[layer] == "capi" and dep != "src/runtime.hpp":
                problem(f"{rel}: capi/ may include src/runtime.hpp only, not {dep}")
    check_no_cycle("src/ and capi/ includes", graph)
    return len(files)


def nm_symbols(obj):
    out = subprocess.run(["nm", "-C", "--defined-only", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    defined = {line.split(" ", 2)[2] for line in out.splitlines()
               if len(line.split(" ", 2)) == 3 and line.split(" ", 2)[1] in "TDBR"}
    out = subprocess.run(["nm", "-C", "-u", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    undefined = {line.split()[-1] if " " not in line.strip() else line.strip().split(" ", 1)[1]
                 for line in out.splitlines() if line.strip()}
    return defined, undefined


def call_graph(objects):
    """{name: object file} -> {name: names of the other objects whose symbols it uses}."""
    syms = {name: nm_symbols(obj) for name, obj in objects.items()}
    where = {}
    for name, (defined, _) in syms.items():
        for sym in defined:
            where.setdefault(sym, name)
    return {name: {(where[s], s) for s in undefined if s in where and where[s] != name}
            for name, (_, undefined) in syms.items()}


def check_runtime_calls(root, build):
    objects = {}
    for obj in build.glob("CMakeFiles/asynckit_objects.dir/**/*.o"):
        rel = obj.relative_to(build / "CMakeFiles/asynckit_objects.dir").as_posix()
        rel = re.sub(r"\.o$", "", rel)  # src/value/task.cpp
        # An object whose source is gone is a leftover of an older tree: skip it.
        if (root / rel).exists() and layer_of(rel) is not None:
            objects[rel] = obj
    if not objects:
        problem(f"{build}: no objects of asynckit_objects found: build the library first")
        return 0
    for rel, uses in call_graph(objects).items():
        for dep, sym in sorted(uses):
            if layer_of(dep) > layer_of(rel):
                problem(f"{rel} ({LAYERS[layer_of(rel)]}) calls {sym}, defined in {dep} "
                        f"({LAYERS[layer_of(dep)]}): a call up the layers")
    return len(objects)


# --- the bindings -----------------------------------------------------------------------------


def check_python(root):
    pkg = root / "bindings/python/src/asynckit"
    if not pkg.is_dir():
        return 0
    modules = {p.stem for p in pkg.glob("*.py")}
    graph = {m: set() for m in modules}
    patterns = [
        re.compile(r"^\s*from\s+\.(\w+)\s+import", re.M),
        re.compile(r"^\s*from\s+asynckit\.(\w+)\s+import", re.M),
        re.compile(r"^\s*import\s+asynckit\.(\w+)", re.M),
    ]
    from_dot = re.compile(r"^\s*from\s+\.\s+import\s+([\w\s,()]+)", re.M)
    for m in modules:
        text = (pkg / f"{m}.py").read_text()
        for pattern in patterns:
            graph[m].update(d for d in pattern.findall(text) if d in modules)
        for names in from_dot.findall(text):
            for name in re.split(r"[\s,()]+", names):
                base = name.split(" as ")[0].strip()
                if base in modules:
                    graph[m].add(base)
    graph.pop("__init__", None)  # the package's face imports what it exports
    check_no_cycle("bindings/python", graph)
    return len(modules)


def check_rust(root):
    src = root / "bindings/rust/asynckit/src"
    if not src.is_dir():
        return 0
    modules = {p.stem for p in src.glob("*.rs")} - {"lib"}
    graph = {m: set() for m in modules}
    path = re.compile(r"\b(?:crate|super)::(\w+)")
    for m in modules:
        text = (src / f"{m}.rs").read_text()
        graph[m].update(d for d in path.findall(text) if d in modules)
    check_no_cycle("bindings/rust/asynckit", graph)
    return len(modules)


def check_lua(root, build):
    objs = [o for o in build.glob("bindings/lua/CMakeFiles/asynckit_lua.dir/src/*.o")
            if (root / "bindings/lua/src" / o.name[:-2]).exists()]  # not leftovers
    if not objs:
        return 0
    uses = call_graph({o.name.split(".")[0]: o for o in objs})
    graph = {name: {dep for dep, _ in calls} for name, calls in uses.items()}
    check_no_cycle("bindings/lua/src (calls between files)", graph)
    return len(objs)


def check_go(root):
    go = root / "bindings/go"
    if not go.is_dir():
        return 0
    files = [p for p in go.rglob("*.go") if "testdata" not in p.parts]
    packages = {p.parent for p in files}
    if len(packages) < 2:
        return len(files)  # one package: nothing to layer
    # The idiomatic package (the module's root) must not use cgo itself; the raw package does.
    for p in files:
        if p.parent == go and re.search(r'^import\s+"C"', p.read_text(), re.M):
            problem(f"{p.relative_to(root)}: the idiomatic Go package imports \"C\"; "
                    "only the raw package may")
    return len(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=pathlib.Path(__file__).resolve().parents[2],
                    type=pathlib.Path)
    ap.add_argument("--build", type=pathlib.Path, help="a build tree, for the checks on objects")
    args = ap.parse_args()
    root = args.root.resolve()
    counts = [f"{check_runtime(root)} runtime files"]
    if args.build:
        counts.append(f"{check_runtime_calls(root, args.build)} runtime objects")
        counts.append(f"{check_lua(root, args.build)} Lua objects")
    counts.append(f"{check_python(root)} Python modules")
    counts.append(f"{check_rust(root)} Rust modules")
    counts.append(f"{check_go(root)} Go files")
    if problems:
        print("the tree's layering is broken:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("layers ok, no import cycle: " + ", ".join(counts))


if __name__ == "__main__":
    main()
