"""Write the Jupyter notebooks of examples/notebooks/ from their sources, with no outputs.

Each notebook is kept as a plain Python file in ``sources/`` in the "percent"
format that Jupytext, VS Code and Spyder read: a line ``# %%`` starts a code cell,
``# %% [markdown]`` a markdown cell whose lines are comments. The sources are what
one reviews and edits; this script turns them into ``.ipynb`` files with stripped
outputs and stable cell ids, so that rebuilding an unchanged source changes nothing.

    python examples/notebooks/build_notebooks.py            # write every notebook
    python examples/notebooks/build_notebooks.py --check    # exit 1 if a notebook is stale

The test suite runs every notebook from top to bottom (tests/examples/test_notebooks.py).
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
MARKER = "# %%"

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def parse_cells(text):
    """``[(kind, source)]`` with kind 'markdown' or 'code', from percent-format text."""
    cells, kind, lines = [], None, []

    def close():
        body = "\n".join(lines).strip("\n")
        if kind is not None and body.strip():
            cells.append((kind, body))

    for line in text.splitlines():
        if line.startswith(MARKER):
            close()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            # "# text" -> "text"; a bare "#" is an empty line of the markdown.
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind == "code":
            lines.append(line)
    close()
    return cells


def build(source):
    """The notebook (an ``nbformat`` node) for one source file."""
    import nbformat

    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    cells = [make[kind](body, id=f"{source.stem}-{i:02d}") for i, (kind, body) in
             enumerate(parse_cells(source.read_text(encoding="utf-8")))]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                                           "language_info": dict(LANGUAGE_INFO)})


def notebook_path(source):
    return HERE / f"{source.stem}.ipynb"


def render(source):
    import nbformat

    return nbformat.writes(build(source)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that differ from their sources")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted(SOURCES.glob("*.py")):
        text, path = render(source), notebook_path(source)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
    if args.check and stale:
        print(f"out of date (run {Path(__file__).name}): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
