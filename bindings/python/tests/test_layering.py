"""The package's modules import each other one way: _native (the raw layer) at the bottom, no
import circle anywhere. Deferred imports (inside functions) count, as in the CI check."""

import ast
import os

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "asynckit")
NAME = "asynckit"


def imports(path, modules):
    """The package modules that the module at `path` imports, anywhere in it."""
    used = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == NAME and len(parts) > 1:
                    used.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1 or (node.level == 0 and (node.module or "").split(".")[0] == NAME):
                inner = (node.module or "").split(".")[node.level == 0 :]
                if inner and inner[0]:
                    used.add(inner[0])
                else:  # from . import X: X is a module, or a name from the package's __init__
                    used.update(a.name if a.name in modules else "__init__" for a in node.names)
    return used & modules


def graph(package):
    modules = {f[:-3] for f in os.listdir(package) if f.endswith(".py")}
    return {m: imports(os.path.join(package, m + ".py"), modules) - {m} for m in modules}


def cycle(edges):
    """One import circle as a list of modules, or None."""
    state = {}  # module -> "open" while on the path, "done" once fully explored

    def visit(m, path):
        state[m] = "open"
        for n in sorted(edges[m]):
            if state.get(n) == "open":
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n, path + [n])
                if found:
                    return found
        state[m] = "done"
        return None

    for m in sorted(edges):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


def test_the_package_has_no_import_circle():
    edges = graph(PACKAGE)
    assert cycle(edges) is None, " -> ".join(cycle(edges))


def test_the_raw_layer_imports_nothing_of_the_package():
    assert graph(PACKAGE)["_native"] == set()


def test_the_check_finds_a_circle_made_by_a_deferred_import(tmp_path):
    (tmp_path / "__init__.py").write_text("from .a import f\n")
    (tmp_path / "a.py").write_text("from . import b\n\ndef f():\n    return b.g()\n")
    (tmp_path / "b.py").write_text("def g():\n    from .a import f\n    return f\n")
    (tmp_path / "c.py").write_text("import asynckit.a\nfrom asynckit.b import g\n")
    edges = graph(str(tmp_path))
    assert edges["c"] == {"a", "b"}
    assert cycle(edges) in (["a", "b", "a"], ["b", "a", "b"])
