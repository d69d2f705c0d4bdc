"""What the public headers and the linker version script declare.

Shared by check-exports.py and check-map.py, so that both read the map and the
headers the same way."""
import glob
import os
import re


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*|#[^\n]*", " ", text)


def map_nodes(path):
    """{node: [global symbols]} of a GNU ld version script, in file order.
    A wildcard among the globals would export names nobody reviewed: error."""
    with open(path) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    nodes = {}
    for name, body in re.findall(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}[^;]*;", text, re.S):
        scope, names = "global", []
        for token in re.findall(r"[^\s;]+:|[^\s;:]+", body):
            if token.endswith(":"):
                scope = token[:-1]
            elif scope == "global":
                if any(c in token for c in "*?["):
                    raise SystemExit(f"{path}: wildcard '{token}' in node {name}'s globals")
                names.append(token)
        nodes[name] = names
    if not nodes:
        raise SystemExit(f"{path}: no version node found")
    return nodes


def header_functions(include_dir):
    """{name: header} for every declaration carrying PLX_API in include_dir/plexus/*.h."""
    found = {}
    for header in sorted(glob.glob(os.path.join(include_dir, "plexus", "*.h"))):
        with open(header) as f:
            text = strip_comments(f.read().replace("\\\n", " "))   # also drops #define PLX_API
        for decl in re.findall(r"\bPLX_API\b([^;{]*)", text):
            # a function: the first identifier before a '(' that is not an
            # attribute macro (PLX_DEPRECATED(...), __attribute__((...)));
            # else a variable: the last identifier
            calls = [n for n in re.findall(r"([A-Za-z_]\w*)\s*\(", decl)
                     if not n.isupper() and not n.startswith("__")]
            last = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)?$", decl)
            name = calls[0] if calls else last.group(1) if last else None
            if name:
                found[name] = os.path.relpath(header, include_dir)
    return found
